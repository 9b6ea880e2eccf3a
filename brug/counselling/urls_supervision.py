"""Counsellor-side routes: care and supervision part (included by urls)."""

from django.urls import URLPattern, path

from . import views_supervision as views

urlpatterns: list[URLPattern] = [
    path("care/", views.care, name="care"),
    path("care/checkin/", views.checkin, name="checkin"),
    path("care/exposure/", views.exposure_add, name="exposure_add"),
    path("supervision/", views.overview, name="overview"),
    path("supervision/concerns/<int:concern_id>/", views.concern, name="concern"),
    path("supervision/caseload/", views.caseload, name="caseload"),
    path("supervision/publish/", views.publish, name="publish"),
    path("supervision/plan/", views.supervision_plan, name="supervision_plan"),
    path("supervision/sessions/<int:session_id>/", views.supervision, name="supervision"),
]
