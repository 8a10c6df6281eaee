"""``{% load ecrm_tracking %}``: the beacon script and the consent banner for a layout.

::

    {% load ecrm_tracking %}
    {% ecrm_consent_banner %}   {# only in "consent" mode, until the visitor answers #}
    {% ecrm_tracking_script %}  {# the beacon, unless tracking is off #}

Both render overridable templates (``ecrm/tracking/consent_banner.html``,
``ecrm/tracking/script.html``) and need ``request`` in the context (Django's request
context processor). The script is rendered whatever the visitor's answer, so a cached
page is the same for everyone; the beacon endpoint applies the visitor's choice.
"""

from __future__ import annotations

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from ecrm_oscar.tracking import gate

register = template.Library()


@register.simple_tag(takes_context=True)
def ecrm_consent_banner(context) -> str:
    request = context.get("request")
    if not gate.banner_needed(request):
        return ""
    return SafeString(render_to_string("ecrm/tracking/consent_banner.html", request=request))


@register.simple_tag(takes_context=True)
def ecrm_tracking_script(context) -> str:
    if gate.mode() == "off":
        return ""
    return SafeString(render_to_string("ecrm/tracking/script.html", request=context.get("request")))
