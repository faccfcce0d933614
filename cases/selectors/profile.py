"""The counselling buttons on a beneficiary's profile, offered to the roles that may use them."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from cases import policy
from kem.selectors.timeline import ProfileAction


def counselling_actions(beneficiary: Any, user: Any) -> list[ProfileAction]:
    """Open a case, request an interpreter, start application help — at the person's centre."""
    centre_id = beneficiary.registering_centre_id
    actions = []
    if policy.may_open_case(user, centre_id):
        actions.append(
            ProfileAction("case-open", _("Open a case"), reverse("case-open", args=[beneficiary.pk]))
        )
    if policy.may_book_interpreters(user, centre_id):
        url = reverse("interpreter-request-new", args=[beneficiary.pk])
        actions.append(ProfileAction("interpreter-request", _("Request an interpreter"), url))
    if policy.may_help_with_applications(user, centre_id):
        url = reverse("benefit-application-new", args=[beneficiary.pk])
        actions.append(ProfileAction("benefit-application", _("Help with an application"), url))
    return actions
