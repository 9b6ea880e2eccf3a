"""A counsellor in another time zone reads one clock on every counselling page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client as HttpClient
from django.urls import reverse

from brug.accounts.models import Organisation
from brug.counselling.models import Appointment

from ..factories import login
from .factories import make_client, make_counsellor, make_engagement, make_pool, make_slot

pytestmark = pytest.mark.django_db


@time_machine.travel(datetime(2026, 11, 23, 9, 0, tzinfo=UTC), tick=False)
def test_the_engagement_page_and_the_sessions_page_agree_for_a_new_york_counsellor(
        org: Organisation) -> None:
    profile = make_counsellor(org, time_zone="America/New_York")
    engagement = make_engagement(make_client(make_pool(org)), profile)
    starts = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)  # 10 a.m. New York, 4 p.m. Brussels
    slot = make_slot(profile, starts_at=starts)
    Appointment.objects.create(engagement=engagement, counsellor=profile, slot=slot,
                               starts_at=starts, ends_at=starts + timedelta(minutes=50),
                               format="chat", booked_by="client")
    http = login(HttpClient(), profile.user)
    for url in (reverse("counselling:engagement", kwargs={"engagement_id": engagement.pk}),
                reverse("counselling:appointments"), reverse("counselling:home")):
        html = http.get(url).content.decode()
        assert "2026-11-26T10:00:00-05:00" in html, url  # the <time> element, NY clock
        assert "+01:00" not in html, url  # nothing in the site's (Brussels) clock
