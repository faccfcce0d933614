from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class KemConfig(AppConfig):
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
        # Role groups and their model permissions follow the code, not hand edits in the admin.
        post_migrate.connect(sync_role_groups, sender=self)
