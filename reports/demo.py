"""Demo data large enough for statistics: a few hundred made-up beneficiaries per centre and their
counselling cases and sessions, interpreter requests and referrals over the last 18 months.

The spread follows what Greek integration centres report (Afghan and Syrian nationals the largest
groups, then Iraq, Pakistan, Ukraine, Somalia, DR Congo and others; more men than women; mostly
18–54), so a nationality × gender table has cells well above the suppression threshold next to
small ones that are suppressed. Nobody here is real: names are drawn from short lists.

Written in bulk (``people_bulk_create`` for the people, ``bulk_create_with_history`` for the rest,
history rows included) so that ``seed_demo`` stays fast; deterministic per centre, and idempotent:
a centre that already has ``DEMO_PEOPLE`` beneficiaries or more is left as it is.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from kem.choices import Education, Employment, Gender, Housing, LegalStatus, Vulnerability
from kem.demo_people import PEOPLE
from kem.models import Beneficiary, Centre, Membership, Role
from kem.vault import key_cache
from kem.vault.services import people_bulk_create

if TYPE_CHECKING:
    from django.contrib.auth.models import User

DEMO_PEOPLE = 300
MONTHS = 18

# nationality -> (weight, languages, given names, family names)
NATIONALITIES: dict[str, tuple[int, list[str], list[str], list[str]]] = {
    "AF": (
        26,
        ["prs", "fa"],
        ["Ahmad", "Zahra", "Mohammad", "Fatima", "Ali", "Maryam", "Reza", "Sakina"],
        ["Ahmadi", "Hosseini", "Rahimi", "Karimi", "Sultani", "Haidari"],
    ),
    "SY": (
        17,
        ["ar"],
        ["Youssef", "Amina", "Khaled", "Rania", "Omar", "Lina", "Hassan", "Nour"],
        ["Haddad", "Al-Hassan", "Khalil", "Darwish", "Saleh", "Mansour"],
    ),
    "IQ": (
        10,
        ["ar", "ckb"],
        ["Mustafa", "Zainab", "Haider", "Huda", "Karim", "Shilan"],
        ["Al-Jaburi", "Rashid", "Mahmoud", "Barzani", "Talabani"],
    ),
    "PK": (
        9,
        ["ur", "pa"],
        ["Imran", "Ayesha", "Bilal", "Sana", "Usman", "Hina"],
        ["Khan", "Butt", "Qureshi", "Malik", "Chaudhry"],
    ),
    "UA": (
        7,
        ["uk", "ru"],
        ["Olena", "Andriy", "Iryna", "Oksana", "Dmytro", "Natalia"],
        ["Kovalenko", "Shevchenko", "Bondarenko", "Melnyk", "Tkachenko"],
    ),
    "SO": (
        6,
        ["so"],
        ["Abdi", "Amina", "Hodan", "Mohamed", "Fadumo", "Ahmed"],
        ["Warsame", "Yusuf", "Farah", "Omar", "Jama"],
    ),
    "CD": (
        5,
        ["fr", "ln"],
        ["Jean", "Grace", "Patrick", "Esther", "Didier", "Josephine"],
        ["Mbala", "Kabila", "Ilunga", "Tshibanda", "Mukendi"],
    ),
    "IR": (4, ["fa"], ["Hossein", "Leila", "Mehdi", "Shirin", "Amir"], ["Rezaei", "Mohammadi", "Jafari"]),
    "ER": (3, ["ti"], ["Mariam", "Yonas", "Senait", "Tesfay"], ["Tesfaye", "Gebremedhin", "Haile"]),
    "BD": (3, ["bn"], ["Abdul", "Rahima", "Sohel", "Nasrin"], ["Rahman", "Hossain", "Islam"]),
    "PS": (3, ["ar"], ["Mahmoud", "Rasha", "Sami"], ["Abbas", "Odeh", "Nasser"]),
    "CM": (2, ["fr", "en"], ["Paul", "Brigitte", "Emmanuel"], ["Ngono", "Fotso", "Mbarga"]),
    "TR": (2, ["tr", "kmr"], ["Aylin", "Mehmet", "Deniz"], ["Demir", "Yilmaz", "Kaya"]),
    "NG": (2, ["en"], ["Grace", "Chinedu", "Blessing"], ["Okafor", "Adeyemi", "Eze"]),
    "GN": (1, ["fr"], ["Mamadou", "Aissatou"], ["Diallo", "Barry"]),
}
GENDERS = [(Gender.MALE, 55), (Gender.FEMALE, 42), (Gender.NON_BINARY, 1), (Gender.NOT_STATED, 2)]
# (lowest age, highest age, weight): minors, 18–29, 30–54, 55+
AGES = [(3, 17, 12), (18, 29, 38), (30, 54, 42), (55, 75, 8)]
LEGAL_STATUSES = [
    (LegalStatus.REFUGEE, 38),
    (LegalStatus.ASYLUM_SEEKER, 24),
    (LegalStatus.SUBSIDIARY_PROTECTION, 8),
    (LegalStatus.TEMPORARY_PROTECTION, 7),
    (LegalStatus.TCN_WITH_PERMIT, 15),
    (LegalStatus.LONG_TERM_RESIDENT, 5),
    (LegalStatus.OTHER, 3),
]
HOUSING = [
    (Housing.OWN_OR_RENTED, 40),
    (Housing.HOSTED, 15),
    (Housing.HOUSING_PROGRAMME, 18),
    (Housing.RECEPTION_FACILITY, 12),
    (Housing.SHELTER, 5),
    (Housing.HOMELESS, 4),
    (Housing.NOT_STATED, 6),
]
EMPLOYMENT = [
    (Employment.UNEMPLOYED, 35),
    (Employment.LONG_TERM_UNEMPLOYED, 15),
    (Employment.EMPLOYED, 18),
    (Employment.SELF_EMPLOYED, 3),
    (Employment.INACTIVE, 14),
    (Employment.IN_EDUCATION, 8),
    (Employment.NOT_STATED, 7),
]
EDUCATION = [
    (Education.ISCED_0, 12),
    (Education.ISCED_1, 18),
    (Education.ISCED_2, 22),
    (Education.ISCED_3, 24),
    (Education.ISCED_4, 6),
    (Education.ISCED_5_8, 12),
    (Education.NOT_STATED, 6),
]
# Municipalities of residence around each demo centre (by the centre's municipality).
MUNICIPALITIES = {
    "Αθήνα": [
        ("Αθήνα", 60),
        ("Πειραιάς", 10),
        ("Περιστέρι", 10),
        ("Νίκαια", 8),
        ("Καλλιθέα", 8),
        ("Αιγάλεω", 4),
    ],
    "Θεσσαλονίκη": [
        ("Θεσσαλονίκη", 65),
        ("Καλαμαριά", 10),
        ("Εύοσμος", 10),
        ("Νεάπολη", 10),
        ("Σταυρούπολη", 5),
    ],
}
# (service area, weight, sessions per case low–high)
AREAS = [
    ("psychosocial", 30, (2, 8)),
    ("administrative", 25, (1, 3)),
    ("legal", 20, (1, 4)),
    ("employment", 15, (2, 6)),
    ("social_benefits", 10, (1, 3)),
]
# Names of kem.demo_people (the people the pages and browser tests open): not drawn again here.
TAKEN_NAMES = {(person[2], person[3]) for person in PEOPLE}
SHARE_WITH_CASE = 0.5
SHARE_WITH_INTERPRETER = 0.35  # of those who need one
SHARE_REFERRED = 0.25
DEMO_NOTE = "Demo"  # sealed like any reason; never shown by statistics


def _pick(rng: random.Random, weighted: list[tuple[Any, int]]) -> Any:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights)[0]


def _day_within(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=rng.randint(0, max((last - first).days, 0)))


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


@transaction.atomic
def seed_demo_statistics(*, centre: Centre, key: str, users: dict[str, Any], seed: int) -> None:
    """The statistics part of ``seed_demo`` (registered in ``ReportsConfig.ready()``)."""
    seed_statistics_demo(centre, users["frontdesk"])


def seed_statistics_demo(centre: Centre, by: User, *, size: int = DEMO_PEOPLE) -> int:
    """Add ``size`` made-up people to ``centre`` with activities over the last 18 months.

    ``by`` registers them (a front-desk officer of the centre). Returns how many people were
    added: 0 when the centre already has ``size`` beneficiaries or more (run twice, adds nothing).
    """
    if Beneficiary.objects.filter(registering_centre=centre).count() >= size:
        return 0
    rng = random.Random(f"kem-statistics-demo-{centre.name_el}")
    today = timezone.localdate()
    first_day = today - dt.timedelta(days=MONTHS * 30)
    with key_cache():
        people = _people(centre=centre, by=by, rng=rng, size=size, first_day=first_day, today=today)
        people_bulk_create(people, batch_size=500)
        Beneficiary.history.bulk_history_create(people, batch_size=500, default_user=by)
        _activities(centre=centre, by=by, people=people, rng=rng, today=today)
    return len(people)


def _people(
    *, centre: Centre, by: User, rng: random.Random, size: int, first_day: dt.date, today: dt.date
) -> list[Beneficiary]:
    nationalities = [(code, spec[0]) for code, spec in NATIONALITIES.items()]
    places = MUNICIPALITIES.get(centre.municipality, [(centre.municipality, 1)])
    people = []
    for _n in range(size):
        nationality = _pick(rng, nationalities)
        _weight, languages, given_names, family_names = NATIONALITIES[nationality]
        low, high, _w = _pick(rng, [((lo, hi, w), w) for lo, hi, w in AGES])
        age = rng.randint(low, high)
        given, family = rng.choice(given_names), rng.choice(family_names)
        while (given, family) in TAKEN_NAMES:  # the pages' own demo people stay unique
            given, family = rng.choice(given_names), rng.choice(family_names)
        vulnerabilities = []
        if age < 18 and rng.random() < 0.2:
            vulnerabilities.append(Vulnerability.UNACCOMPANIED_MINOR)
        if rng.random() < 0.08:
            vulnerabilities.append(Vulnerability.SURVIVOR_OF_VIOLENCE)
        person = Beneficiary(
            registering_centre=centre,
            registered_by=by,
            gender=_pick(rng, GENDERS),
            birth_year=today.year - age,
            nationality=nationality,
            languages=list(languages),
            needs_interpreter=rng.random() < 0.7,
            legal_status=_pick(rng, LEGAL_STATUSES),
            arrival_year=rng.randint(max(today.year - 9, today.year - age), today.year),
            municipality=_pick(rng, places),
            housing=_pick(rng, HOUSING),
            employment=Employment.IN_EDUCATION if age < 16 else _pick(rng, EMPLOYMENT),
            education=Education.ISCED_1 if age < 12 else _pick(rng, EDUCATION),
            vulnerabilities=vulnerabilities,
            disability=rng.random() < 0.05,
            registration_date=_day_within(rng, first_day, today),
        )
        person.given_name, person.family_name = given, family
        person.given_name_latin, person.family_name_latin = given, family
        person.id_numbers = {}
        person._history_user = by
        people.append(person)
    return people


def _activities(
    *, centre: Centre, by: User, people: list[Beneficiary], rng: random.Random, today: dt.date
) -> None:
    # Imported here: kem must not import the counselling and referral apps at module level.
    from cases.models import (
        AREA_DISCIPLINE,
        Case,
        InterpreterRequest,
        Language,
        OpenReason,
        RequestStatus,
        Session,
        SessionStatus,
    )
    from cases.reference import seed_reference_data
    from partners.models import PartnerService
    from partners.reference import seed_directory
    from referrals.models import Referral

    seed_reference_data()
    seed_directory()
    counsellors = dict(
        Membership.objects.active()
        .filter(centre=centre, role=Role.COUNSELLOR)
        .order_by("pk")
        .values_list("discipline", "user")
    )
    user_model = type(by)
    staff = {pk: user_model.objects.get(pk=pk) for pk in set(counsellors.values())}
    languages: dict[str, Any] = {}
    for language in Language.objects.filter(active=True).order_by("pk"):
        languages.setdefault(language.code, language)
    services = list(PartnerService.objects.filter(active=True, organisation__active=True).order_by("pk"))

    cases, sessions, requests, referrals = [], [], [], []
    for person in people:
        start = person.registration_date
        if rng.random() < SHARE_WITH_CASE:
            area, _weight, (low, high) = _pick(rng, [((a, w, s), w) for a, w, s in AREAS])
            counsellor = staff.get(counsellors.get(AREA_DISCIPLINE[area]), by)
            case = Case(
                beneficiary=person,
                centre=centre,
                area=area,
                counsellor=counsellor,
                opened_on=_day_within(rng, start, today),
                open_reason=_pick(
                    rng, [(OpenReason.FRONT_DESK, 6), (OpenReason.SELF, 3), (OpenReason.PARTNER, 1)]
                ),
                opened_by=counsellor,
            )
            case._history_user = by
            cases.append(case)
            for _s in range(rng.randint(low, high)):
                day = _day_within(rng, case.opened_on, today)
                starts_at = _at(day, rng.randint(9, 15))
                session = Session(
                    case=case,
                    counsellor=counsellor,
                    starts_at=starts_at,
                    duration_minutes=45,
                    ends_at=starts_at + dt.timedelta(minutes=45),
                    status=SessionStatus.HELD if day < today else SessionStatus.SCHEDULED,
                    created_by=counsellor,
                )
                session.summary, session.confidential_note = "", ""
                session._history_user = counsellor
                sessions.append(session)
        spoken = [languages[code] for code in person.languages if code in languages]
        if person.needs_interpreter and spoken and rng.random() < SHARE_WITH_INTERPRETER:
            for _r in range(rng.randint(1, 3)):
                day = _day_within(rng, start, today)
                starts_at = _at(day, rng.randint(9, 15))
                request = InterpreterRequest(
                    beneficiary=person,
                    centre=centre,
                    language=rng.choice(spoken),
                    starts_at=starts_at,
                    duration_minutes=60,
                    ends_at=starts_at + dt.timedelta(minutes=60),
                    status=_pick(
                        rng,
                        [
                            (RequestStatus.COMPLETED, 8),
                            (RequestStatus.CANCELLED, 1),
                            (RequestStatus.NO_SHOW, 1),
                        ],
                    )
                    if day < today
                    else RequestStatus.REQUESTED,
                    requested_by=by,
                )
                request.gender_reason, request.notes = "", ""
                request._history_user = by
                requests.append(request)
        if services and rng.random() < SHARE_REFERRED:
            referrals.append(
                _referral(rng, person=person, centre=centre, by=by, services=services, today=today)
            )
    bulk_create_with_history(cases, Case, batch_size=500, default_user=by)
    bulk_create_with_history(sessions, Session, batch_size=500, default_user=by)
    bulk_create_with_history(requests, InterpreterRequest, batch_size=500, default_user=by)
    bulk_create_with_history(referrals, Referral, batch_size=500, default_user=by)


def _referral(
    rng: random.Random, *, person: Beneficiary, centre: Centre, by: User, services: list, today: dt.date
):
    from referrals.models import Referral, ReferralStatus

    sent_on = _day_within(rng, person.registration_date, today)
    status = _pick(
        rng,
        [
            (ReferralStatus.SENT, 2),
            (ReferralStatus.ACCEPTED, 3),
            (ReferralStatus.COMPLETED, 4),
            (ReferralStatus.DECLINED, 1),
        ],
    )
    now = timezone.now()
    sent_at = min(_at(sent_on, rng.randint(9, 15)), now)
    answered = min(sent_at + dt.timedelta(days=rng.randint(1, 10)), now)
    referral = Referral(
        beneficiary=person,
        centre=centre,
        service=rng.choice(services),
        status=status,
        contact_person=by,
        created_by=by,
        sent_at=sent_at,
        responded_at=answered if status != ReferralStatus.SENT else None,
        completed_at=min(answered + dt.timedelta(days=14), now)
        if status == ReferralStatus.COMPLETED
        else None,
        outcome_successful=(rng.random() < 0.75) if status == ReferralStatus.COMPLETED else None,
    )
    referral.reason = DEMO_NOTE
    referral.override_reason = referral.decline_reason = referral.outcome_reason = ""
    referral._history_user = by
    return referral
