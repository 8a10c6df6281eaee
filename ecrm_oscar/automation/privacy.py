"""This app's part in a person's export and erasure (docs/privacy.md).

Messages name the shopper by account and by email address; survey responses belong to a
message and may hold a comment; guest baskets hold the address given at the checkout
gateway. Erasure anonymises the messages (no user, no address, a key without either; the
counts behind the flow results stay), deletes the responses' comments with the responses
and the address's guest-basket links. Running it twice finds nothing the second time.
"""

from __future__ import annotations

from typing import Any

from django.db.models import CharField, Q, Value
from django.db.models.functions import Cast, Concat

from ecrm_oscar.automation.models import GuestBasket, Message, SurveyResponse
from ecrm_oscar.privacy.services import normalise_email


def _person(user: Any) -> Q:
    condition = Q(pk__in=[])
    if getattr(user, "pk", None):
        condition |= Q(user_id=user.pk)
    email = normalise_email(getattr(user, "email", ""))
    if email:
        condition |= Q(email=email)
    return condition


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def export_user(user: Any) -> dict[str, Any]:
    messages = Message.objects.filter(_person(user)).select_related("flow").order_by("pk")
    responses = SurveyResponse.objects.filter(
        message__in=Message.objects.filter(_person(user))
    ).select_related("message")
    email = normalise_email(getattr(user, "email", ""))
    guest_baskets = GuestBasket.objects.filter(email=email) if email else GuestBasket.objects.none()
    return {
        "guest_baskets": [
            {"basket": link.basket_id, "email": link.email, "given_at": _iso(link.created_at)}
            for link in guest_baskets.order_by("pk")
        ],
        "messages": [
            {
                "flow": message.flow.kind,
                "email": message.email,
                "subject": message.subject,
                "status": message.status,
                "created_at": _iso(message.created_at),
                "sent_at": _iso(message.sent_at),
                "opened_at": _iso(message.opened_at),
                "clicked_at": _iso(message.clicked_at),
                "order_number": message.order_number,
                "voucher_code": message.voucher_code,
            }
            for message in messages
        ],
        "survey_responses": [
            {
                "order_number": response.message.context.get("order_number", ""),
                "score": response.score,
                "comment": response.comment,
                "answered_at": _iso(response.created_at),
            }
            for response in responses
        ],
    }


def erase_user(user: Any) -> dict[str, int]:
    mine = Message.objects.filter(_person(user))
    responses, _by_model = SurveyResponse.objects.filter(message__in=mine).delete()
    email = normalise_email(getattr(user, "email", ""))
    links = GuestBasket.objects.filter(email=email).delete()[0] if email else 0
    erased = mine.update(
        user=None,
        email="",
        key=Concat(Value("erased:"), Cast("pk", CharField())),
        context={},
        trigger="erased",  # a trigger may name the person's basket, order or dates
        subject="",
        voucher_code="",
    )
    return {"Message": erased, "SurveyResponse": responses, "GuestBasket": links}
