"""Give people new data keys and reseal their values (docs/SECURITY.md, "Rotation")."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kem.vault import key_cache
from kem.vault.errors import VaultError
from kem.vault.rekey import bulk_rekey, current_run, rekey_person


class Command(BaseCommand):
    help = (
        "Re-key people: a new data key each, every sealed value and history row resealed under it. "
        "--all re-keys everyone in batches and is resumable: run it again after an interruption "
        "and it continues the unfinished run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--all", action="store_true", help="Re-key every person not shredded.")
        which.add_argument("--person-key", type=uuid.UUID, help="Re-key the person with this person key id.")
        parser.add_argument("--batch-size", type=int, default=200)
        parser.add_argument("--max-batches", type=int, default=None, help="Stop after this many batches.")

    def handle(
        self,
        *args: Any,
        all: bool,
        person_key: uuid.UUID | None,
        batch_size: int,
        max_batches: int | None,
        **options: Any,
    ) -> None:
        if batch_size < 1 or (max_batches is not None and max_batches < 1):
            raise CommandError("--batch-size and --max-batches must be at least 1.")
        if person_key is not None:
            self._one(person_key)
            return
        resumed = current_run()
        if resumed is not None:
            self.stdout.write(f"Continuing the run started {resumed.started_at:%Y-%m-%d %H:%M} UTC.")
        run = bulk_rekey(batch_size=batch_size, max_batches=max_batches, progress=self._bar)
        self.stdout.write("")
        for failure in run.failed:
            self.stderr.write(f"Not re-keyed: person key {failure['person_key']}: {failure['error']}")
        if run.finished_at is None:
            self.stdout.write(f"Stopped after {run.done} people; run again to continue.")
        else:
            message = f"Re-keyed {run.done - len(run.failed)} people."
            self.stdout.write(self.style.SUCCESS(message) if not run.failed else message)

    def _one(self, person_key: uuid.UUID) -> None:
        with key_cache():
            try:
                done = rekey_person(person_key)
            except VaultError as error:
                raise CommandError(f"Not re-keyed: {error}") from None
        if done is None:
            raise CommandError(f"No live person key {person_key} (unknown or shredded).")
        self.stdout.write(
            self.style.SUCCESS(
                f"Person key {person_key} is now generation {done.generation}: "
                f"{done.values} values in {done.rows} rows resealed."
            )
        )

    def _bar(self, done: int, total: int) -> None:
        width = 30
        filled = width if not total else min(width, width * done // total)
        self.stdout.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}", ending="")
        self.stdout.flush()
