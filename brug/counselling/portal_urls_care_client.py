"""Client portal routes: care_client part (included by portal_urls)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
