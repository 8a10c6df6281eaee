"""``GET /ecrm/blocks/segment-content/?page=<id>&blocks=<id>,<id>``: the personal part.

Answers JSON ``{"blocks": {"<block id>": "<html>"}}`` with only the blocks this visitor
sees (an empty object when none), never cached by shared caches (``private, no-store``).
Only live pages the visitor may view are read; malformed parameters get a 400.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

from django.http import HttpRequest, JsonResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.functional import cached_property
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET
from wagtail.blocks import StreamValue, StructValue
from wagtail.fields import StreamField
from wagtail.models import Page

from ecrm_oscar import conf
from ecrm_oscar.customers.services import segments_for
from ecrm_wagtail.blocks.blocks import Audience, SegmentContentBlock

MAX_BLOCKS = 20
BLOCK_ID = re.compile(r"^[0-9a-fA-F-]{1,64}$")


class Visitor:
    """Who is asking, computed lazily (a page with only 'new/returning' blocks never
    reads segments, and vice versa)."""

    def __init__(self, request: HttpRequest):
        user = getattr(request, "user", None)
        self.user = user if user is not None and user.is_authenticated else None
        self.visitor_id = (getattr(request, "ecrm_visitor_id", "") or "")[:36]

    @cached_property
    def segments(self) -> frozenset[str]:
        return segments_for(self.user, self.visitor_id)

    @cached_property
    def returning(self) -> bool:
        cutoff = timezone.now() - timedelta(minutes=conf.get("ECRM_BLOCKS_VISIT_GAP_MINUTES"))
        if self.user is not None and self.user.date_joined < cutoff:
            return True
        if self.visitor_id:
            from ecrm_oscar.tracking.models import Event

            return Event.objects.filter(visitor_id=self.visitor_id, created_at__lt=cutoff).exists()
        return False

    def sees(self, value) -> bool:
        audience = value.get("audience")
        if audience == Audience.NEW:
            return not self.returning
        if audience == Audience.RETURNING:
            return self.returning
        return bool(set(value.get("segments") or ()) & self.segments)

    def greeting(self, value) -> str:
        if not value.get("greeting") or self.user is None or not self.returning:
            return ""
        text = str(escape(value.get("greeting_text") or ""))
        name = str(escape(self.user.first_name or ""))
        if not name:
            text = text.replace(", {name}", "").replace(" {name}", "")
        return mark_safe(text.replace("{name}", name))  # both parts escaped above


def _bad(message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=400)


def _walk(value) -> Iterator[tuple[str, object]]:
    """(block id, value) of every SegmentContentBlock in a stream, nested ones included."""
    if isinstance(value, StreamValue):
        for child in value:
            if isinstance(child.block, SegmentContentBlock):
                yield child.id, child.value
            else:
                yield from _walk(child.value)
    elif isinstance(value, StructValue):
        for child in value.values():
            yield from _walk(child)
    elif isinstance(value, (list, tuple)) or type(value).__name__ == "ListValue":
        for item in value:
            yield from _walk(getattr(item, "value", item))


def blocks_of(page: Page) -> dict[str, object]:
    found: dict[str, object] = {}
    for field in page._meta.get_fields():
        if isinstance(field, StreamField):
            found.update(_walk(getattr(page, field.name)))
    return found


def _private(response: JsonResponse) -> JsonResponse:
    response["Cache-Control"] = "private, no-store"
    patch_vary_headers(response, ["Cookie"])
    return response


@require_GET
def segment_content(request: HttpRequest) -> JsonResponse:
    page_id = request.GET.get("page", "")
    block_ids = [b for b in request.GET.get("blocks", "").split(",") if b]
    if not page_id.isdigit() or len(page_id) > 12:
        return _bad("page must be a page id")
    if (
        not block_ids
        or len(block_ids) > MAX_BLOCKS
        or not all(BLOCK_ID.match(b) for b in block_ids)
    ):
        return _bad(f"blocks must be 1-{MAX_BLOCKS} block ids")
    page = Page.objects.live().filter(pk=int(page_id)).first()
    if page is None:
        return _private(JsonResponse({"error": "no such page"}, status=404))
    for restriction in page.get_view_restrictions():
        if not restriction.accept_request(request):
            return _private(JsonResponse({"error": "not allowed"}, status=403))
    page = page.specific
    visitor = Visitor(request)
    available = blocks_of(page)
    shown: dict[str, str] = {}
    for block_id in block_ids:
        value = available.get(block_id)
        if value is None or not visitor.sees(value):
            continue
        shown[block_id] = render_to_string(
            "ecrm/blocks/segment_content_body.html",
            {"greeting": visitor.greeting(value), "content": value.get("content")},
            request=request,
        ).strip()
    return _private(JsonResponse({"blocks": shown}))
