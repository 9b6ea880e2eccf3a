"""Forms for sources. They only parse input; the services check and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from .models import LegalBasis, SourceKind
from .parsing import ACCEPT
from .services import MAX_RETENTION_DAYS


class SourceForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=SourceKind.choices, widget=forms.RadioSelect,
        help_text=_("How messages arrive. This cannot be changed later."))
    feed_url = forms.URLField(
        label=_("Feed address"), required=False, max_length=1000, assume_scheme="https",
        help_text=_("Feeds only: the RSS or Atom address, starting with http:// or https://."))
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == SourceKind.FEED and not data.get("feed_url"):
            self.add_error("feed_url", _("A feed source needs its feed address."))
        return data


class MandateForm(forms.Form):
    """All four parts are required here: a mandate is recorded whole."""

    legal_basis = forms.ChoiceField(label=_("Legal basis"),
                                    choices=[("", "—"), *LegalBasis.choices])
    purpose = forms.CharField(
        label=_("Purpose"), widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why these messages are collected, as written in the mandate."))
    retention_days = forms.IntegerField(
        label=_("Retention period (days)"), min_value=1, max_value=MAX_RETENTION_DAYS,
        help_text=_("Unreviewed and dismissed messages are deleted after this many days."))
    dpia_reference = forms.CharField(
        label=_("DPIA reference"), max_length=200,
        help_text=_("The reference of the data-protection impact assessment."))


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Built per request so the sentence follows the active language.
        self.fields["file"].help_text = _(
            "CSV with a header row (id, text, and optionally author, lang, posted_at, url; "
            "separated by commas, semicolons or tabs) or JSON Lines (one object per line with "
            "the same fields). UTF-8. At most %(size)s.") % {
            "size": filesizeformat(settings.BRUG_UPLOAD_MAX_BYTES)}
