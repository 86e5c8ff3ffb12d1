from django.contrib import admin

from securus.admin_utils import NoDeleteAdmin, ReadOnlyAdmin, money_column
from video.models import Session, Subscription, UnsubscribeAnswer, UnsubscribeReason


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdmin):
    """Subscriptions change through video.subscriptions (Unsubscribe, deletion, Stripe webhooks) only."""

    list_display = [
        "account",
        "facility",
        "price",
        "status",
        "current_period_end",
        "cancel_at_period_end",
        "stripe_subscription_id",
    ]
    list_filter = ["status", "cancel_at_period_end", "facility"]
    search_fields = ["account__name", "account__user__email", "=stripe_subscription_id", "facility__name"]
    list_select_related = ["account", "facility"]
    raw_id_fields = ["account"]
    autocomplete_fields = ["facility"]
    readonly_fields = ["stripe_subscription_id", "stripe_customer_id"]
    price = money_column("price_cents", "price")


@admin.register(Session)
class SessionAdmin(ReadOnlyAdmin):
    list_display = ["scheduled_at", "account", "inmate_name", "facility", "price", "status"]
    list_filter = ["status", "facility"]
    search_fields = ["account__name", "account__user__email", "inmate__name"]
    list_select_related = ["account", "facility", "inmate"]
    raw_id_fields = ["account"]
    autocomplete_fields = ["facility", "inmate"]
    date_hierarchy = "scheduled_at"
    price = money_column("price_cents", "price")

    @admin.display(description="incarcerated person", ordering="inmate__name")
    def inmate_name(self, obj):
        return obj.inmate.name


@admin.register(UnsubscribeReason)
class UnsubscribeReasonAdmin(NoDeleteAdmin):
    list_display = ["label", "code", "position", "needs_text", "active"]
    list_editable = ["position", "active"]
    list_filter = ["active"]
    search_fields = ["label", "code"]


@admin.register(UnsubscribeAnswer)
class UnsubscribeAnswerAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "facility", "reason", "outcome", "decided_at"]
    list_filter = ["outcome", "reason", "facility"]
    search_fields = ["other_text", "subscription__account__name"]
    list_select_related = ["facility", "reason"]
    date_hierarchy = "created_at"


# The marketing report lives in its own module (video/admin_report.py); this registers it.
from video import admin_report  # noqa: E402

admin_report.register(admin.site)
