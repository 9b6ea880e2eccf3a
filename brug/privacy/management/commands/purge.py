"""`brug purge`: delete messages past their source's retention period (see retention_purge).

`--dry-run` deletes nothing and prints, per source, how many messages (and signals) are due,
and how many closed cases, inactive counselling client accounts and old care records would go.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from brug.cases.retention import cases_due
from brug.counselling.retention import CARE_RECORDS_DAYS, care_records_due, clients_due
from brug.privacy.selectors import due_counts, sources_with_retention
from brug.privacy.services import retention_purge


class Command(BaseCommand):
    help = "Delete unreviewed and dismissed messages past their source's retention period."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--dry-run", action="store_true",
                            help="only count what is due, per source; delete nothing")

    def handle(self, *args: Any, dry_run: bool = False, **options: Any) -> None:
        if dry_run:
            now = timezone.now()
            sources = list(sources_with_retention())
            due = due_counts(sources, now)
            flagged = due_counts(sources, now, flagged_only=True)
            for source in sources:
                self.stdout.write(
                    f"{source.name} (#{source.pk}, {source.retention_days} days): "
                    f"{due.get(source.pk, 0)} messages due, "
                    f"{flagged.get(source.pk, 0)} signals with them")
            self.stdout.write(f"dry run: {sum(due.values())} messages would be deleted "
                              f"from {len(sources)} sources")
            self.stdout.write(f"dry run: {len(cases_due(now))} closed cases are past "
                              f"{settings.BRUG_CASE_RETENTION_DAYS} days and would be deleted")
            self.stdout.write(f"dry run: {clients_due(now).count()} counselling client accounts "
                              f"were not used for {settings.BRUG_CLIENT_INACTIVE_DAYS} days and "
                              f"would be deleted")
            checkins, exposure = care_records_due(now)
            self.stdout.write(f"dry run: {checkins} check-ins and {exposure} exposure entries "
                              f"of counsellors are older than {CARE_RECORDS_DAYS} days and "
                              f"would be deleted")
            return
        runs = retention_purge()
        for run in runs:
            self.stdout.write(f"{run.source_name} (#{run.source_id}): "
                              f"{run.messages_deleted} messages and "
                              f"{run.signals_deleted} signals deleted")
        self.stdout.write(f"purged {sum(r.messages_deleted for r in runs)} messages "
                          f"from {len(runs)} sources")
