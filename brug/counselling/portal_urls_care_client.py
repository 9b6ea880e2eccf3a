"""Client portal routes: care_client part (included by portal_urls): goals, the safety plan,
a proposal of a colleague, stopping, and the public emergency numbers."""

from django.urls import URLPattern, path

from . import portal_views_care as views

urlpatterns: list[URLPattern] = [
    path("counselling/<int:engagement_id>/goals/", views.goals, name="goals"),
    path("counselling/<int:engagement_id>/stop/", views.engagement_end,
         name="engagement_end"),
    path("safety-plan/", views.safety_plan, name="safety_plan"),
    path("proposals/<int:invitation_id>/", views.invitation, name="invitation"),
    path("emergency/", views.emergency, name="emergency"),
]
