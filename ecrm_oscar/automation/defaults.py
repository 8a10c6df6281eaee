"""The default flows, their steps and their Oscar communication templates.

:func:`ensure_defaults` (run by ``manage.py ecrm_automation_setup``) creates whatever is
missing and never changes what the owner edited; flows start switched off.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_model

from ecrm_oscar.automation.abstract_models import FlowKind
from ecrm_oscar.automation.models import Flow

#: kind → (name, [(delay hours, template code, with incentive)])
DEFAULT_FLOWS = {
    FlowKind.ABANDONED_BASKET: (
        _("Abandoned basket"),
        [(4, "ECRM_AUTOMATION_BASKET_1", False), (24, "ECRM_AUTOMATION_BASKET_2", True)],
    ),
    FlowKind.BROWSE_ABANDONMENT: (
        _("Browse abandonment"),
        [(2, "ECRM_AUTOMATION_BROWSE", False)],
    ),
    FlowKind.WELCOME: (
        _("Welcome series"),
        [(0, "ECRM_AUTOMATION_WELCOME_1", False), (72, "ECRM_AUTOMATION_WELCOME_2", False)],
    ),
    FlowKind.BIRTHDAY: (_("Birthday greeting"), [(0, "ECRM_AUTOMATION_BIRTHDAY", False)]),
    FlowKind.WIN_BACK: (_("Win-back"), [(0, "ECRM_AUTOMATION_WIN_BACK", True)]),
    FlowKind.POST_PURCHASE_SURVEY: (
        _("Post-purchase survey"),
        [(24, "ECRM_AUTOMATION_SURVEY", False)],
    ),
}

EVENT_TYPE_NAMES = {
    "ECRM_AUTOMATION_BASKET_1": _("Automation: abandoned basket, first reminder"),
    "ECRM_AUTOMATION_BASKET_2": _("Automation: abandoned basket, second reminder"),
    "ECRM_AUTOMATION_BROWSE": _("Automation: browse abandonment"),
    "ECRM_AUTOMATION_WELCOME_1": _("Automation: welcome"),
    "ECRM_AUTOMATION_WELCOME_2": _("Automation: welcome, second email"),
    "ECRM_AUTOMATION_BIRTHDAY": _("Automation: birthday"),
    "ECRM_AUTOMATION_WIN_BACK": _("Automation: win-back"),
    "ECRM_AUTOMATION_SURVEY": _("Automation: post-purchase survey"),
}


def ensure_event_types() -> int:
    """Create the missing CommunicationEventType rows (templates empty: the shipped file
    templates are used until the owner edits them in the dashboard)."""
    CommunicationEventType = get_model("communication", "CommunicationEventType")
    existing = set(
        CommunicationEventType.objects.filter(code__in=EVENT_TYPE_NAMES).values_list(
            "code", flat=True
        )
    )
    created = 0
    for code, name in EVENT_TYPE_NAMES.items():
        if code not in existing:
            CommunicationEventType.objects.create(
                code=code, name=str(name), category=CommunicationEventType.USER_RELATED
            )
            created += 1
    return created


def ensure_defaults() -> dict[str, int]:
    """Create missing flows, steps and templates; returns counts of what was created."""
    flows = steps = 0
    for kind, (name, step_specs) in DEFAULT_FLOWS.items():
        flow, created = Flow.objects.get_or_create(kind=kind, defaults={"name": str(name)})
        flows += created
        if created:
            for position, (delay, code, incentive) in enumerate(step_specs, start=1):
                flow.steps.create(
                    position=position, delay_hours=delay, code=code, with_incentive=incentive
                )
                steps += 1
    return {"flows": flows, "steps": steps, "templates": ensure_event_types()}
