from django.contrib import admin

from securus.admin_utils import ReadOnlyAdmin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """The trail is read by everyone with the view permission and changed by no one, superusers included."""

    list_display = ["at", "action", "actor_label", "channel", "call_reference", "object_repr", "account"]
    list_filter = ["action", "channel"]
    search_fields = ["=call_reference", "actor_label", "=object_id", "object_repr"]
    list_select_related = ["account"]
    date_hierarchy = "at"
    raw_id_fields = ["account", "actor"]

    def get_actions(self, request):
        return {}  # not even the bulk "delete selected" action
