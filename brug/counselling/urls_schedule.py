"""Counsellor-side routes: schedule part (included by urls)."""

from django.urls import URLPattern, path

from . import views_schedule as views

urlpatterns: list[URLPattern] = [
    path("slots/", views.slots, name="slots"),
    path("slots/<int:slot_id>/remove/", views.slot_delete, name="slot_remove"),
    path("sessions/", views.appointments, name="appointments"),
    path("sessions/<int:appointment_id>/cancel/", views.appointment_cancel_view,
         name="appointment_cancel"),
    path("sessions/<int:appointment_id>/move/", views.appointment_reschedule_view,
         name="appointment_reschedule"),
    path("sessions/<int:appointment_id>/mark/", views.appointment_mark_view,
         name="appointment_mark"),
    path("calendar/token/", views.ical_token, name="ical_token"),
    path("ical/<str:token>.ics", views.ical_feed, name="ical"),
]
