"""`brug demo`: a complete demo installation in one command (idempotent; `--reset` starts over).

Organisations of every type, one person per role with a shared password and fresh backup codes,
the prevention service's sources (two with a mandate, one feed without), the synthetic demo
messages imported through the real ingestion and scored by the real background jobs, three
decisions so every state of a signal shows, and the casework (``brug.demo.cases``): partner
offers, data-sharing agreements, months of AS-IS and TO-BE cases and today's open ones. Ends
with a block to copy: address, people, codes, push token and counts.
"""

from __future__ import annotations

import os
import time
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from brug.accounts.roles import Role
from brug.demo import cases as demo_cases
from brug.demo import counselling as demo_counselling
from brug.demo import services as demo
from brug.errors import BrugError
from brug.signals.models import FLAG_CATEGORIES, Category, SignalStatus
from brug.signals.services import messages_enqueue_scoring
from brug.sources.models import ImportRun, Source
from brug.sources.services import missing_mandate_words


class Command(BaseCommand):
    help = ("Create (or refresh) the demo: organisations, people with backup codes, sources, the "
            "demo messages scored, a few decisions, partner offers, agreements and cases. "
            "Development only.")

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--reset", action="store_true",
                            help="delete the demo sources and their messages, the cases, "
                                 "offers and agreements first, then build everything again")
        parser.add_argument("--no-score", action="store_true",
                            help="import without running the scoring jobs (they stay queued "
                                 "for `brug worker`)")
        parser.add_argument("--history", type=int, default=demo_cases.HISTORY, metavar="N",
                            help="completed demo cases per process (AS-IS, TO-BE) to walk "
                                 f"through the past months (default {demo_cases.HISTORY}; "
                                 "change it together with --reset)")
        parser.add_argument("--force", action="store_true",
                            help="run even though BRUG_DEBUG is off (the demo password is "
                                 "public: never on a reachable server)")

    def handle(self, *args: Any, reset: bool = False, no_score: bool = False,
               force: bool = False, history: int = demo_cases.HISTORY,
               **options: Any) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "brug demo creates accounts with a published password, so it only runs in "
                "development (BRUG_DEBUG=1). On a machine nobody else can reach, add --force.")
        self.verbosity = int(options.get("verbosity", 1))
        try:
            self._run(reset=reset, score=not no_score, history=max(0, history))
        except BrugError as exc:
            raise CommandError(exc.message) from exc

    # -- steps ---------------------------------------------------------------------------

    def _say(self, text: str) -> None:
        if self.verbosity:
            self.stdout.write(text)

    def _run(self, *, reset: bool, score: bool, history: int = demo_cases.HISTORY) -> None:
        if reset:
            counts = demo.demo_reset(organisation=demo.demo_prevention_service())
            self._say(f"Reset: removed {counts['sources']} demo sources and "
                      f"{counts['messages']} messages, {counts.get('cases', 0)} cases, "
                      f"{counts.get('offers', 0)} offers, {counts.get('agreements', 0)} "
                      f"agreements and {counts.get('clients', 0)} counselling clients "
                      "(people and the audit log stay).")
        organisations = demo.demo_organisations_ensure()
        people = demo.demo_people_ensure(organisations=organisations)
        people += demo_cases.demo_partner_people_ensure(organisations=organisations)
        by_name = {user.username: user for user in people}
        codes = demo.demo_backup_codes_issue(people=people)
        upload, push, feed, token = demo.demo_sources_ensure(actor=by_name["adam"])
        sources = [upload, push]

        rows = demo.demo_rows()
        runs = demo.demo_messages_import(uploader=by_name["pia"], upload=upload, push=push,
                                         rows=rows)
        for run in runs:
            self._say(f"Imported into “{run.source.name}”: {run.rows_created} new, "
                      f"{run.rows_duplicate} duplicates, {run.rows_rejected} rejected rows.")
        if not runs:
            self._say("The demo messages were imported before; nothing added.")

        if score:
            unscored = demo.demo_unscored(sources=sources)
            if unscored and not runs:
                # Left over from an interrupted run: queue them again (the job skips scored ids).
                messages_enqueue_scoring(unscored)
            if unscored:
                self._say(f"Scoring {len(unscored)} messages with the detector "
                          "(loads once, then a few seconds)...")
                started = time.monotonic()
                call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload",
                             "--queue-name", "*", verbosity=0)
                self._say(f"Scored in {time.monotonic() - started:.0f} s.")
            demo.demo_decisions_ensure(reviewer=by_name["pia"], sources=sources)
            demo_cases.demo_signal_cases_ensure(reviewer=by_name["pia"], sources=sources)

        demo_cases.demo_offers_ensure(organisations=organisations)
        demo_cases.demo_agreements_ensure(dpo=by_name["dana"], organisations=organisations)
        started = time.monotonic()
        walked = demo_cases.demo_cases_ensure(organisations=organisations, history=history)
        if walked:
            self._say(f"Walked {walked} demo cases through their processes in "
                      f"{time.monotonic() - started:.0f} s.")
        counselling = demo_counselling.counselling_demo_ensure(organisations=organisations)

        if self.verbosity:
            self._report(codes, upload, push, feed, token, demo.demo_counts(sources=sources))
            self._casework(demo_cases.demo_casework_counts(organisations=organisations,
                                                           people=people))
            url = f"http://127.0.0.1:{os.environ.get('BRUG_PORT', '8000')}"
            for text in demo_counselling.counselling_demo_lines(counselling, url=url):
                self.stdout.write(text)
            self.stdout.write("=" * 78)

    # -- the block to copy ---------------------------------------------------------------------

    def _report(self, codes: list[tuple[Any, list[str]]], upload: Source, push: Source,
                feed: Source, token: str, counts: dict[str, Any]) -> None:
        url = f"http://127.0.0.1:{os.environ.get('BRUG_PORT', '8000')}"
        out = self.stdout
        line = "=" * 78
        out.write(line)
        out.write(self.style.SUCCESS(f" Brug demo is ready: {url}"))
        out.write(line)
        out.write(f" Password for everyone: {demo.DEMO_PASSWORD}")
        out.write(" Second step: type one of the person's backup codes (each works once; every")
        out.write(" run of `brug demo` issues new ones). Or set up an authenticator app.")
        out.write("")
        for user, user_codes in codes:
            out.write(f"  {user.username:<6} {Role(user.role).label:<30} {user.organisation}")
            out.write(f"         backup codes: {'  '.join(user_codes)}")
        out.write("")
        out.write(f" Sources of {upload.organisation}:")
        for source in (upload, push, feed):
            source.refresh_from_db()
            state = ("active" if source.is_active else
                     f"off (mandate missing: {missing_mandate_words(source)})")
            out.write(f"  - {source.name} [{source.get_kind_display()}]: {state}")
        out.write(f" Push token ({push.name}, shown once, replaced on every run):")
        out.write(f"   {token}")
        out.write(f"   curl -X POST {url}/api/v1/messages -H 'Authorization: Bearer {token}' \\")
        out.write("     -H 'Content-Type: application/json' \\")
        out.write("     -d '{\"messages\": [{\"id\": \"try-1\", \"text\": \"Hallo Mechelen!\"}]}'")
        out.write("")
        last = ImportRun.objects.filter(source=upload).order_by("-started_at").first()
        if last is not None:
            out.write(f" Upload report: {last.rows_total} rows, {last.rows_created} new, "
                      f"{last.rows_rejected} rejected (open the source page to see why).")
        flags = counts["flags"]
        per_category = ", ".join(f"{Category(c).label.lower()} {flags.get(c, 0)}"
                                 for c in FLAG_CATEGORIES)
        out.write(f" Messages: {counts['messages']} ({counts['unscored']} not scored yet). "
                  f"Signals: {counts['signals']}.")
        out.write(f" Signals by category: {per_category}.")
        states = counts["states"]
        out.write(" Signals by state: " + ", ".join(
            f"{SignalStatus(s).label.lower()} {states.get(s, 0)}" for s in SignalStatus.values)
            + ".")
        out.write("")
        out.write(" Try: sign in as pia and open the review queue; sign in as noah to confirm "
                  "the urgent")
        out.write(" signal (four eyes); dana (DPO) reads the audit log; adam runs /admin/.")

    def _casework(self, counts: demo_cases.CaseworkCounts) -> None:
        url = f"http://127.0.0.1:{os.environ.get('BRUG_PORT', '8000')}"
        out, line = self.stdout, "=" * 78
        out.write("")
        out.write(f" Partner offers: {counts.offers} ({counts.full_offers} full). Data-sharing "
                  "agreements of the prevention service:")
        words = {"valid": "valid", "expired": "expired (referrals there are refused)",
                 "none": "none (matching shows “no valid agreement”)"}
        for name, state in counts.agreements.items():
            out.write(f"  - {name}: {words[state]}")
        cases = ", ".join(f"{key.replace('_', '-').upper()} {n['open']} open / "
                          f"{n['closed']} closed" for key, n in sorted(counts.cases.items()))
        out.write(f" Cases: {cases or 'none'}. AS-IS vs TO-BE: {url}/cases/report/")
        out.write(" Inbox: " + (", ".join(f"{name} {n}" for name, n in counts.inbox if n)
                                or "empty") + ".")
        out.write(" Try: pia works her inbox; sara holds the case conference; jules answers a "
                  "referral;")
        out.write(" ines has one past its five working days: the worker reminds her.")
        out.write(line)
