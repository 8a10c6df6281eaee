"""What an automation email says: its context, links and Oscar communication template.

The wording is an Oscar ``CommunicationEventType`` (the owner edits it in Dashboard →
Content → Email templates; until then the file templates this app ships are used). Every
link in the context is absolute and signed: clicks go through the click redirect, opens
through the pixel, and the unsubscribe/preference links need no login.
"""

from __future__ import annotations

import secrets
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.sites.models import Site
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.urls import reverse
from django.utils import timezone
from oscar.core.loading import get_model

from ecrm_oscar import conf
from ecrm_oscar.automation import tokens
from ecrm_oscar.automation.abstract_models import FlowKind, Incentive
from ecrm_oscar.automation.models import Flow, Message

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@dataclass
class Rendered:
    subject: str
    body: str
    html: str
    headers: dict[str, str] = field(default_factory=dict)
    voucher_code: str = ""


def base_url() -> str:
    """Absolute base of links in emails (no trailing slash)."""
    configured = conf.get("ECRM_AUTOMATION_BASE_URL")
    if configured:
        return configured.rstrip("/")
    domain = Site.objects.get_current().domain
    scheme = "http" if settings.DEBUG else "https"
    return f"{scheme}://{domain}"


def absolute(path: str) -> str:
    return path if "://" in path else f"{base_url()}{path}"


def click_url(message: Message, target: str) -> str:
    """A signed, tracked link to ``target`` (a path on the shop or an allowed URL)."""
    token = tokens.make("click", m=message.pk, u=target)
    return absolute(reverse("ecrm:automation-click", args=[token]))


def unsubscribe_url(message: Message) -> str:
    token = tokens.make("unsubscribe", m=message.pk)
    return absolute(reverse("ecrm:automation-unsubscribe", args=[token]))


def preferences_url(message: Message) -> str:
    token = tokens.make("preferences", m=message.pk)
    return absolute(reverse("ecrm:automation-preferences-token", args=[token]))


def open_pixel_url(message: Message) -> str:
    token = tokens.make("open", m=message.pk)
    return absolute(reverse("ecrm:automation-open", args=[token]))


def survey_url(message: Message, score: int) -> str:
    token = tokens.make("survey", m=message.pk, s=score)
    return absolute(reverse("ecrm:automation-survey", args=[token]))


def restore_basket_path(message: Message, basket_id: int) -> str:
    token = tokens.make("basket", m=message.pk, b=basket_id)
    return reverse("ecrm:automation-basket", args=[token])


def _image_url(product: Any) -> str:
    image = product.primary_image()
    original = getattr(image, "original", None)
    if not original:
        return ""
    try:
        return absolute(original.url)
    except ValueError:
        return ""


def _product_item(message: Message, product: Any, quantity: int = 1, price: Any = None):
    return {
        "title": product.get_title(),
        "quantity": quantity,
        "price": price,
        "image_url": _image_url(product),
        "url": click_url(message, product.get_absolute_url()),
    }


def _basket_items(message: Message) -> list[dict[str, Any]]:
    lines = getattr(message, "basket_lines", None)  # fetched by services.send_batch
    if lines is not None:
        return [
            _product_item(message, line.product, line.quantity, line.price_incl_tax)
            for line in lines
            if line.product_id
        ]
    Line = get_model("basket", "Line")
    lines = (
        Line.objects.filter(basket_id=message.context.get("basket_id"))
        .select_related("product", "product__parent")
        .prefetch_related("product__images")
        .order_by("pk")
    )
    return [
        _product_item(message, line.product, line.quantity, line.price_incl_tax)
        for line in lines
        if line.product_id
    ]


def _viewed_items(message: Message) -> list[dict[str, Any]]:
    if not apps.is_installed("ecrm_oscar.tracking") or not message.user_id:
        return []
    from ecrm_oscar.tracking import event_types
    from ecrm_oscar.tracking.models import Event

    since = message.context.get("since")
    events = Event.objects.filter(
        user_id=message.user_id, type=event_types.PRODUCT_VIEWED, product__isnull=False
    )
    if since:
        events = events.filter(created_at__gte=since)
    product_ids = list(
        dict.fromkeys(events.order_by("-created_at").values_list("product_id", flat=True)[:50])
    )[:4]
    Product = get_model("catalogue", "Product")
    products = {
        p.pk: p
        for p in Product.objects.filter(pk__in=product_ids, is_public=True).prefetch_related(
            "images"
        )
    }
    return [_product_item(message, products[pk]) for pk in product_ids if pk in products]


def _wants_recommendations(message: Message) -> bool:
    return (
        message.flow.include_recommendations
        and message.flow.kind != FlowKind.POST_PURCHASE_SURVEY
        and apps.is_installed("ecrm_oscar.recommendations")
    )


def prefetch_recommendations(messages: list[Message]) -> None:
    """Read a batch's recommendations at once (``recommend_many``: a constant number of
    queries per batch instead of several per email). Each message keeps its shopper's
    list ("recommended for you", else trending) in ``recommended_products``."""
    wanted = [message for message in messages if _wants_recommendations(message)]
    if not wanted:
        return
    from ecrm_oscar.recommendations import services as recommendations

    users = [message.user for message in wanted if message.user is not None]
    lists = recommendations.recommend_many("home", users, limit=6, strategy="personal")
    trending = None
    shown = []
    for message in wanted:
        products = list(lists.get(message.user_id, [])) if message.user is not None else []
        if not products:
            if trending is None:
                trending = list(recommendations.trending(limit=6))
                shown.extend(trending)
            products = trending
        else:
            shown.extend(products)
        message.recommended_products = products
    prefetch_related_objects(shown, "images")  # the pictures in the emails: one query


def _recommended_items(message: Message, exclude: set[str]) -> list[dict[str, Any]]:
    if not _wants_recommendations(message):
        return []
    products = getattr(message, "recommended_products", None)  # see prefetch_recommendations
    if products is None:
        from ecrm_oscar.recommendations import services as recommendations

        user = message.user
        products = recommendations.for_user(user, limit=6) if user is not None else []
        if not products:
            products = recommendations.trending(limit=6)
    chosen = [product for product in products if product.get_title() not in exclude][:3]
    prefetch_related_objects(chosen, "images")  # skips those fetched already
    return [_product_item(message, product) for product in chosen]


def new_voucher_code() -> str:
    body = "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))
    return f"BACK-{body[:5]}-{body[5:]}"


def ensure_offer(flow: Flow):
    """The flow's Oscar voucher offer (created once): its discount on all products."""
    ConditionalOffer = get_model("offer", "ConditionalOffer")
    Condition = get_model("offer", "Condition")
    Benefit = get_model("offer", "Benefit")
    Range = get_model("offer", "Range")
    offer = flow.offer
    if offer is not None and (
        offer.benefit.type == flow.incentive and offer.benefit.value == flow.incentive_value
    ):
        return offer
    with transaction.atomic():
        product_range, _created = Range.objects.get_or_create(
            name="Automation incentives: all products", defaults={"includes_all_products": True}
        )
        condition = Condition.objects.create(
            range=product_range, type=Condition.COUNT, value=Decimal(1)
        )
        benefit = Benefit.objects.create(
            type=flow.incentive, value=flow.incentive_value, range=product_range
        )
        offer = ConditionalOffer.objects.create(
            name=f"Automation: {flow.name} ({flow.incentive_value} {flow.incentive})"[:128],
            offer_type=ConditionalOffer.VOUCHER,
            condition=condition,
            benefit=benefit,
            max_basket_applications=1,
        )
        Flow.objects.filter(pk=flow.pk).update(offer=offer)
        flow.offer = offer
    return offer


def issue_voucher(message: Message):
    """A single-use Oscar voucher for this message, expiring after the flow's days."""
    Voucher = get_model("voucher", "Voucher")
    flow = message.flow
    offer = ensure_offer(flow)
    code = new_voucher_code()
    while Voucher.objects.filter(code=code).exists():
        code = new_voucher_code()
    now = timezone.now()
    voucher = Voucher.objects.create(
        name=f"{flow.name} #{message.pk}"[:128],
        code=code,
        usage=Voucher.SINGLE_USE,
        start_datetime=now,
        end_datetime=now + timedelta(days=flow.incentive_valid_days),
    )
    voucher.offers.add(offer)
    return voucher


def build_context(message: Message, address: str) -> dict[str, Any]:
    """Everything a template may use; every link is absolute and signed."""
    flow = message.flow
    user = message.user
    context: dict[str, Any] = {
        "user": user,
        "email": address,
        "first_name": (getattr(user, "first_name", "") or "") if user else "",
        "site": Site.objects.get_current(),
        "shop_name": getattr(settings, "OSCAR_SHOP_NAME", ""),
        "flow": flow,
        "message": message,
        "shop_url": click_url(message, "/"),
        "unsubscribe_url": unsubscribe_url(message),
        "preferences_url": preferences_url(message),
        "open_pixel_url": open_pixel_url(message),
        "items": [],
        "recommendations": [],
    }
    if flow.kind == FlowKind.ABANDONED_BASKET:
        context["items"] = _basket_items(message)
        context["basket_url"] = click_url(
            message, restore_basket_path(message, message.context.get("basket_id"))
        )
    elif flow.kind == FlowKind.BROWSE_ABANDONMENT:
        context["items"] = _viewed_items(message)
    elif flow.kind == FlowKind.POST_PURCHASE_SURVEY:
        context["order_number"] = message.context.get("order_number", "")
        context["survey_links"] = [(score, survey_url(message, score)) for score in range(11)]
    elif flow.kind == FlowKind.BIRTHDAY and apps.is_installed("ecrm_oscar.loyalty"):
        from ecrm_oscar.loyalty import services as loyalty

        context["birthday_points"] = loyalty.program().birthday_points
    if flow.kind != FlowKind.POST_PURCHASE_SURVEY:
        titles = {item["title"] for item in context["items"]}
        context["recommendations"] = _recommended_items(message, titles)
    if flow.incentive and flow.incentive_value > 0 and message.step.with_incentive:
        voucher = issue_voucher(message)
        context["voucher"] = voucher
        context["voucher_code"] = voucher.code
        context["voucher_expires"] = voucher.end_datetime
        context["discount"] = (
            f"{flow.incentive_value.normalize():f}%"
            if flow.incentive == Incentive.PERCENTAGE
            else f"{flow.incentive_value}"
        )
    return context


def _check_complete(code: str, messages: dict[str, str]) -> None:
    from ecrm_oscar.automation.services import TemplateFailure

    if not messages.get("subject", "").strip() or not (
        messages.get("body", "").strip() or messages.get("html", "").strip()
    ):
        raise TemplateFailure(f"The email template {code} renders an empty subject or body.")


def render(message: Message, address: str, event_types: dict[str, Any] | None = None) -> Rendered:
    """Render the step's template completely, or raise TemplateFailure (nothing is sent).

    ``event_types`` caches the Oscar templates by code across a batch (one query per
    code). A discount code is issued in a savepoint, so a failed render leaves no voucher.
    """
    from ecrm_oscar.automation.services import TemplateFailure

    CommunicationEventType = get_model("communication", "CommunicationEventType")
    code = message.step.code
    event_types = {} if event_types is None else event_types
    flow = message.flow
    writes = bool(flow.incentive and flow.incentive_value > 0 and message.step.with_incentive)
    try:
        with transaction.atomic() if writes else nullcontext():
            context = build_context(message, address)
            if code not in event_types:
                event_types[code] = CommunicationEventType.objects.filter(
                    code=code
                ).first() or CommunicationEventType(code=code)
            messages = event_types[code].get_messages(context)
            _check_complete(code, messages)
    except TemplateFailure:
        raise
    except Exception as exc:  # a template error, a missing template, a broken tag
        raise TemplateFailure(
            f"The email template {code} could not be rendered: {type(exc).__name__}: {exc}"
        ) from exc
    unsubscribe = context["unsubscribe_url"]
    headers = {
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    return Rendered(
        subject=messages["subject"].strip(),
        body=messages["body"],
        html=messages["html"],
        headers=headers,
        voucher_code=context.get("voucher_code", ""),
    )
