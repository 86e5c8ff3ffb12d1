from django.contrib import admin

from securus.admin_utils import ReadOnlyAdmin, ReadOnlyInline

from .models import AccountDeletion, ServiceClosure


class ServiceClosureInline(ReadOnlyInline):
    model = ServiceClosure
    fields = ["service", "outcome", "closed_at"]
    readonly_fields = fields


@admin.register(AccountDeletion)
class AccountDeletionAdmin(ReadOnlyAdmin):
    list_display = ["id", "account", "channel", "actor_label", "call_reference", "created_at"]
    list_filter = ["channel"]
    search_fields = ["account__name", "account__user__email", "actor_label", "call_reference"]
    list_select_related = ["account"]
    date_hierarchy = "created_at"
    inlines = [ServiceClosureInline]


@admin.register(ServiceClosure)
class ServiceClosureAdmin(ReadOnlyAdmin):
    list_display = ["deletion", "service", "closed_at"]
    list_filter = ["service"]
    search_fields = ["deletion__account__name"]
    list_select_related = ["deletion"]
