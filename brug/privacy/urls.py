from django.urls import path

from . import views

app_name = "privacy"
urlpatterns = [
    path("retention/", views.retention, name="retention"),
    path("handle/reveal/", views.handle_reveal, name="handle_reveal"),
]
