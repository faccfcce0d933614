"""Replace the database by a data backup with the keys chosen, and rebuild the blind index."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from kem.services.backups import BackupError, restore


class Command(BaseCommand):
    help = (
        "Replace this database by a data backup, then load the keys of --keys: 'current' (the "
        "keys of the database being replaced, saved first as a key backup: people erased since "
        "the data backup stay erased), 'newest' (the newest key backup) or a key backup's path. "
        "Then check the foreign keys and rebuild the blind index. Stop the web and worker first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--data", type=Path, required=True, help="The data backup to restore.")
        parser.add_argument("--keys", default="current", help="current, newest, or a key backup's path.")
        parser.add_argument("--noinput", "--no-input", action="store_false", dest="interactive")

    def handle(self, *args: Any, data: Path, keys: str, interactive: bool, **options: Any) -> None:
        name = connection.settings_dict["NAME"]
        if interactive:
            answer = input(
                f"This replaces every row of the database {name!s} by {data}. Type 'yes' to go on: "
            )
            if answer.strip().lower() != "yes":
                raise CommandError("Nothing was changed.")
        try:
            done = restore(data=data, keys=keys)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Keys from:  {done.keys_from}")
        self.stdout.write(
            f"People:     {done.people}, of whom {done.erased} cannot be opened (erased, or "
            f"{done.without_key} without a key in the key backup)"
        )
        self.stdout.write(f"Re-indexed: {done.indexed}")
        self.stdout.write(self.style.SUCCESS("Restored; foreign keys checked."))
