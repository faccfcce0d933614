"""Print a new random root key for KEM_ROOT_KEY (base64 of 32 bytes)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from kem.vault import crypto


class Command(BaseCommand):
    help = "Print a new vault root key (base64 of 32 random bytes) for KEM_ROOT_KEY."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(crypto.encode_key(crypto.new_key()))
