"""Counsellor-side routes: work part (included by urls)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
