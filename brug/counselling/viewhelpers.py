"""Small helpers shared by the counselling views (staff and portal)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import NoReverseMatch, reverse

from brug.errors import BrugError


def form_error(form: forms.Form, error: BrugError) -> None:
    """A service error next to its field when it names one of the form's, else on top."""
    name = error.details.get("field")
    form.add_error(name if name in form.fields else None, error.message)


def portal_url(name: str, **kwargs: Any) -> str:
    """The URL of a portal page, or "" while that page does not exist (another part of the
    portal may not be installed yet): the templates hide links that are empty.

    Only for code that runs under any URL configuration (the context processor runs for
    every page); views whose pages all exist use plain ``reverse``.
    """
    try:
        return reverse(f"portal:{name}", kwargs=kwargs or None)
    except NoReverseMatch:
        return ""
