from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from securus.admin_utils import ReadOnlyAdmin

from . import stuck
from .models import AuditEvent, StuckWork


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


@admin.register(StuckWork)
class StuckWorkAdmin(ReadOnlyAdmin):
    """One page, no rows of its own: the lists of audit.stuck."""

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("audit.view_stuckwork")

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Stuck work",
            "lists": stuck.stuck_work(),
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/audit/stuck_work.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return redirect(reverse("admin:audit_stuckwork_changelist"))
