"""Events in the Django admin: read-only (the stream is append-only), for support and audits.

Searchable by visitor id, search query, user e-mail/username and order number; filterable
by type, channel and date. Everything shown goes through the admin's escaping, so markup
in a tracked string (a search query, say) is shown as text.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from ecrm_oscar.tracking import event_types
from ecrm_oscar.tracking.models import Event


class EventTypeFilter(admin.SimpleListFilter):
    title = _("type")
    parameter_name = "type"

    def lookups(self, request, model_admin):
        return [(t.code, t.label) for t in sorted(event_types.all_types(), key=lambda t: t.code)]

    def queryset(self, request, queryset):
        return queryset.filter(type=self.value()) if self.value() else queryset


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "type_label",
        "channel",
        "user",
        "visitor_short",
        "product",
        "category",
        "order",
        "query",
        "value",
    )
    list_filter = (EventTypeFilter, "channel", "created_at")
    date_hierarchy = "created_at"
    list_select_related = ("user", "product", "category", "order")
    list_per_page = 50
    show_full_result_count = False  # no COUNT(*) of the whole stream on every page
    ordering = ("-created_at", "-id")
    readonly_fields = [field.name for field in Event._meta.fields]
    raw_id_fields = ("user", "product", "category", "order")

    def get_search_fields(self, request):
        user_model = get_user_model()
        fields = ["=visitor_id", "query", "=order__number"]
        names = {field.name for field in user_model._meta.get_fields()}
        fields += [
            f"user__{name}" for name in ("email", user_model.USERNAME_FIELD) if name in names
        ]
        return list(dict.fromkeys(fields))

    @admin.display(description=_("type"), ordering="type")
    def type_label(self, event: Event) -> str:
        event_type = event_types.get(event.type)
        return str(event_type.label) if event_type else event.type

    @admin.display(description=_("visitor"), ordering="visitor_id")
    def visitor_short(self, event: Event) -> str:
        return event.visitor_id[:8]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
