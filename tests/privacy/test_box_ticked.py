"""One reading of consent boxes for the registration and checkout forms."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from ecrm_oscar.privacy.services import box_ticked

FIELD = "ecrm_marketing_consent"


@pytest.mark.parametrize(("value", "expected"), [("on", True), ("1", True), (" Yes ", True)])
def test_a_ticked_box_is_read_whatever_value_the_template_gives_it(value, expected):
    assert box_ticked(RequestFactory().post("/", {FIELD: value}), FIELD) is expected


@pytest.mark.parametrize("data", [{}, {FIELD: ""}, {FIELD: "off"}, {"other": "on"}])
def test_an_unticked_or_absent_box_is_no_consent(data):
    assert box_ticked(RequestFactory().post("/", data), FIELD) is False


def test_only_a_post_can_carry_consent():
    assert box_ticked(RequestFactory().get("/", {FIELD: "on"}), FIELD) is False
    assert box_ticked(None, FIELD) is False
