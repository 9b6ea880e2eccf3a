"""Client portal routes: booking part (included by portal_urls)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
