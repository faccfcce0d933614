import django.contrib.admin.apps as admin_apps
from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class KemAdminConfig(admin_apps.AdminConfig):
    """The Django admin, served by a site that lets in only sessions verified by a second factor."""

    default = False
    default_site = "kem.second_factor.KemAdminSite"


class KemConfig(AppConfig):
    default = True
    name = "kem"
    verbose_name = _("Migrant Integration Centre")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from axes.signals import user_locked_out
        from django.contrib.auth import get_user_model, user_logged_in
        from django.db.models.signals import pre_save

        from kem import sessions
        from kem.registry import register_action_labels, register_timeline_source
        from kem.roles import sync_role_groups
        from kem.selectors import people, timeline
        from kem.services import auth

        register_action_labels(
            {
                "kem.beneficiary.viewed": _("Opened a profile"),
                "kem.beneficiary.revealed": _("Revealed hidden details"),
                "kem.beneficiary.edit_opened": _("Opened a profile for editing"),
                "kem.beneficiary.searched": _("Searched for people"),
                "kem.beneficiary.merged": _("Merged two records of a person"),
                "kem.access_log.exported": _("Exported the access log"),
                "api.beneficiary.read": _("Read a person's data through the API"),
                auth.LOCKED_OUT: _("Locked out after too many wrong passwords"),
                auth.UNLOCKED: _("Unlocked a locked-out account"),
            }
        )
        user_locked_out.connect(auth.lockout_record, dispatch_uid="kem.lockout_record")
        user_logged_in.connect(sessions.stamp_login, dispatch_uid="kem.sessions.stamp_login")
        pre_save.connect(
            auth.tokens_revoke_on_credentials_change,
            sender=get_user_model(),
            dispatch_uid="kem.tokens_revoke_on_credentials_change",
        )
        for source in (
            timeline.record_history,
            people.consent_timeline,
            people.household_timeline,
            people.merge_timeline,
        ):
            register_timeline_source(source)
        # A password log-in counts as a fresh authentication (kem/second_factor.py).
        from django.contrib.auth.signals import user_logged_in

        from kem.second_factor import on_user_logged_in

        user_logged_in.connect(on_user_logged_in, dispatch_uid="kem-reauth-at-login")
        # Role groups and their model permissions follow the code, not hand edits in the admin.
        post_migrate.connect(sync_role_groups, sender=self)
