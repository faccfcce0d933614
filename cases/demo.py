"""The counselling part of the demo: an interpreter pool, three open cases, a held session and an
appointment per centre. Registered with ``kem.registry.register_demo_seeder`` (``seed_demo``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from cases.models import Interpreter, InterpretingMode, Language, OpenReason, ServiceArea, SessionMode
from cases.reference import seed_reference_data
from cases.services import cases as case_services
from cases.services import interpreters as interpreter_services
from kem.models import Beneficiary, Centre
from kem.vault import key_cache


def seed_counselling(*, centre: Centre, key: str, users: dict[str, Any], seed: int) -> None:
    """An interpreter pool, three open cases, a held session and an appointment, once per centre."""
    if Interpreter.objects.filter(centre=centre).exists():
        return
    seed_reference_data()
    manager = users["manager"]
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
            counsellor = users[part]
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
