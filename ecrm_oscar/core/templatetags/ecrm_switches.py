"""``{% load ecrm_switches %}``: ask the owner's capability switches from a template.

``{% ecrm_enabled "help_assistant" as assistant_on %}{% if assistant_on %}…{% endif %}``
lets overridden templates hide a capability's markup exactly as the plugin's own do.
"""

from django import template

from ecrm_oscar.dashboard.switches import capability_on

register = template.Library()


@register.simple_tag(takes_context=True)
def ecrm_enabled(context, capability: str) -> bool:
    """True when ``capability`` is switched on for the current site."""
    return capability_on(capability, context.get("request"))
