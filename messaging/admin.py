from django.contrib import admin

from messaging.models import StampEntry
from securus.admin_utils import ReadOnlyAdmin


@admin.register(StampEntry)
class StampEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "account", "kind", "stamps"]
    list_filter = ["kind"]
    search_fields = ["account__name", "account__user__email"]
    list_select_related = ["account"]
    date_hierarchy = "created_at"
