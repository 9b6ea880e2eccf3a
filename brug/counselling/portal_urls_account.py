"""Client portal routes: account part (included by portal_urls)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
