"""Client portal routes: booking part (included by portal_urls)."""

from django.urls import URLPattern, path

from . import portal_views_booking as views

urlpatterns: list[URLPattern] = [
    path("counsellors/", views.counsellors, name="counsellors"),
    path("counsellors/<int:counsellor_id>/", views.counsellor, name="counsellor"),
    path("counsellors/suggest/", views.suggest, name="suggest"),
    path("counsellors/choose/", views.choose, name="choose"),
    path("counselling/<int:engagement_id>/book/", views.book, name="book"),
    path("sessions/<int:appointment_id>/", views.appointment, name="appointment"),
    path("sessions/<int:appointment_id>/move/", views.reschedule, name="reschedule"),
    path("sessions/<int:appointment_id>/cancel/", views.cancel, name="cancel"),
]
