"""Slice 3: "was this helpful?" votes, one per visitor, and ballot-stuffing limits."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client, override_settings

from ecrm_wagtail.helpcenter.feedback import VOTER_COOKIE
from ecrm_wagtail.helpcenter.models import HelpFeedback

pytestmark = pytest.mark.django_db


def _vote(client, article, helpful="yes", **extra):
    return client.post(
        article.url + "feedback/", {"helpful": helpful, **extra}, HTTP_ACCEPT="application/json"
    )


def test_one_vote_per_visitor_changes_instead_of_adding(client, help_tree):
    response = _vote(client, help_tree.tracking)
    assert response.status_code == 200 and response.json()["ok"] is True
    assert VOTER_COOKIE in response.cookies
    response = _vote(client, help_tree.tracking, "no", reason="outdated", comment="<b>old</b>")
    assert response.status_code == 200
    vote = HelpFeedback.objects.get()
    assert (vote.helpful, vote.reason, vote.comment) == (False, "outdated", "<b>old</b>")
    # the article now says thanks, and the comment is never shown as markup anywhere
    html = client.get(help_tree.tracking.url).content.decode()
    assert "Thank you for your feedback." in html and "<b>old</b>" not in html


def test_plain_form_post_redirects_back(client, help_tree):
    response = client.post(help_tree.tracking.url + "feedback/", {"helpful": "yes"})
    assert response.status_code == 302 and response["Location"].endswith("#ecrm-feedback")
    assert HelpFeedback.objects.count() == 1


def test_logged_in_user_is_one_voter_across_devices(help_tree):
    user = get_user_model().objects.create_user("v", "v@example.com", "pw")
    for _ in range(2):
        device = Client()
        device.force_login(user)
        _vote(device, help_tree.tracking)
    assert HelpFeedback.objects.get().user == user


def test_tracking_visitor_id_is_used_when_present(rf, help_tree):
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.sessions.backends.db import SessionStore

    from ecrm_wagtail.helpcenter import feedback

    request = rf.post("/")
    request.user, request.session = AnonymousUser(), SessionStore()
    request.ecrm_visitor_id = "3f2a"
    assert feedback.voter_for(request).key == "visitor:3f2a"
    feedback.vote(request, help_tree.tracking, helpful=True)
    feedback.vote(request, help_tree.tracking, helpful=False)
    assert HelpFeedback.objects.get().voter == "visitor:3f2a"


@override_settings(ECRM_HELP_VOTES_PER_IP=3)
def test_clearing_cookies_does_not_stuff_the_ballot(help_tree):
    statuses = [_vote(Client(), help_tree.tracking).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    assert HelpFeedback.objects.count() == 3
    # other articles and other addresses still count
    assert _vote(Client(), help_tree.refunds).status_code == 200
    assert _vote(Client(REMOTE_ADDR="10.0.0.9"), help_tree.tracking).status_code == 200


def test_forged_cookie_is_a_new_visitor(help_tree):
    client = Client()
    client.cookies[VOTER_COOKIE] = "forged-value"
    assert _vote(client, help_tree.tracking).status_code == 200
    assert HelpFeedback.objects.get().voter.startswith("cookie:")
    assert "forged" not in HelpFeedback.objects.get().voter


@pytest.mark.parametrize(
    "data",
    [{"helpful": "maybe"}, {}, {"helpful": "no", "comment": "x" * 5000}],
)
def test_bad_votes_are_refused(client, help_tree, data):
    response = client.post(help_tree.tracking.url + "feedback/", data)
    assert response.status_code == 400
    assert HelpFeedback.objects.count() == 0


def test_get_is_not_a_vote(client, help_tree):
    assert client.get(help_tree.tracking.url + "feedback/").status_code == 405


def test_cannot_vote_on_logged_in_only_article_anonymously(client, help_tree):
    response = _vote(client, help_tree.members)
    assert response.status_code == 302 and HelpFeedback.objects.count() == 0


def test_unknown_reason_is_a_form_error(client, help_tree):
    response = _vote(client, help_tree.tracking, "no", reason="<script>")
    assert response.status_code == 400 and "reason" in response.json()["errors"]
    assert HelpFeedback.objects.count() == 0
