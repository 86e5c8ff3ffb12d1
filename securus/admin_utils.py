"""Small shared pieces for the admin: money columns in dollars and view-only ledgers."""

from django.contrib import admin
from django.core.paginator import Paginator
from django.utils.functional import cached_property

from securus.money import dollars


def money_column(field_name: str, description: str):
    """A list/readonly column showing an integer-cents field as dollars, sortable by the field."""

    @admin.display(description=description, ordering=field_name)
    def column(_model_admin, obj):
        return dollars(getattr(obj, field_name))

    column.__name__ = f"{field_name}_dollars"
    return column


class ReadOnlyAdmin(admin.ModelAdmin):
    """Ledgers and audit rows: written only by services, so the admin may look but never add, edit or delete."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class NoDeleteAdmin(admin.ModelAdmin):
    """Accounts of a service, their bills and schedules, facilities: closed or ended by their service (by its
    rules, with an audit row), never deleted here. The rows that protect them would only refuse a Delete,
    so neither Delete nor "Delete selected" is offered."""

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class CappedCountPaginator(Paginator):
    """Counts at most CAP rows: an exact count of a million accounts on every page view costs more than
    the page itself. Past the cap the list says "10000" and agents search instead of paging that far."""

    CAP = 10_000

    @cached_property
    def count(self):
        return self.object_list[: self.CAP].count()


def object_for_action(model_admin, request, object_id, perm: str):
    """The object an admin action page acts on, for a user who may view it and holds `perm`."""
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    if not (model_admin.has_view_permission(request) and request.user.has_perm(perm)):
        raise PermissionDenied
    obj = model_admin.get_object(request, object_id)
    if obj is None:
        raise Http404("No such object.")
    return obj


def action_page(model_admin, request, template: str, *, original, change_url: str, title: str, form):
    """An admin action page: a form about one object, inside the admin's frame."""
    from django.template.response import TemplateResponse

    return TemplateResponse(
        request,
        template,
        {
            **model_admin.admin_site.each_context(request),
            "opts": model_admin.model._meta,
            "original": original,
            "change_url": change_url,
            "title": title,
            "form": form,
        },
    )
