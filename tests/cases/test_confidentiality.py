"""Who reads which part of a psychosocial session at Athens: the policy, the page and the API agree.

Each case is one role × one part, so a failure names both (``front_desk-summary``).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from cases import policy
from cases.models import Session, SessionStatus

pytestmark = pytest.mark.django_db

SUMMARY_TEXT = "SUMMARY-PLAINTEXT-7f3a: talked about the move"
NOTE_TEXT = "NOTE-PLAINTEXT-91bc: disclosed something private"
TEXT = {policy.SUMMARY: SUMMARY_TEXT, policy.CONFIDENTIAL_NOTE: NOTE_TEXT}

# role fixture -> the parts it reads on a psychosocial case at Athens
MATRIX = {
    "officer": {policy.OCCURRENCE},
    "psychologist": {policy.OCCURRENCE, policy.SUMMARY, policy.CONFIDENTIAL_NOTE},
    "lawyer": {policy.OCCURRENCE, policy.SUMMARY},
    "social_worker": {policy.OCCURRENCE, policy.SUMMARY},
    "manager": {policy.OCCURRENCE, policy.SUMMARY},
    "teacher": set(),
    "analyst": set(),
    "dpo": set(),
    "other_psychologist": set(),
}
LABELS = {"officer": "front_desk"}
CASES = [
    pytest.param(role, part, part in parts, id=f"{LABELS.get(role, role)}-{part}")
    for role, parts in MATRIX.items()
    for part in policy.SESSION_PARTS
]


@pytest.fixture
def session(make_case, psychologist) -> Session:
    case = make_case(psychologist)
    return Session.objects.create(
        case=case,
        counsellor=psychologist,
        starts_at=timezone.now() - dt.timedelta(hours=3),
        duration_minutes=50,
        status=SessionStatus.HELD,
        created_by=psychologist,
        summary=SUMMARY_TEXT,
        confidential_note=NOTE_TEXT,
    )


@pytest.mark.parametrize(("role", "part", "visible"), CASES)
def test_the_policy(role, part, visible, request, session):
    user = request.getfixturevalue(role)
    case = session.case

    parts = policy.session_parts(user, centre_id=case.centre_id, discipline=case.discipline)

    assert (part in parts) is visible


@pytest.mark.parametrize(("role", "part", "visible"), CASES)
def test_the_case_page(role, part, visible, request, client, session):
    client.force_login(request.getfixturevalue(role))

    response = client.get(session.case.get_absolute_url())

    if not MATRIX[role]:
        # A network analyst is refused every person page outright; others get 404.
        assert response.status_code == (403 if role == "analyst" else 404)
        assert not visible
        return
    html = response.content.decode()
    assert response.status_code == 200
    if part == policy.OCCURRENCE:
        assert (f'data-session="{session.pk}"' in html) is visible
    else:
        assert (TEXT[part] in html) is visible
        assert (f'data-part="{part}"' in html) is visible


@pytest.mark.parametrize(("role", "part", "visible"), CASES)
def test_the_api(role, part, visible, request, session):
    api = APIClient()
    api.force_authenticate(request.getfixturevalue(role))

    response = api.get(reverse("api:session-detail", args=[session.pk]))

    if not MATRIX[role]:
        assert response.status_code in (403, 404)
        assert not visible
        return
    body = response.json()
    raw = response.content.decode()
    assert response.status_code == 200
    if part == policy.OCCURRENCE:
        assert (body.get("id") == str(session.pk) and "starts_at" in body) is visible
    else:
        assert (part in body) is visible
        assert (TEXT[part] in raw) is visible
        if visible:
            assert body[part] == TEXT[part]
