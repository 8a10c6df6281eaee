"""Segment rule types: a registry the segment editor, evaluation and other apps share.

A rule type says which inputs of the editor it uses, how to check them, and how to find
matching customers (and, for behaviour rules, anonymous visitors) with set-based queries.
Other apps add their own in ``AppConfig.ready()``::

    from ecrm_oscar.customers import rules

    rules.register(rules.RuleType(
        code="loyalty_tier",
        label=_("Loyalty tier is"),
        inputs=("choice",),
        choices=lambda: [(str(t.pk), t.name) for t in Tier.objects.all()],
        match_users=lambda params, users, as_of: set(...),  # user ids in that tier
        describe=lambda params: f"Loyalty tier is {params['choice']}",
    ))

(the loyalty app does exactly this: ``ecrm_oscar/loyalty/segment_rules.py``)
and call ``ecrm_oscar.customers.services.refresh_segments(user_id=...)`` when what
their rule reads changes (here: a customer's tier).

``match_users(params, users, as_of)`` returns the matching user ids; ``users`` is None
for "everyone" or a set of ids to restrict the query to (the incremental update).
``match_visitors`` does the same for anonymous visitor ids (events without a user);
rule types without it never match anonymous visitors.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Max, Q, Sum
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_model

from ecrm_oscar.tracking import event_types

logger = logging.getLogger("ecrm.customers")

#: The editor's inputs a rule type may use, in the order the form shows them.
INPUTS = ("amount", "count", "days", "category", "product", "rfm_segment", "choice")

UserIds = set[int] | None
VisitorIds = set[str] | None


@dataclass(frozen=True)
class RuleType:
    code: str
    label: str | Promise
    inputs: tuple[str, ...]
    match_users: Callable[[dict, UserIds, datetime], set[int]]
    describe: Callable[[dict], str]
    #: inputs that may be left empty (e.g. "days": all time)
    optional: tuple[str, ...] = ()
    match_visitors: Callable[[dict, VisitorIds, datetime], set[str]] | None = None
    #: event types whose recording can change the result (membership refresh triggers)
    event_types: frozenset[str] = field(default_factory=frozenset)
    #: the result depends on orders or profiles (refreshed after each profile update)
    depends_on_orders: bool = False
    #: for the "choice" input: a callable returning [(value, label), ...]
    choices: Callable[[], list[tuple[str, str]]] | None = None
    help_text: str | Promise = ""


_registry: dict[str, RuleType] = {}


def register(rule_type: RuleType) -> RuleType:
    """Add (or replace) a rule type. ``code`` is stored on each rule (≤ 40 characters)."""
    if not rule_type.code or len(rule_type.code) > 40:
        raise ValueError(f"rule type codes are 1-40 characters: {rule_type.code!r}")
    unknown = set(rule_type.inputs) - set(INPUTS)
    if unknown:
        raise ValueError(f"unknown inputs {sorted(unknown)}; inputs are {INPUTS}")
    _registry[rule_type.code] = rule_type
    return rule_type


def unregister(code: str) -> None:
    _registry.pop(code, None)


def get(code: str) -> RuleType | None:
    return _registry.get(code)


def all_types() -> list[RuleType]:
    return list(_registry.values())


def describe(code: str, params: dict) -> str:
    rule_type = get(code)
    if rule_type is None:
        return f"{code} (rule type not installed)"
    try:
        return str(rule_type.describe(params))
    except Exception:
        return str(rule_type.label)


def clean_params(code: str, values: dict[str, Any]) -> dict[str, Any]:
    """JSON-ready parameters of a rule from the editor's cleaned inputs.

    Raises ``ValidationError`` (keyed by input) for missing inputs and unknown choices.
    The form has already checked the ranges (no negative amounts, days ≥ 1, a real
    category and product).
    """
    rule_type = get(code)
    if rule_type is None:
        raise ValidationError({"kind": _("Unknown condition.")})
    errors: dict[str, str] = {}
    params: dict[str, Any] = {}
    for name in rule_type.inputs:
        value = values.get(name)
        if value in (None, ""):
            if name not in rule_type.optional:
                errors[name] = _("This condition needs a value here.")
            continue
        if name == "amount":
            params[name] = str(Decimal(value).quantize(Decimal("0.01")))
        elif name in ("count", "days"):
            params[name] = int(value)
        elif name in ("category", "product"):
            params[name] = value.pk if hasattr(value, "pk") else int(value)
        elif name == "choice":
            allowed = {str(v) for v, _label in (rule_type.choices() if rule_type.choices else [])}
            if str(value) not in allowed:
                errors[name] = _("Select a valid choice.")
                continue
            params[name] = str(value)
        else:
            params[name] = value
    if errors:
        raise ValidationError(errors)
    return params


# --- built-in rule types ----------------------------------------------------------------


def _since(params: dict, as_of: datetime) -> datetime | None:
    days = params.get("days")
    return as_of - timedelta(days=int(days)) if days else None


def _orders(params: dict, users: UserIds, as_of: datetime):
    from ecrm_oscar.customers.profiles import counted_orders

    orders = counted_orders().order_by()
    since = _since(params, as_of)
    if since is not None:
        orders = orders.filter(date_placed__gt=since)
    if users is not None:
        orders = orders.filter(user_id__in=users)
    return orders


def _spent(params: dict, users: UserIds, as_of: datetime) -> set[int]:
    amount = Decimal(params["amount"])
    rows = (
        _orders(params, users, as_of)
        .values("user_id")
        .annotate(spent=Sum("total_incl_tax"))
        .filter(spent__gt=amount)
    )
    return {row["user_id"] for row in rows}


def _ordered_at_least(params: dict, users: UserIds, as_of: datetime) -> set[int]:
    rows = (
        _orders(params, users, as_of)
        .values("user_id")
        .annotate(n=Count("id"))
        .filter(n__gte=int(params["count"]))
    )
    return {row["user_id"] for row in rows}


def _not_ordered_in(params: dict, users: UserIds, as_of: datetime) -> set[int]:
    since = as_of - timedelta(days=int(params["days"]))
    rows = (
        _orders({}, users, as_of)
        .values("user_id")
        .annotate(last=Max("date_placed"))
        .filter(last__lte=since)
    )
    return {row["user_id"] for row in rows}


def _events(params: dict, as_of: datetime):
    from ecrm_oscar.tracking.models import Event

    events = Event.objects.order_by()
    since = _since(params, as_of)
    if since is not None:
        events = events.filter(created_at__gt=since)
    return events


def _category_q(params: dict) -> Q:
    Category = get_model("catalogue", "Category")
    category = Category.objects.filter(pk=params["category"]).only("path").first()
    if category is None:
        return Q(pk__in=[])
    path = category.path
    return Q(type=event_types.CATEGORY_VIEWED, category__path__startswith=path) | Q(
        Q(type=event_types.PRODUCT_VIEWED)
        & (
            Q(product__categories__path__startswith=path)
            | Q(product__parent__categories__path__startswith=path)
        )
    )


def _product_q(params: dict) -> Q:
    product = int(params["product"])
    return Q(type=event_types.PRODUCT_VIEWED) & (
        Q(product_id=product) | Q(product__parent_id=product)
    )


def _event_users(q_for: Callable[[dict], Q]):
    def match(params: dict, users: UserIds, as_of: datetime) -> set[int]:
        events = _events(params, as_of).filter(q_for(params), user__isnull=False)
        if users is not None:
            events = events.filter(user_id__in=users)
        return set(events.values_list("user_id", flat=True).distinct())

    return match


def _event_visitors(q_for: Callable[[dict], Q]):
    def match(params: dict, visitors: VisitorIds, as_of: datetime) -> set[str]:
        events = (
            _events(params, as_of).filter(q_for(params), user__isnull=True).exclude(visitor_id="")
        )
        if visitors is not None:
            events = events.filter(visitor_id__in=visitors)
        return set(events.values_list("visitor_id", flat=True).distinct())

    return match


def _rfm(params: dict, users: UserIds, as_of: datetime) -> set[int]:
    from ecrm_oscar.customers.models import CustomerProfile

    profiles = CustomerProfile.objects.filter(rfm_segment=params["rfm_segment"])
    if users is not None:
        profiles = profiles.filter(user_id__in=users)
    return set(profiles.values_list("user_id", flat=True))


def _within(params: dict) -> str:
    days = params.get("days")
    return f" in the last {days} days" if days else ""


def _category_name(params: dict) -> str:
    Category = get_model("catalogue", "Category")
    category = Category.objects.filter(pk=params.get("category")).first()
    return category.full_name if category else f"category #{params.get('category')}"


def _product_name(params: dict) -> str:
    Product = get_model("catalogue", "Product")
    product = Product.objects.filter(pk=params.get("product")).first()
    return product.get_title() if product else f"product #{params.get('product')}"


def _rfm_label(params: dict) -> str:
    from ecrm_oscar.customers.rfm import RfmSegment

    code = params.get("rfm_segment", "")
    return str(dict(RfmSegment.choices).get(code, code))


BEHAVIOUR_EVENTS = frozenset({event_types.CATEGORY_VIEWED, event_types.PRODUCT_VIEWED})


def register_builtin_rules() -> None:
    register(
        RuleType(
            code="spent_more_than",
            label=_("Spent more than"),
            inputs=("amount", "days"),
            optional=("days",),
            match_users=_spent,
            depends_on_orders=True,
            describe=lambda p: f"Spent more than {p['amount']}{_within(p)}",
            help_text=_("Amount, and optionally the number of days to look back."),
        )
    )
    register(
        RuleType(
            code="ordered_at_least",
            label=_("Ordered at least"),
            inputs=("count", "days"),
            optional=("days",),
            match_users=_ordered_at_least,
            depends_on_orders=True,
            describe=lambda p: f"Ordered at least {p['count']} times{_within(p)}",
            help_text=_("Number of orders, and optionally the number of days to look back."),
        )
    )
    register(
        RuleType(
            code="not_ordered_in",
            label=_("Has not ordered in"),
            inputs=("days",),
            match_users=_not_ordered_in,
            depends_on_orders=True,
            describe=lambda p: f"Has not ordered in {p['days']} days (but ordered before)",
            help_text=_("Customers who ordered before, but not in the last N days."),
        )
    )
    register(
        RuleType(
            code="viewed_category",
            label=_("Viewed category"),
            inputs=("category", "days"),
            optional=("days",),
            match_users=_event_users(_category_q),
            match_visitors=_event_visitors(_category_q),
            event_types=BEHAVIOUR_EVENTS,
            describe=lambda p: f"Viewed {_category_name(p)}{_within(p)}",
            help_text=_("The category page or a product in it (sub-categories included)."),
        )
    )
    register(
        RuleType(
            code="viewed_product",
            label=_("Viewed product"),
            inputs=("product", "days"),
            optional=("days",),
            match_users=_event_users(_product_q),
            match_visitors=_event_visitors(_product_q),
            event_types=frozenset({event_types.PRODUCT_VIEWED}),
            describe=lambda p: f"Viewed {_product_name(p)}{_within(p)}",
            help_text=_("The product (or one of its variants); UPC or id."),
        )
    )
    register(
        RuleType(
            code="rfm_segment",
            label=_("RFM segment is"),
            inputs=("rfm_segment",),
            match_users=_rfm,
            depends_on_orders=True,
            describe=lambda p: f"RFM segment is {_rfm_label(p)}",
        )
    )


def event_types_of(codes: Iterable[str]) -> set[str]:
    """Event types that can change the result of rules of these types."""
    found: set[str] = set()
    for code in codes:
        rule_type = get(code)
        if rule_type is not None:
            found |= rule_type.event_types
    return found
