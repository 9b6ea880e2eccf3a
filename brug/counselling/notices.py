"""In-app notices for clients and counsellors: nothing is sent outside the platform.

``notice_add`` stores a kind and content-free parameters; ``notice_text`` renders the sentence
in the reader's current language.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .models import Client, Notice, NoticeKind

if TYPE_CHECKING:
    from brug.accounts.models import User


def notice_add(*, kind: str, client: Client | None = None, user: User | None = None,
               params: dict[str, Any] | None = None, url: str = "",
               engagement_id: int | None = None) -> Notice:
    """One notice for a client or a staff member. ``params`` must hold no message content;
    datetimes are stored as ISO strings and shown in the reader's time zone. A notice about an
    engagement (``engagement`` or ``params["engagement"]``) is deleted with it, so a deleted
    client's nickname does not outlive them in a counsellor's notices."""
    clean = {k: (v.isoformat() if hasattr(v, "isoformat") else v)
             for k, v in (params or {}).items()}
    if engagement_id is None and isinstance(clean.get("engagement"), int):
        engagement_id = clean["engagement"]
    return Notice.objects.create(kind=kind, client=client, user=user, params=clean, url=url,
                                 engagement_id=engagement_id)


def _when(value: Any) -> str:
    moment = parse_datetime(str(value)) if value else None
    if moment is None:
        return ""
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def notice_text(notice: Notice) -> str:
    p = notice.params
    when = _when(p.get("at"))
    name = str(p.get("name", ""))
    texts = {
        NoticeKind.BOOKED: _("Session booked with %(name)s on %(when)s."),
        NoticeKind.RESCHEDULED: _("Your session with %(name)s moved to %(when)s."),
        NoticeKind.CANCELLED: _("Your session with %(name)s on %(when)s was cancelled."),
        NoticeKind.REMINDER: _("Reminder: session with %(name)s on %(when)s."),
        NoticeKind.INVITATION: _("%(name)s suggests a colleague to talk with. You decide."),
        NoticeKind.MESSAGE: _("New message from %(name)s."),
        NoticeKind.SUPERVISION: _("Supervision planned on %(when)s."),
        NoticeKind.CHOSEN: _("%(name)s chose you as their counsellor."),
    }
    template = texts.get(NoticeKind(notice.kind), "") if notice.kind in NoticeKind.values else ""
    text = template % {"name": name, "when": when}
    # A time written "4 p.m." ends the sentence already: no "p.m.." at the end.
    return text[:-1] if text.endswith("..") else text


def notices_unread_for_client(client: Client) -> list[Notice]:
    return list(Notice.objects.filter(client=client, read_at__isnull=True)[:20])


def notices_unread_for_user(user: User) -> list[Notice]:
    return list(Notice.objects.filter(user=user, read_at__isnull=True)[:20])


def notices_mark_read(notices: list[Notice]) -> None:
    Notice.objects.filter(pk__in=[n.pk for n in notices]).update(read_at=timezone.now())
