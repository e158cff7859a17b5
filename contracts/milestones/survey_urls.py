"""The residents' public questionnaire (/survey/<token>/), no account."""

from django.urls import path

from contracts.milestones.views import surveys

app_name = "survey"

urlpatterns = [
    path("thanks/", surveys.thanks, name="thanks"),
    path("<str:token>/", surveys.answer, name="answer"),
]
