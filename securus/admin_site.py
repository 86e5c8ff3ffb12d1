"""The admin site: Django's, with the app list built only on pages that draw it.

Every admin page's context carries `available_apps`, every app and model the user may see, with two URLs
reversed per model. Only the navigation sidebar and the index pages read it; the agent's account list
draws no sidebar, so there it is never built."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.utils.functional import SimpleLazyObject


class SecurusAdminSite(admin.AdminSite):
    def get_app_list(self, request, app_label=None):
        # A list the first time it is read (iterated, tested, indexed); until then nothing is built.
        return SimpleLazyObject(lambda: super(SecurusAdminSite, self).get_app_list(request, app_label))


class SecurusAdminConfig(AdminConfig):
    default_site = "securus.admin_site.SecurusAdminSite"
