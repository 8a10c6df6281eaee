"""``{% load ecrm_privacy %}``: the "Your data" tab of Oscar's account pages."""

from django import template
from django.urls import reverse

register = template.Library()


@register.inclusion_tag("ecrm/privacy/account_tab.html", takes_context=True)
def privacy_account_tab(context):
    return {
        "active": context.get("active_tab") == "privacy",
        "url": reverse("ecrm:privacy-account"),
    }
