"""Counsellor-side routes: work part (included by urls): profile, workspace, one engagement
and its forms, proposals of a colleague, the emergency protocol."""

from django.urls import URLPattern, path

from . import views_work as views

urlpatterns: list[URLPattern] = [
    path("", views.home, name="home"),
    path("profile/", views.profile, name="profile"),
    path("emergency/", views.emergency, name="emergency"),
    path("clients/<int:engagement_id>/", views.engagement, name="engagement"),
    path("clients/<int:engagement_id>/goals/", views.goal_add, name="goal_add"),
    path("goals/<int:goal_id>/review/", views.goal_review, name="goal_review"),
    path("clients/<int:engagement_id>/notes/", views.note_add, name="note_add"),
    path("clients/<int:engagement_id>/safety-plan/", views.safety_plan, name="safety_plan"),
    path("clients/<int:engagement_id>/concerns/", views.concern_add, name="concern_add"),
    path("clients/<int:engagement_id>/invite/", views.invite, name="invite"),
    path("clients/<int:engagement_id>/leave/", views.leave, name="leave"),
    path("clients/<int:engagement_id>/end/", views.end, name="end"),
    path("invitations/<int:invitation_id>/answer/", views.invitation_answer,
         name="invitation_answer"),
]
