"""The marketing report in admin: "Unsubscribe reasons report" under Video. Anyone with the view permission
on it (give it to the marketing group) sees the counts, the chart and the CSV; the numbers come from
video/report.py."""

from datetime import date

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.safestring import mark_safe

from . import report
from .models import UnsubscribeReport


class ReportFilter(forms.Form):
    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError("The start date must be on or before the end date.")
        return data


class UnsubscribeReportAdmin(admin.ModelAdmin):
    """Read-only: one page with the report instead of a list of rows."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = ReportFilter(request.GET or None)
        date_from: date | None = None
        date_to: date | None = None
        if form.is_bound and form.is_valid():
            date_from, date_to = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
        data = report.build(date_from=date_from, date_to=date_to)
        if request.GET.get("format") == "csv":
            response = HttpResponse(report.to_csv(data), content_type="text/csv; charset=utf-8")
            name = f"unsubscribe-reasons-{date_from or 'start'}-to-{date_to or timezone.localdate()}.csv"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
        query = request.GET.copy()
        query["format"] = "csv"
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Unsubscribe reasons report",
            "form": form,
            "report": data,
            "chart": mark_safe(
                report.bar_chart_svg(data.by_reason, title="Answers by reason")
            ),  # escaped inside
            "facility_chart": mark_safe(report.bar_chart_svg(data.by_facility, title="Answers by facility")),
            "month_chart": mark_safe(report.bar_chart_svg(data.by_month, title="Answers by month")),
            "csv_query": query.urlencode(),
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/video/unsubscribe_report.html", context)


def register(site=admin.site):
    site.register(UnsubscribeReport, UnsubscribeReportAdmin)
