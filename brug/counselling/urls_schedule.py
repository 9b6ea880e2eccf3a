"""Counsellor-side routes: schedule part (included by urls)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
