"""Writes on signals: enqueueing scoring, storing detector results, monitoring re-checks.

Signals belong to messages. Nothing here aggregates anything per author.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from brug.audit.services import audit_record
from brug.sources.models import Message

from .models import FLAG_CATEGORIES, PRIORITY, Signal, SignalFlag, SignalStatus, most_serious

if TYPE_CHECKING:
    from brug.detection import Detector, Result

log = logging.getLogger(__name__)

_detector: Detector | None = None
_detector_lock = threading.Lock()
SCORE_ERROR_MAX = 300  # Message.score_error max_length


def messages_enqueue_scoring(message_ids: Sequence[int]) -> None:
    """Queue the scoring job for these messages in batches of ``BRUG_SCORING_BATCH``.

    Precondition: the messages are committed (call inside ``transaction.on_commit``), because
    the worker reads them from another connection. Unknown or already scored ids are ignored by
    the job, so enqueueing twice is harmless.
    """
    from .tasks import score_messages

    ids = sorted({int(i) for i in message_ids})
    size = settings.BRUG_SCORING_BATCH
    for start in range(0, len(ids), size):
        score_messages.enqueue(ids[start:start + size])


def get_detector() -> Detector:
    """The packaged detector, loaded once per process (loading takes seconds)."""
    global _detector
    if _detector is None:
        with _detector_lock:
            if _detector is None:
                from brug.detection import Detector

                _detector = Detector.load()
    return _detector


def _score_safely(detector: Detector, texts: list[str], langs: list[str | None],
                  ids: list[str | None]) -> list[Result]:
    """Score a batch; if the batch as a whole fails unexpectedly, score message by message so
    that one bad text costs only its own result."""
    from brug.detection import DetectorError, Result

    try:
        return detector.score(texts, langs=langs, ids=ids)
    except DetectorError:
        raise  # no usable model: a configuration problem, the job should fail loudly
    except Exception:
        log.exception("scoring a batch of %d failed; scoring one by one", len(texts))
    results: list[Result] = []
    for text, lang, rid in zip(texts, langs, ids, strict=True):
        try:
            results.extend(detector.score([text], langs=[lang], ids=[rid]))
        except DetectorError:
            raise
        except Exception as exc:
            error = f"the detector failed on this message ({type(exc).__name__})"
            results.append(Result(id=rid, lang="und", model=detector.model_id, error=error))
    return results


def signal_modifiers(result: Result) -> list[dict[str, Any]]:
    """The context modifiers of a result, one entry per modifier, with the categories each
    lowered and its reason; flagged modifier categories (trolling, counter speech) too."""
    from brug.detection import MODIFIERS

    by_name: dict[str, dict[str, Any]] = {}
    for item in result.evidence:
        for mod in item.get("modifiers", []):
            name = str(mod.get("modifier", ""))
            entry = by_name.setdefault(name, {
                "modifier": name, "reason": mod.get("reason", ""),
                "factor": mod.get("factor"), "applies": [], "spans": mod.get("spans", [])})
            entry["applies"].append(item.get("category"))
    for category in MODIFIERS:
        if category in result.flags and category not in by_name:
            by_name[category] = {"modifier": category, "reason": "", "factor": None,
                                 "applies": [], "score": result.scores.get(category),
                                 "spans": []}
    return list(by_name.values())


def _build_signal(message: Message, result: Result, detector: Detector) -> Signal | None:
    flags = [c for c in result.flags if c in PRIORITY]
    top = most_serious(flags)
    if top is None:
        return None  # modifiers alone never make a signal
    name, _, version = result.model.partition("@")
    return Signal(
        message=message, organisation_id=message.source.organisation_id,
        source_id=message.source_id, lang=message.lang, priority=PRIORITY[top],
        top_category=top, flags=list(result.flags), scores=result.scores,
        evidence=result.evidence, modifiers=signal_modifiers(result),
        model_name=name[:100], model_version=version[:32],
        components=dict(detector.components), config_hash=detector.config_hash[:64])


def messages_score(*, message_ids: Sequence[int],
                   detector: Detector | None = None) -> dict[str, int]:
    """Score the unscored messages among ``message_ids`` and store signals for the flagged ones.

    Messages of inactive sources are skipped (left unscored). Idempotent: already scored
    messages are left alone and a signal is never created twice. A result with an error is
    stored on its message (``score_error``); the rest of the batch is stored normally.
    Returns counts (scored, signals, errors, skipped).
    """
    detector = detector or get_detector()
    wanted = sorted({int(i) for i in message_ids})
    candidates = list(Message.objects.filter(pk__in=wanted, scored_at__isnull=True)
                      .select_related("source").order_by("pk"))
    messages = [m for m in candidates if m.source.is_active]
    skipped = len(wanted) - len(messages)
    if not messages:
        return {"scored": 0, "signals": 0, "errors": 0, "skipped": skipped}

    # Scoring is slow and has no side effects: do it before taking the write transaction.
    results = _score_safely(detector, [m.text for m in messages],
                            [m.lang or None for m in messages], [str(m.pk) for m in messages])
    now = timezone.now()
    counts: dict[int, dict[str, int]] = defaultdict(lambda: {"scored": 0, "signals": 0,
                                                              "errors": 0})
    with transaction.atomic():
        # Another worker may have stored this batch meanwhile: keep only what is still unscored.
        still = set(Message.objects.filter(pk__in=[m.pk for m in messages],
                                           scored_at__isnull=True).values_list("pk", flat=True))
        updated: list[Message] = []
        new_signals: list[Signal] = []
        for message, result in zip(messages, results, strict=True):
            if message.pk not in still:
                continue
            org_counts = counts[message.source.organisation_id]
            message.scored_at = now
            if result.error is not None:
                message.score_error = result.error[:SCORE_ERROR_MAX]
                org_counts["errors"] += 1
            else:
                message.score_error = ""
                if not message.lang and result.lang and result.lang != "und":
                    message.lang = result.lang[:8]
                signal = _build_signal(message, result, detector)
                if signal is not None:
                    new_signals.append(signal)
                    org_counts["signals"] += 1
            org_counts["scored"] += 1
            updated.append(message)
        # One UPDATE per (language, error) group: a CASE-per-row bulk_update cost 0.3 ms of CPU
        # per message, 70 times more (benchmarks/README.md).
        groups: dict[tuple[str, str], list[int]] = defaultdict(list)
        for message in updated:
            groups[(message.lang, message.score_error)].append(message.pk)
        for (lang, error), pks in groups.items():
            Message.objects.filter(pk__in=pks).update(lang=lang, scored_at=now, score_error=error)
        Signal.objects.bulk_create(new_signals, ignore_conflicts=True)
        # ignore_conflicts leaves pks unset on some backends: read them back by message.
        by_message = dict(Signal.objects.filter(message_id__in=[s.message_id for s in new_signals])
                          .values_list("message_id", "pk"))
        SignalFlag.objects.bulk_create(
            [SignalFlag(signal_id=by_message[s.message_id], category=c)
             for s in new_signals for c in s.flags if c in FLAG_CATEGORIES],
            ignore_conflicts=True)
        for organisation_id, org_counts in counts.items():
            audit_record(actor=None, action="messages.scored", object_type="sources.message",
                         organisation_id=organisation_id,
                         details={**org_counts, "model": detector.model_id,
                                  "config_hash": detector.config_hash})
    total = {key: sum(c[key] for c in counts.values()) for key in ("scored", "signals", "errors")}
    return {**total, "skipped": skipped}


def signals_reopen_due(*, today: Any = None) -> int:
    """Signals under monitoring whose re-check date has come (``recheck_on`` <= today) go back
    to OPEN, each with an audit entry. Returns how many."""
    today = today or timezone.localdate()
    with transaction.atomic():
        due = list(Signal.objects.select_for_update()
                   .filter(status=SignalStatus.MONITORING, recheck_on__lte=today)
                   .only("pk", "organisation_id", "recheck_on", "status"))
        for signal in due:
            audit_record(actor=None, action="signal.recheck_due", obj=signal,
                         organisation_id=signal.organisation_id,
                         details={"recheck_on": signal.recheck_on})
        Signal.objects.filter(pk__in=[s.pk for s in due]).update(
            status=SignalStatus.OPEN, recheck_on=None)
    return len(due)
