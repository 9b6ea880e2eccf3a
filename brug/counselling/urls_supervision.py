"""Counsellor-side routes: supervision part (included by urls)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
