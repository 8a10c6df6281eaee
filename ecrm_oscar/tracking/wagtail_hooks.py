"""Wagtail page views: ``page_viewed``, or ``help_article_viewed`` for help articles.

An ``on_serve_page`` hook registered late (``order=100``), so it sits inside Wagtail's
own: Wagtail (8) checks page privacy restrictions (login, password, groups) in
an ``on_serve_page`` hook, so a ``before_serve_page`` hook would record pages the
visitor was only shown a login form for. A view is recorded when the page answers 200.
Wagtail discovers this module itself; without Wagtail it is never imported.
"""

from __future__ import annotations

from wagtail import hooks

from ecrm_oscar.core.receivers import safe_receiver
from ecrm_oscar.tracking import receivers


def _page_served(sender, **kwargs):
    receivers.on_page_served(sender, **kwargs)  # looked up per call, like connect() does


_safe_page_served = safe_receiver(_page_served, atomic=False)


@hooks.register("on_serve_page", order=100)
def record_page_views(serve):
    def serve_and_record(page, request, serve_args, serve_kwargs):
        response = serve(page, request, serve_args, serve_kwargs)
        if getattr(response, "status_code", None) == 200:
            _safe_page_served(page, request=request)
        return response

    return serve_and_record
