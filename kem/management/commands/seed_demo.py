"""Create the demo: two centres and one login per role per centre. Refuses outside demo mode."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from kem import services
from kem.demo_people import demo_people
from kem.models import Beneficiary, Centre, Discipline, Role
from kem.models.facts import rewrite_facts
from kem.permissions import needs_second_factor
from kem.registry import demo_seeders
from kem.services import second_factor
from kem.vault import key_cache

DEMO_PASSWORD = "kem-demo-2026"  # noqa: S105 - demo mode only, printed for the person trying it

CENTRES = [
    {
        "key": "athens",
        "name_el": "ΚΕΜ Δήμου Αθηναίων",
        "name_en": "KEM of the Municipality of Athens",
        "municipality": "Αθήνα",
        "address": "Πειραιώς 2, 105 52 Αθήνα",
    },
    {
        "key": "thessaloniki",
        "name_el": "ΚΕΜ Δήμου Θεσσαλονίκης",
        "name_en": "KEM of the Municipality of Thessaloniki",
        "municipality": "Θεσσαλονίκη",
        "address": "Βασιλέως Ηρακλείου 36, 546 24 Θεσσαλονίκη",
    },
]

# (username part, role, discipline)
ROLES = [
    ("frontdesk", Role.FRONT_DESK, ""),
    ("social", Role.COUNSELLOR, Discipline.SOCIAL),
    ("psychologist", Role.COUNSELLOR, Discipline.PSYCHOLOGICAL),
    ("lawyer", Role.COUNSELLOR, Discipline.LEGAL),
    ("career", Role.COUNSELLOR, Discipline.EMPLOYMENT),
    ("teacher", Role.TEACHER, ""),
    ("manager", Role.MANAGER, ""),
    ("analyst", Role.ANALYST, ""),
    ("dpo", Role.DPO, ""),
]


class Command(BaseCommand):
    help = "Create the demo centres and one login per role per centre (demo mode only; idempotent)."

    def handle(self, *args, **options) -> None:
        if not settings.DEMO_MODE:
            raise CommandError("seed_demo runs only in demo mode (KEM_DEMO_MODE=true, never in production).")
        rows = self._seed()
        self.stdout.write(
            self.style.SUCCESS("Demo ready. Every demo login uses the password: " + DEMO_PASSWORD)
        )
        width = max(len(r[0]) for r in rows)
        for username, centre, role in rows:
            self.stdout.write(f"  {username.ljust(width)}  {role} @ {centre}")
        self.stdout.write(
            "Managers, data-protection officers and admin also need a code (two-factor log-in): the "
            "demo shows it on the code page, or add this secret to an authenticator app: "
            + second_factor.demo_secret_base32()
        )

    @transaction.atomic
    def _seed(self) -> list[tuple[str, str, str]]:
        user_model = get_user_model()
        rows = []
        centres = {}
        for spec in CENTRES:
            centres[spec["key"]] = Centre.objects.filter(
                name_el=spec["name_el"]
            ).first() or services.centre_create(
                name_el=spec["name_el"],
                name_en=spec["name_en"],
                municipality=spec["municipality"],
                address=spec["address"],
            )
        for key, centre in centres.items():
            for part, role, discipline in ROLES:
                username = f"{part}.{key}"
                user, _ = user_model.objects.get_or_create(username=username)
                user.set_password(DEMO_PASSWORD)
                user.save()
                # A network analyst compares centres, so each analyst login covers the whole network.
                for target in centres.values() if role == Role.ANALYST else [centre]:
                    services.membership_grant(centre=target, user=user, role=role, discipline=discipline)
                rows.append((username, centre.name_el, str(Role(role).label)))
        for seed, (key, centre) in enumerate(centres.items(), start=1):
            self._seed_people(
                centre=centre, by=user_model.objects.get(username=f"frontdesk.{key}"), seed=seed
            )
        # Then each app's part of the demo, registered in its AppConfig.ready() (kem imports none of
        # them): counselling, a few hundred more people with activities, so that statistics have
        # cells both above and below the suppression threshold, and classes.
        for seed, (key, centre) in enumerate(centres.items(), start=1):
            users = {
                user.username.split(".")[0]: user
                for user in user_model.objects.filter(
                    username__in=[f"{part}.{key}" for part, _r, _d in ROLES]
                )
            }
            for seeder in demo_seeders():
                seeder(centre=centre, key=key, users=users, seed=seed)
        # Facts were appended in the order people were registered: put them in pseudonym order.
        rewrite_facts()
        admin, _ = user_model.objects.get_or_create(
            username="admin", defaults={"is_staff": True, "is_superuser": True}
        )
        admin.is_staff = admin.is_superuser = True
        admin.set_password(DEMO_PASSWORD)
        admin.save()
        rows.append(("admin", "—", "superuser (Django admin)"))
        # Those who must log in with a second factor are enrolled with the demo's one known secret.
        for user in user_model.objects.filter(username__in=[r[0] for r in rows]):
            if needs_second_factor(user):
                second_factor.demo_enrol(user)
        return rows

    def _seed_people(self, *, centre: Centre, by, seed: int) -> None:
        """Made-up beneficiaries, once per centre (a second run finds them and adds none)."""
        if Beneficiary.objects.filter(registering_centre=centre).exists():
            return
        with key_cache():
            for data in demo_people(seed=seed):
                services.beneficiary_register(centre=centre, by=by, data=data, check_duplicates=False)
