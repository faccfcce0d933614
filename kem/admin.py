from django.contrib import admin
from guardian.admin import GuardedModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from kem import services
from kem.models import AccessEvent, Centre, Membership


@admin.register(Centre)
class CentreAdmin(GuardedModelAdmin, SimpleHistoryAdmin):
    list_display = ["name_el", "name_en", "municipality", "active"]
    list_filter = ["active"]
    search_fields = ["name_el", "name_en", "municipality"]


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "centre", "role", "discipline", "active"]
    list_filter = ["centre", "role", "active"]
    search_fields = ["user__username"]
    autocomplete_fields = ["user"]
    readonly_fields = ["active"]

    def save_model(self, request, obj, form, change) -> None:
        # Memberships carry object permissions; only the service keeps the two in step.
        services.membership_grant(
            centre=obj.centre, user=obj.user, role=obj.role, discipline=obj.discipline, by=request.user
        )

    def delete_model(self, request, obj) -> None:
        services.membership_revoke(membership=obj, by=request.user)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AccessEvent)
class AccessEventAdmin(admin.ModelAdmin):
    """Read-only: the access log is append-only, in the admin as everywhere."""

    list_display = ["at", "actor", "role", "action", "subject_id", "reason"]
    list_filter = ["action"]
    date_hierarchy = "at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
