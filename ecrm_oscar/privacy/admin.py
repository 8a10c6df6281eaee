from django.contrib import admin

from ecrm_oscar.privacy.models import ConsentRecord


@admin.register(ConsentRecord)
class ConsentRecordAdmin(admin.ModelAdmin):
    """Read-only: consent is given by the person, never edited by staff."""

    list_display = ["created_at", "user", "email", "purpose", "granted", "source"]
    list_filter = ["purpose", "granted", "source"]
    search_fields = ["email", "user__email"]
    date_hierarchy = "created_at"
    raw_id_fields = ["user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
