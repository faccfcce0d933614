from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = _("Referrals")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from kem.models import CentrePerm, Role
        from kem.registry import (
            register_action_labels,
            register_home_part,
            register_profile_actions,
            register_timeline_source,
        )
        from referrals.selectors import followup, incoming, referrals

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
        register_home_part(
            followup.referral_followup_part, perm=CentrePerm.REFER, panels=[Role.FRONT_DESK, Role.MANAGER]
        )
        register_profile_actions(incoming.incoming_actions)
        register_profile_actions(referrals.referral_actions)
        register_timeline_source(incoming.incoming_referral_timeline)
        register_timeline_source(referrals.referral_timeline)
