"""`brug audit verify`: walk the hash chain and say whether the log is intact.

Exit status 0 when intact, 1 when an entry does not fit (its id and the problem are printed),
so a cron job or monitoring check can alert on it.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from brug.audit.services import audit_verify


class Command(BaseCommand):
    help = "Audit log tools. `verify` checks the hash chain from the first entry to the last."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", metavar="SUBCOMMAND")
        sub.add_parser("verify", help="check that no entry was changed or removed")

    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("subcommand") != "verify":
            raise CommandError("Say what to do: `brug audit verify`.")
        result = audit_verify()
        if result.ok:
            self.stdout.write(f"audit log intact: {result.checked} entries")
            return
        where = (f"entry {result.first_bad_id}" if result.first_bad_id is not None
                 else f"the end of the log (after {result.checked} good entries)")
        self.stderr.write(f"audit log broken at {where}: {result.problem}")
        raise SystemExit(1)
