from django.contrib import admin

from facilities.models import Facility, IncarceratedPerson
from securus.admin_utils import NoDeleteAdmin


@admin.register(Facility)
class FacilityAdmin(NoDeleteAdmin):
    list_display = ["name", "state"]
    list_filter = ["state"]
    search_fields = ["name"]


@admin.register(IncarceratedPerson)
class IncarceratedPersonAdmin(NoDeleteAdmin):
    list_display = ["name", "inmate_number", "facility"]
    list_filter = ["facility"]
    search_fields = ["name", "inmate_number", "facility__name"]  # name: person_name_upper_idx
    list_select_related = ["facility"]
    # A raw id: the autocomplete widget re-renders an invalid posted value by querying it (a 500).
    raw_id_fields = ["facility"]
