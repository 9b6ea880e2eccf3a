"""`brug rotate_content_keys`: re-encrypt sealed text under the first of BRUG_CONTENT_KEYS.

See ``brug.privacy.sealed.rotate_all``; ``--dry-run`` only counts.
"""

from __future__ import annotations

from argparse import ArgumentParser, RawDescriptionHelpFormatter
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from brug.privacy.sealed import ContentKeyError, rotate_all, sealed_fields

HOW_TO = """\
Re-encrypt every sealed text (chat messages, notes, safety plans...) under the first key of
BRUG_CONTENT_KEYS, so an old key can be removed.

How to rotate the content key:
  1. Make a new secret, e.g. `python -c "import secrets; print(secrets.token_urlsafe(32))"`.
  2. Put it FIRST in BRUG_CONTENT_KEYS, keeping the old key after it:
       BRUG_CONTENT_KEYS=new-secret,old-secret
     and restart the platform (new text is now written with the new key; old text still reads).
  3. Run this command (`--dry-run` first shows how many rows still use an old key).
  4. When it reports 0 rows left on a second `--dry-run`, remove the old key:
       BRUG_CONTENT_KEYS=new-secret
     and restart. Keep the old key in your secret store until backups made before the
     rotation have expired: they can only be read with it.

Rows already under the first key are skipped, so the command can be run again after an
interruption. A row that no configured key can decrypt stops the run with its model and id.
"""


class Command(BaseCommand):
    help = HOW_TO

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        # Keep the step-by-step help's line breaks.
        return super().create_parser(prog_name, subcommand,
                                     formatter_class=RawDescriptionHelpFormatter, **kwargs)

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--dry-run", action="store_true",
                            help="only count, per model, the rows still under an old key")
        parser.add_argument("--batch", type=int, default=500,
                            help="rows per transaction (default 500)")
        parser.add_argument("--model", action="append", default=[], metavar="APP.MODEL",
                            help="only this model (e.g. counselling.ChatMessage); repeatable")

    def handle(self, *args: Any, dry_run: bool = False, batch: int = 500,
               model: list[str] | None = None, **options: Any) -> None:
        if batch < 1:
            raise CommandError("--batch must be at least 1")
        known = {m._meta.label for m, _ in sealed_fields()}
        unknown = sorted(set(model or []) - known)
        if unknown:
            raise CommandError(f"no sealed text in {', '.join(unknown)}; models with sealed "
                               f"text: {', '.join(sorted(known))}")
        try:
            counts = rotate_all(batch=batch, models_only=model or (), dry_run=dry_run)
        except ContentKeyError as error:
            raise CommandError(error.message) from None
        verb = "would be re-encrypted" if dry_run else "re-encrypted"
        for label, rows in counts.items():
            self.stdout.write(f"{label}: {rows} rows {verb}")
        total = sum(counts.values())
        prefix = "dry run: " if dry_run else ""
        self.stdout.write(f"{prefix}{total} rows {verb} in {len(counts)} models")
