"""The HTTP API under /api/: the push endpoint, its OpenAPI schema and (optionally) docs."""

from django.urls import path

from .api import api

urlpatterns = [
    path("", api.urls),
]
