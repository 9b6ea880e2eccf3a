"""Background jobs for counselling: the periodic sweep that reminds of coming sessions."""

from __future__ import annotations

from django.tasks import task


@task()
def appointment_reminders_due() -> dict[str, int]:
    """In-app reminders for booked sessions starting within ``BRUG_REMINDER_HOURS``."""
    from .services_scheduling import reminders_send

    return {"reminded": reminders_send()}
