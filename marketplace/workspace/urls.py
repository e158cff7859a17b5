"""The officer's to-do page (/work/, namespace ``workspace``)."""

from django.urls import path

from marketplace.workspace import views

app_name = "workspace"

urlpatterns = [
    path("", views.todo, name="todo"),
]
