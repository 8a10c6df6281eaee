"""Panels of the customer 360° page: a registry other apps add summaries to.

The loyalty, support or automation apps register a panel in their ``ready()``; the
dashboard shows it on every customer's 360° page when the app is installed::

    from ecrm_oscar.customers import panels

    panels.register(panels.Panel(
        code="loyalty",
        title=_("Loyalty"),
        template="ecrm/loyalty/dashboard/panel.html",
        get_context=lambda request, customer, profile: {
            "account": Account.objects.filter(user=customer).first()
        },
        order=10,
    ))

``get_context`` should cost one or two queries: the 360° page has a budget of 15
queries in all. A panel whose ``get_context`` raises is shown as unavailable (and the
error logged); it never breaks the page. Returning ``None`` hides the panel for that
customer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils.functional import Promise

logger = logging.getLogger("ecrm.customers")


@dataclass(frozen=True)
class Panel:
    code: str
    title: str | Promise
    template: str
    get_context: Callable[[Any, Any, Any], dict | None]
    order: int = 100


@dataclass(frozen=True)
class RenderedPanel:
    code: str
    title: str | Promise
    html: str
    failed: bool = False


_registry: dict[str, Panel] = {}


def register(panel: Panel) -> Panel:
    _registry[panel.code] = panel
    return panel


def unregister(code: str) -> None:
    _registry.pop(code, None)


def all_panels() -> list[Panel]:
    return sorted(_registry.values(), key=lambda p: (p.order, p.code))


def render_panels(request, customer, profile) -> list[RenderedPanel]:
    rendered = []
    for panel in all_panels():
        try:
            context = panel.get_context(request, customer, profile)
            if context is None:
                continue
            html = render_to_string(
                panel.template,
                {**context, "customer": customer, "profile": profile, "panel": panel},
                request=request,
            )
            rendered.append(RenderedPanel(panel.code, panel.title, html))
        except Exception:
            logger.exception("django-ecrm: the 360° panel %r failed", panel.code)
            rendered.append(RenderedPanel(panel.code, panel.title, "", failed=True))
    return rendered
