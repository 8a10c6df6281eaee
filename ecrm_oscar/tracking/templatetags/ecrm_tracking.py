"""``{% load ecrm_tracking %}``: the beacon script and the consent banner for a layout.

::

    {% load ecrm_tracking %}
    {% ecrm_consent_banner %}   {# only in "consent" mode, until the visitor answers #}
    {% ecrm_tracking_script %}  {# the beacon, unless tracking is off #}

Both render overridable templates: ``ecrm/tracking/consent_banner.html`` (with the
request, for the CSRF token; needs ``request`` in the context, i.e. Django's request
context processor) and ``ecrm/tracking/script.html`` (given ``script_url`` and
``beacon_url`` only, so no context processor runs for it on every page). The script is
rendered whatever the visitor's answer, so a cached page is the same for everyone; the
beacon endpoint applies the visitor's choice.
"""

from __future__ import annotations

from django import template
from django.template.loader import get_template, render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.safestring import SafeString

from ecrm_oscar.tracking import gate

register = template.Library()


@register.simple_tag(takes_context=True)
def ecrm_consent_banner(context) -> str:
    request = context.get("request")
    if not gate.banner_needed(request):
        return ""
    return SafeString(render_to_string("ecrm/tracking/consent_banner.html", request=request))


@register.simple_tag
def ecrm_tracking_script() -> str:
    """The beacon script. Rendered without the request (no context processors run):
    the template gets ``script_url`` and ``beacon_url``."""
    if gate.mode() == "off":
        return ""
    context = {
        "script_url": static("ecrm/tracking/beacon.js"),
        "beacon_url": reverse("ecrm:tracking-beacon"),
    }
    return SafeString(get_template("ecrm/tracking/script.html").render(context))
