"""Re-wrap keys under the newest root key, or rotate the blind-index key (docs/SECURITY.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kem.services.jobs import rewrap_file_keys
from kem.vault import key_cache
from kem.vault.rotation import abandon_index_rotation, rewrap_root_keys, rotate_index_key


class Command(BaseCommand):
    help = (
        "Re-wrap every person, index and kept-file key still wrapped by an old root key (KEM_OLD_ROOT_KEYS) "
        "under KEM_ROOT_KEY; with --blind-index, rebuild the blind indexes under a new index key. "
        "Resumable: run it again after an interruption."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument("--max-batches", type=int, default=None, help="Stop after this many batches.")
        parser.add_argument("--blind-index", action="store_true", help="Rotate the blind-index key.")
        parser.add_argument(
            "--no-vacuum",
            action="store_true",
            help="With --blind-index: do not VACUUM (ANALYZE) the index table after the switch.",
        )
        parser.add_argument(
            "--abandon",
            action="store_true",
            help="With --blind-index: drop an unfinished rotation (its new version's entries and key).",
        )

    def handle(
        self,
        *args: Any,
        batch_size: int,
        max_batches: int | None,
        blind_index: bool,
        no_vacuum: bool,
        abandon: bool,
        **options: Any,
    ) -> None:
        if batch_size < 1 or (max_batches is not None and max_batches < 1):
            raise CommandError("--batch-size and --max-batches must be at least 1.")
        if (no_vacuum or abandon) and not blind_index:
            raise CommandError("--no-vacuum and --abandon go with --blind-index.")
        with key_cache():
            if blind_index and abandon:
                deleted = abandon_index_rotation()
                self.stdout.write(f"Unfinished blind-index rotation dropped ({deleted} entries).")
                return
            if blind_index:
                finished = rotate_index_key(
                    batch_size=batch_size, max_batches=max_batches, progress=self._bar, vacuum=not no_vacuum
                )
                self.stdout.write("")
                message = (
                    "Blind indexes rebuilt under the new key; the old version is deleted."
                    if finished
                    else "Stopped; run again to continue (or --abandon to drop the new version)."
                )
                self.stdout.write(self.style.SUCCESS(message) if finished else message)
                return
            count = rewrap_root_keys(batch_size=batch_size, max_batches=max_batches, progress=self._bar)
            # The keys of kept import sheets and downloads (a few, for days at most).
            count += rewrap_file_keys()
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Re-wrapped {count} keys under the newest root key."))

    def _bar(self, done: int, total: int) -> None:
        width = 30
        filled = width if not total else min(width, width * done // total)
        self.stdout.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}", ending="")
        self.stdout.flush()
