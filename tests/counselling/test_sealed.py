"""Text encrypted at rest (``SealedTextField``) and key rotation (``brug rotate_content_keys``)."""

from __future__ import annotations

import io
import uuid
from typing import Any

import pytest
from django.core.exceptions import FieldError
from django.core.management import CommandError, call_command

from brug.accounts.models import Organisation
from brug.counselling.models import ChatMessage, SafetyPlan
from brug.counselling.services_chat import chat_post
from brug.privacy.sealed import (
    TOKEN_PREFIX,
    ContentKeyError,
    rotate_all,
    seal_text,
    sealed_fields,
    unseal_text,
)

from .chat_helpers import raw_column
from .factories import make_client, make_counsellor, make_engagement, make_pool

pytestmark = pytest.mark.django_db
KEY_A, KEY_B, KEY_C = "key-a-" + "a" * 20, "key-b-" + "b" * 20, "key-c-" + "c" * 20
TEXT = "My brother still goes to their meetings."


@pytest.fixture
def message(org: Organisation, settings: Any) -> ChatMessage:
    settings.BRUG_CONTENT_KEYS = [KEY_A]
    client = make_client(make_pool(org))
    engagement = make_engagement(client, make_counsellor(org))
    stored, _ = chat_post(engagement_id=engagement.pk, client=client, text=TEXT,
                          ref=str(uuid.uuid4()))
    return stored


def _raw(message: ChatMessage) -> str:
    return raw_column("counselling_chatmessage", "body", message.pk)


def test_the_column_holds_only_a_token(message: ChatMessage) -> None:
    raw = _raw(message)
    assert raw.startswith(TOKEN_PREFIX)
    assert "brother" not in raw and TEXT not in raw
    assert unseal_text(raw) == TEXT
    assert ChatMessage.objects.get(pk=message.pk).body == TEXT
    assert ChatMessage.objects.values_list("body", flat=True).get(pk=message.pk) == TEXT


def test_the_same_text_is_sealed_differently_each_time(settings: Any) -> None:
    settings.BRUG_CONTENT_KEYS = [KEY_A]
    assert seal_text(TEXT) != seal_text(TEXT)


def test_empty_text_stays_empty(org: Organisation, settings: Any) -> None:
    settings.BRUG_CONTENT_KEYS = [KEY_A]
    plan = SafetyPlan.objects.create(client=make_client(make_pool(org)), coping="Walk")
    assert raw_column("counselling_safetyplan", "warning_signs", plan.pk) == ""
    assert raw_column("counselling_safetyplan", "coping", plan.pk).startswith(TOKEN_PREFIX)
    assert SafetyPlan.objects.filter(warning_signs="").count() == 1
    assert SafetyPlan.objects.exclude(coping="").count() == 1


def test_content_lookups_are_refused_rather_than_silently_empty(message: ChatMessage) -> None:
    with pytest.raises(FieldError):
        list(ChatMessage.objects.filter(body__icontains="brother"))
    with pytest.raises(FieldError):
        list(ChatMessage.objects.filter(body__lower="x"))


def test_key_rotation(message: ChatMessage, settings: Any) -> None:
    before = _raw(message)
    # Step 1: the new key goes first; old text still reads, new text uses the new key.
    settings.BRUG_CONTENT_KEYS = [KEY_B, KEY_A]
    assert ChatMessage.objects.get(pk=message.pk).body == TEXT
    assert rotate_all(dry_run=True)["counselling.ChatMessage"] == 1
    assert _raw(message) == before  # a dry run writes nothing
    # Step 2: rotate.
    counts = rotate_all()
    assert counts["counselling.ChatMessage"] == 1
    after = _raw(message)
    assert after != before and after.startswith(TOKEN_PREFIX) and "brother" not in after
    assert rotate_all()["counselling.ChatMessage"] == 0  # nothing left under the old key
    # Step 3: the old key is removed; everything still reads.
    settings.BRUG_CONTENT_KEYS = [KEY_B]
    assert ChatMessage.objects.get(pk=message.pk).body == TEXT
    # A wrong key gives the clear error, not garbage.
    settings.BRUG_CONTENT_KEYS = [KEY_C]
    with pytest.raises(ContentKeyError) as caught:
        ChatMessage.objects.get(pk=message.pk)
    assert "BRUG_CONTENT_KEYS" in caught.value.message


def test_rotation_stops_at_a_row_no_key_can_read(message: ChatMessage, settings: Any) -> None:
    settings.BRUG_CONTENT_KEYS = [KEY_C, KEY_B]  # KEY_A, which wrote the row, is missing
    with pytest.raises(ContentKeyError) as caught:
        rotate_all()
    assert f"counselling.ChatMessage #{message.pk}" in caught.value.message
    with pytest.raises(CommandError):
        call_command("rotate_content_keys", stdout=io.StringIO())


def test_spaces_around_keys_do_not_matter(message: ChatMessage, settings: Any) -> None:
    settings.BRUG_CONTENT_KEYS = [f"  {KEY_A} "]
    assert ChatMessage.objects.get(pk=message.pk).body == TEXT


def test_no_keys_at_all_is_a_clear_error(settings: Any) -> None:
    settings.BRUG_CONTENT_KEYS = []
    with pytest.raises(ContentKeyError):
        seal_text("x")


def test_the_command_prints_rows_per_model(message: ChatMessage, org: Organisation,
                                           settings: Any) -> None:
    SafetyPlan.objects.create(client=message.engagement.client, coping="Call Ana",
                              people="Ana")
    settings.BRUG_CONTENT_KEYS = [KEY_B, KEY_A]
    out = io.StringIO()
    call_command("rotate_content_keys", "--dry-run", stdout=out)
    text = out.getvalue()
    assert "counselling.ChatMessage: 1 rows would be re-encrypted" in text
    assert "counselling.SafetyPlan: 1 rows would be re-encrypted" in text
    assert "dry run: 2 rows would be re-encrypted" in text
    out = io.StringIO()
    call_command("rotate_content_keys", "--model", "counselling.SafetyPlan", "--batch", "1",
                 stdout=out)
    assert out.getvalue().splitlines() == [
        "counselling.SafetyPlan: 1 rows re-encrypted", "1 rows re-encrypted in 1 models"]
    out = io.StringIO()
    call_command("rotate_content_keys", stdout=out)
    assert "counselling.ChatMessage: 1 rows re-encrypted" in out.getvalue()
    assert "counselling.SafetyPlan: 0 rows re-encrypted" in out.getvalue()
    settings.BRUG_CONTENT_KEYS = [KEY_B]
    plan = SafetyPlan.objects.get()
    assert (plan.coping, plan.people) == ("Call Ana", "Ana")
    with pytest.raises(CommandError):
        call_command("rotate_content_keys", "--model", "accounts.User", stdout=io.StringIO())


def test_the_command_help_explains_the_procedure() -> None:
    from brug.privacy.management.commands.rotate_content_keys import Command

    help_text = Command().create_parser("brug", "rotate_content_keys").format_help()
    assert "FIRST in BRUG_CONTENT_KEYS" in help_text
    assert "remove the old key" in help_text
    assert "--dry-run" in help_text


def test_batches_cover_every_row(org: Organisation, settings: Any) -> None:
    settings.BRUG_CONTENT_KEYS = [KEY_A]
    client = make_client(make_pool(org))
    engagement = make_engagement(client, make_counsellor(org))
    for i in range(7):
        chat_post(engagement_id=engagement.pk, client=client, text=f"m{i}",
                  ref=str(uuid.uuid4()))
    settings.BRUG_CONTENT_KEYS = [KEY_B, KEY_A]
    assert rotate_all(batch=3, models_only=["counselling.ChatMessage"]) == {
        "counselling.ChatMessage": 7}
    settings.BRUG_CONTENT_KEYS = [KEY_B]
    assert sorted(ChatMessage.objects.values_list("body", flat=True)) == [
        f"m{i}" for i in range(7)]


def test_every_sealed_model_is_known() -> None:
    labels = {model._meta.label for model, _ in sealed_fields()}
    assert {"counselling.ChatMessage", "counselling.SafetyPlan",
            "counselling.SessionNote"} <= labels
