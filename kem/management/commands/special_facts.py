"""Special-category facts: write them again in pseudonym order, or rebuild them from sealed values."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kem.models.facts import rebuild_facts, rewrite_facts


class Command(BaseCommand):
    help = (
        "--rewrite: write the special-category facts again in pseudonym order (beat does it nightly). "
        "--rebuild: write every live person's facts again from their sealed vulnerabilities and "
        "disability (after a restore that lost them, or rows changed without save())."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        what = parser.add_mutually_exclusive_group(required=True)
        what.add_argument("--rewrite", action="store_true", help="write the facts again in pseudonym order")
        what.add_argument("--rebuild", action="store_true", help="rebuild the facts from the sealed values")
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["rebuild"]:
            people, facts = rebuild_facts(batch_size=options["batch_size"])
            self.stdout.write(f"Rebuilt the facts of {people} people: {facts} facts.")
        rows = rewrite_facts()
        self.stdout.write(f"Wrote {rows} facts in pseudonym order.")
