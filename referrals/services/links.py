"""The signed link through which a partner without an account answers a referral.

The token is signed with Django's signing (a salt of its own, so no other signed value of the site
is accepted here) and carries only two ids: the link's and the referral's. Whether the link still
works is the row's business (expiry, revocation), so the centre can revoke a link it has sent.

The e-mail to the partner holds only what the partner needs to answer: the person's given name,
the service asked, the urgency and who to call at the centre. Never the reason nor the family name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kem.services.access_log import access_record, role_at
from kem.services.records import record_save
from referrals.models import PartnerLink, Referral, ReferralStatus, default_link_lifetime
from referrals.policy import may_refer
from referrals.services.transitions import referral_transition

if TYPE_CHECKING:
    from django.contrib.auth.models import User

LINK_SALT = "referrals.partner-link.v1"
# A link is sent (and re-sent) while the partner still has something to answer.
LINK_STATUSES = (ReferralStatus.SENT, ReferralStatus.ACCEPTED)
# The one field of the person a partner sees, as the access log names it.
PARTNER_FIELDS = ["beneficiary.given_name"]


class LinkInvalid(Exception):
    """A token that opens nothing: ``gone`` when it was a real link, now expired or revoked."""

    def __init__(self, *, gone: bool = False) -> None:
        super().__init__("gone" if gone else "invalid")
        self.gone = gone

    @property
    def status(self) -> int:
        return 410 if self.gone else 404


# --- tokens ------------------------------------------------------------------------------------


def link_token(link: PartnerLink) -> str:
    """The signed token of ``link``: its id and its referral's id, nothing personal.

    No timestamp in it: expiry and revocation live on the link's row, and the same link always
    has the same address (a timestamped token changed with every second it was computed).
    """
    return signing.Signer(salt=LINK_SALT).sign_object(
        {"l": str(link.pk), "r": str(link.referral_id)}, compress=True
    )


def link_url(link: PartnerLink) -> str:
    """The absolute address of the partner's page for ``link`` (``KEM_SITE_URL`` + path)."""
    site: str = settings.KEM_SITE_URL
    return site + reverse("partner-referral", kwargs={"token": link_token(link)})


def partner_link_resolve(token: str) -> PartnerLink:
    """The usable link ``token`` names, with what its page shows joined.

    Raises :class:`LinkInvalid`: a bad signature, another salt, an unknown link or one of another
    referral is "invalid" (404); a real link that expired or was revoked is "gone" (410).
    """
    try:
        payload = signing.Signer(salt=LINK_SALT).unsign_object(token)
        link = PartnerLink.objects.select_related(
            "referral__beneficiary__person_key",
            "referral__service__organisation",
            "referral__centre",
            "referral__contact_person",
        ).get(pk=payload["l"])
    except (signing.BadSignature, PartnerLink.DoesNotExist, ValidationError, ValueError, TypeError, KeyError):
        raise LinkInvalid from None
    if str(link.referral_id) != str(payload.get("r")):
        raise LinkInvalid
    if not link.is_usable:
        raise LinkInvalid(gone=True)
    return link


# --- sending and revoking ----------------------------------------------------------------------


def _require_referrer(by: User, referral: Referral) -> None:
    if not may_refer(by, referral.centre_id):
        raise PermissionDenied


def _revoke(link: PartnerLink, *, by: User) -> None:
    link.revoked_at = timezone.now()
    link.revoked_by = by if getattr(by, "is_authenticated", False) else None
    record_save(link, by=by)


@transaction.atomic
def partner_link_send(*, referral: Referral, by: User) -> PartnerLink:
    """Revoke the referral's earlier links, make a fresh one and e-mail it to the partner.

    Used when the referral is sent and again to re-send a link (expired, lost, revoked). Refused
    unless ``by`` refers people at the referral's centre, the partner is still to answer, and the
    organisation has a contact e-mail. The disclosure of the given name is in the access log.
    """
    _require_referrer(by, referral)
    if referral.status not in LINK_STATUSES:
        raise ValidationError(
            _("Only a referral the partner still has to answer can have a link."), code="link_not_needed"
        )
    organisation = referral.service.organisation
    if not organisation.email:
        raise ValidationError(
            _("%(partner)s has no contact e-mail in the directory: add one, then send the referral.")
            % {"partner": organisation.name},
            code="partner_without_email",
        )
    for earlier in PartnerLink.objects.filter(referral=referral, revoked_at__isnull=True):
        _revoke(earlier, by=by)
    now = timezone.now()
    link = PartnerLink(referral=referral, created_at=now, expires_at=now + default_link_lifetime())
    record_save(link, by=by)
    partner_link_message(link).send()
    access_record(
        user=by,
        action="referrals.partner_link.sent",
        subject=referral.beneficiary,
        fields=PARTNER_FIELDS,
        centre=referral.centre,
        role=role_at(by, referral.centre_id),
    )
    return link


@transaction.atomic
def partner_link_revoke(*, link: PartnerLink, by: User) -> PartnerLink:
    """Stop ``link`` working at once (the partner then sees the generic "ask for a new link" page)."""
    _require_referrer(by, link.referral)
    if link.revoked_at is not None:
        raise ValidationError(_("This link is already revoked."), code="already_revoked")
    _revoke(link, by=by)
    return link


def partner_link_message(link: PartnerLink) -> EmailMessage:
    """The e-mail to the partner, in Greek then English: the link and what the partner needs."""
    referral = link.referral
    context = {
        "given_name": referral.beneficiary.given_name,
        "referral": referral,
        "contact": referral.contact_person,
        "url": link_url(link),
        "expires_on": timezone.localdate(link.expires_at),
    }
    parts = []
    for language in ("el", "en"):
        with translation.override(language):
            parts.append(
                (
                    render_to_string("referrals/email/partner_link_subject.txt", context).strip(),
                    render_to_string("referrals/email/partner_link_body.txt", context).strip(),
                )
            )
    subject = " / ".join(dict.fromkeys(subject for subject, _body in parts))
    body = "\n\n----------------------------------------\n\n".join(body for _subject, body in parts) + "\n"
    return EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[referral.service.organisation.email],
        reply_to=[referral.contact_person.email] if referral.contact_person.email else None,
    )


# --- the partner's answers ---------------------------------------------------------------------


class Answer:
    ACCEPT = "accept"
    DECLINE = "decline"
    OUTCOME = "outcome"


def partner_link_touch(*, link: PartnerLink, request: HttpRequest | None, answered: bool = False) -> None:
    """Note a use of ``link``: ``last_used_at`` and an access event naming the organisation."""
    referral = link.referral
    now = timezone.now()
    # A plain UPDATE: a page view is not a change of the link worth a history row.
    PartnerLink.objects.filter(pk=link.pk).update(last_used_at=now)
    link.last_used_at = now
    access_record(
        user=AnonymousUser(),
        actor=f"partner:{referral.service.organisation_id}",
        action="referrals.partner_link.answered" if answered else "referrals.partner_link.viewed",
        subject=referral.beneficiary,
        fields=PARTNER_FIELDS,
        centre=referral.centre,
        request=request,
    )


@transaction.atomic
def partner_link_answer(
    *,
    link: PartnerLink,
    answer: str,
    reason: str = "",
    successful: bool | None = None,
    request: HttpRequest | None = None,
) -> Referral:
    """Record the partner's answer given through ``link``: accept, decline (with a reason) or, once
    accepted, the outcome (successful or not, with a reason). The referral's rules decide whether
    the answer fits its current state; the use is in the access log."""
    if not link.is_usable:
        raise ValidationError(_("This link does not work any more."), code="link_not_usable")
    reason = (reason or "").strip()
    referral = link.referral
    if answer == Answer.ACCEPT:
        fields: dict[str, Any] = {"to_status": ReferralStatus.ACCEPTED}
    elif answer == Answer.DECLINE:
        if not reason:
            raise ValidationError(
                {"reason": ValidationError(_("Say why the referral is declined."), code="reason_required")}
            )
        fields = {"to_status": ReferralStatus.DECLINED, "decline_reason": reason}
    elif answer == Answer.OUTCOME:
        if successful is None:
            raise ValidationError(
                {"successful": ValidationError(_("Say whether it went well."), code="outcome_required")}
            )
        if not reason:
            raise ValidationError(
                {"reason": ValidationError(_("Describe the outcome in a few words."), code="reason_required")}
            )
        fields = {
            "to_status": ReferralStatus.COMPLETED,
            "outcome_successful": successful,
            "outcome_reason": reason,
        }
    else:
        raise ValidationError(_("Unknown answer."), code="unknown_answer")
    referral = referral_transition(referral=referral, by=None, by_partner=True, **fields)
    partner_link_touch(link=link, request=request, answered=True)
    return referral
