"""End every log-in session and API token of one user, or of everybody."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kem.services.auth import sessions_end


class Command(BaseCommand):
    help = (
        "End every session (on every device) and revoke every API token of one user (--user NAME) "
        "or of everybody (--all); they must log in again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument("--user", metavar="USERNAME", help="the user whose sessions end")
        who.add_argument("--all", action="store_true", help="everybody's sessions end")

    def handle(self, *args: Any, **options: Any) -> None:
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"No user is called {options['user']!r}.")
        ended, revoked = sessions_end(user=user)
        sessions = "every session" if ended < 0 else f"{ended} session(s)"
        self.stdout.write(f"Ended {sessions} and revoked {revoked} API token(s).")
