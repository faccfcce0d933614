"""Create the demo: two centres and one login per role per centre. Refuses outside demo mode."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from kem import services
from kem.demo_people import demo_people
from kem.models import Beneficiary, Centre, Discipline, Role
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
        for key, centre in centres.items():
            self._seed_counselling(centre=centre, key=key)
        # A few hundred more people and activities per centre, so that statistics have cells both
        # above and below the suppression threshold; then classes (a running one with a lesson
        # today, a finished one with certificates, an open one with a waiting list).
        # Imported here: kem must not import the other apps at module level.
        from courses.demo import seed_classes
        from reports.demo import seed_statistics_demo

        for seed, (key, centre) in enumerate(centres.items(), start=1):
            staff = {
                part: user_model.objects.get(username=f"{part}.{key}")
                for part in ("manager", "teacher", "frontdesk")
            }
            seed_statistics_demo(centre, staff["frontdesk"])
            with key_cache():
                seed_classes(
                    centre=centre,
                    manager=staff["manager"],
                    teacher=staff["teacher"],
                    officer=staff["frontdesk"],
                    seed=seed,
                )
        admin, _ = user_model.objects.get_or_create(
            username="admin", defaults={"is_staff": True, "is_superuser": True}
        )
        admin.is_staff = admin.is_superuser = True
        admin.set_password(DEMO_PASSWORD)
        admin.save()
        rows.append(("admin", "—", "superuser (Django admin)"))
        return rows

    def _seed_people(self, *, centre: Centre, by, seed: int) -> None:
        """Made-up beneficiaries, once per centre (a second run finds them and adds none)."""
        if Beneficiary.objects.filter(registering_centre=centre).exists():
            return
        with key_cache():
            for data in demo_people(seed=seed):
                services.beneficiary_register(centre=centre, by=by, data=data, check_duplicates=False)

    def _seed_counselling(self, *, centre: Centre, key: str) -> None:
        """An interpreter pool, three open cases, a held session and an appointment, once per centre."""
        # Imported here: kem must not import the counselling app at module level.
        from cases.models import Interpreter, InterpretingMode, Language, OpenReason, ServiceArea, SessionMode
        from cases.reference import seed_reference_data
        from cases.services import cases as case_services
        from cases.services import interpreters as interpreter_services

        if Interpreter.objects.filter(centre=centre).exists():
            return
        seed_reference_data()
        user_model = get_user_model()
        manager = user_model.objects.get(username=f"manager.{key}")
        pool = [
            ("Leyla Ahmadi", "female", ["fa", "prs"], "METAdrasi"),
            ("Omar Haddad", "male", ["ar"], "METAdrasi"),
            ("Abdi Warsame", "male", ["so"], ""),
        ]
        for name, gender, codes, organisation in pool:
            interpreter_services.interpreter_create(
                centre=centre,
                name=name,
                gender=gender,
                organisation=organisation,
                languages=Language.objects.filter(code__in=codes),
                modes=[InterpretingMode.ON_SITE, InterpretingMode.PHONE],
                by=manager,
            )
        # The first person is left without cases: the browser tests open theirs.
        people = list(Beneficiary.objects.filter(registering_centre=centre).order_by("created_at")[1:4])
        areas = [
            (ServiceArea.PSYCHOSOCIAL, "psychologist"),
            (ServiceArea.LEGAL, "lawyer"),
            (ServiceArea.EMPLOYMENT, "career"),
        ]
        today = timezone.localdate()
        with key_cache():
            for person, (area, part) in zip(people, areas, strict=False):
                counsellor = user_model.objects.get(username=f"{part}.{key}")
                case = case_services.case_open(
                    beneficiary=person,
                    centre=centre,
                    area=area,
                    counsellor=counsellor,
                    reason=OpenReason.FRONT_DESK,
                    by=counsellor,
                )
                held = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=3), dt.time(11, 0)))
                case_services.session_log(
                    case=case,
                    starts_at=held,
                    duration_minutes=45,
                    mode=SessionMode.IN_PERSON,
                    by=counsellor,
                    summary="Πρώτη γνωριμία· καταγράφηκαν οι ανάγκες και συμφωνήθηκε επόμενο ραντεβού.",
                    follow_up_on=today + dt.timedelta(days=7),
                )
                soon = timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=1), dt.time(12, 30)))
                case_services.session_schedule(
                    case=case, starts_at=soon, duration_minutes=45, mode=SessionMode.IN_PERSON, by=counsellor
                )
