from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.urls import reverse
from django.utils.html import format_html

from accounts.models import Address, RetiredEmail, User, canonical_email, retired_email_digests
from securus.admin_utils import NoDeleteAdmin, ReadOnlyAdmin

# The Account admin is customer care's page: care/admin.py.


def _unique_email(email, instance):
    # A clear field error instead of the bare "constraint user_email_upper_uniq is violated".
    email = canonical_email(email)
    if User.objects.filter(email=email).exclude(pk=instance.pk).exists():
        raise forms.ValidationError("A user with this email already exists (letter case does not matter).")
    return email


class UserChangeForm(forms.ModelForm):
    """No password field at all: the hash never reaches the page; passwords change on their own form."""

    class Meta:
        model = User
        fields = ["email", "name", "is_active", "is_staff", "is_superuser", "groups", "user_permissions"]

    def clean_email(self):
        return _unique_email(self.cleaned_data["email"], self.instance)


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ["email", "name"]

    def clean_email(self):
        return _unique_email(self.cleaned_data["email"], self.instance)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    list_display = ["email", "name", "is_staff", "is_superuser", "is_active", "date_joined", "last_login"]
    list_filter = ["is_staff", "is_superuser", "is_active"]
    search_fields = ["email", "name"]  # icontains compiles to UPPER(email): user_email_upper_uniq
    ordering = ["email"]
    readonly_fields = ["password_status", "last_login", "date_joined"]
    fieldsets = [
        (None, {"fields": ["email", "name", "password_status"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {"classes": ["wide"], "fields": ["email", "name", "usable_password", "password1", "password2"]},
        ),
    ]

    @admin.display(description="password")
    def password_status(self, obj):
        if obj.pk is None:
            return "-"
        state = "set" if obj.has_usable_password() else "not set (cannot sign in with a password)"
        url = reverse("admin:auth_user_password_change", args=[obj.pk])
        # UserAdmin names its password URL auth_user_password_change whatever the user model.
        return format_html('{} &middot; <a href="{}">change password</a>', state, url)


@admin.register(Address)
class AddressAdmin(NoDeleteAdmin):
    list_display = ["account", "line1", "line2", "city", "state", "zip_code", "verified_at"]
    list_filter = ["state"]
    search_fields = ["account__name", "account__user__email", "line1", "city", "zip_code"]
    list_select_related = ["account"]
    raw_id_fields = ["account"]


@admin.register(RetiredEmail)
class RetiredEmailAdmin(ReadOnlyAdmin):
    list_display = ["short_digest", "deletion", "retired_at"]
    list_select_related = ["deletion"]
    search_fields = ["digest"]
    search_help_text = "Type the full email address: it is matched by its keyed hash, never stored."

    @admin.display(description="digest")
    def short_digest(self, obj):
        return f"{obj.digest[:12]}…"

    def get_search_results(self, request, queryset, search_term):
        if "@" in search_term:
            return queryset.filter(digest__in=retired_email_digests(search_term)), False
        return super().get_search_results(request, queryset, search_term)
