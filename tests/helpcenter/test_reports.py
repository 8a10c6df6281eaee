"""Slice 7: the editor reports in Wagtail's admin."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from ecrm_wagtail.helpcenter.models import HelpArticleViews
from ecrm_wagtail.helpcenter.reports import help_report

pytestmark = pytest.mark.django_db


def _vote(article, helpful, address, reason=""):
    Client(REMOTE_ADDR=address).post(
        article.url + "feedback/", {"helpful": helpful, "reason": reason}
    )


def test_report_figures(client, help_tree):
    for query in ["refund", "refund", "Refund", "gift wrap unicorn", "zzzqqq"]:
        client.get("/help/search/", {"q": query})
    client.get(help_tree.tracking.url)
    client.get(help_tree.tracking.url)
    client.get(help_tree.refunds.url)
    _vote(help_tree.refunds, "no", "10.0.0.1", "outdated")
    _vote(help_tree.refunds, "no", "10.0.0.2")
    _vote(help_tree.tracking, "no", "10.0.0.3")
    _vote(help_tree.tracking, "yes", "10.0.0.4")
    # two assistant sessions, one became a case: deflection 50 %
    visitor = Client()
    visitor.get("/help/assistant/", {"q": "refund"}, HTTP_ACCEPT="application/json")
    other = Client()
    other.get("/help/assistant/", {"q": "parcel"}, HTTP_ACCEPT="application/json")
    other.post("/help/contact/", {"subject": "s", "body": "b", "email": "a@example.com"})

    report = help_report(30)
    assert report["top_searches"][0]["query"] == "refund"
    assert report["top_searches"][0]["searches"] == 3 + 1  # the assistant's search too
    assert {r["query"] for r in report["zero_result_searches"]} >= {"zzzqqq"}
    assert [(r["article__title"], r["no"], r["yes"]) for r in report["not_helpful"]] == [
        ("When will I get my refund?", 2, 0),
        ("How do I track my parcel?", 1, 1),
    ]
    assert report["reasons"] == {"outdated": 1}
    assert (report["deflection"].sessions, report["deflection"].cases) == (2, 1)
    assert report["deflection"].rate == 0.5
    assert [(r["article__title"], r["views"]) for r in report["views"]][:2] == [
        ("How do I track my parcel?", 2),
        ("When will I get my refund?", 1),
    ]
    assert HelpArticleViews.objects.get(article=help_tree.tracking).views == 2


def test_report_page_in_wagtail_admin(client, help_tree):
    client.get("/help/search/", {"q": "<script>alert(1)</script>"})
    admin = get_user_model().objects.create_superuser("a", "a@example.com", "pw")
    client.force_login(admin)
    response = client.get("/cms/reports/help-center/", {"days": "7"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Searches with no results" in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html
    # the Reports menu entry (Wagtail renders its sidebar from JSON)
    assert re.search(r"/cms/reports/help-center/", client.get("/cms/").content.decode())


def test_report_needs_permission(client, help_tree):
    editor = get_user_model().objects.create_user("e", "e@example.com", "pw")
    from django.contrib.auth.models import Permission

    editor.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(editor)
    # Wagtail's admin turns PermissionDenied into a redirect to its dashboard with a message
    response = client.get("/cms/reports/help-center/")
    assert response.status_code == 302 and response["Location"] == "/cms/"
    editor.user_permissions.add(Permission.objects.get(codename="view_helpsearchlog"))
    editor = get_user_model().objects.get(pk=editor.pk)
    client.force_login(editor)
    assert client.get("/cms/reports/help-center/").status_code == 200
