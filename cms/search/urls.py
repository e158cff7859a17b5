from django.urls import path

from cms.search import views

app_name = "search"

urlpatterns = [
    path("", views.search, name="index"),
]
