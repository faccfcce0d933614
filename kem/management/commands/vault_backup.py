"""Write a data backup (no keys, no blind index) and a key backup, apart (docs/OPERATIONS.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kem.services.backups import BackupError, backup, backup_keys


class Command(BaseCommand):
    help = (
        "Write a data backup (every table, without key material or blind-index entries) to "
        "KEM_BACKUP_DIR and a key backup (wrapped person and index keys) to KEM_KEY_BACKUP_DIR, "
        "then delete backups older than KEM_BACKUP_DAYS and KEM_KEY_BACKUP_DAYS."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--data-dir", type=Path, default=None, help="Instead of KEM_BACKUP_DIR.")
        parser.add_argument("--keys-dir", type=Path, default=None, help="Instead of KEM_KEY_BACKUP_DIR.")
        parser.add_argument("--keys-only", action="store_true", help="Write a key backup only.")

    def handle(
        self, *args: Any, data_dir: Path | None, keys_dir: Path | None, keys_only: bool, **options: Any
    ) -> None:
        try:
            if keys_only:
                self.stdout.write(f"Key backup:  {backup_keys(keys_dir=keys_dir)}")
                return
            made = backup(data_dir=data_dir, keys_dir=keys_dir)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Data backup: {made.data}")
        self.stdout.write(f"Key backup:  {made.keys}")
        for path in made.pruned:
            self.stdout.write(f"Deleted (past retention): {path}")
        self.stdout.write(self.style.SUCCESS("Backed up. Keep the two folders on separate storage."))
