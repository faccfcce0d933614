from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = _("Referrals")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from kem.registry import register_action_labels
        from referrals.selectors import (
            followup,  # noqa: F401
            incoming,  # noqa: F401
            referrals,
        )

        register_action_labels(
            {
                referrals.READ_ACTION: _("Read a referral's reasons"),
                referrals.API_READ_ACTION: _("Read a referral's reasons through the API"),
                "referrals.referral.consent_overridden": _("Sent a referral without the person's consent"),
                "referrals.incoming_referral.read": _("Read an incoming referral's notes"),
                "referrals.partner_link.sent": _("E-mailed a referral link to the partner"),
                "referrals.partner_link.viewed": _("The partner opened a referral link"),
                "referrals.partner_link.answered": _("The partner answered through a referral link"),
            }
        )
