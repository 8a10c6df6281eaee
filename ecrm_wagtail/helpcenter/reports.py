"""Editor reports of the help center (Wagtail admin → Reports → Help center)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, F, Q, Sum
from django.utils import timezone

from ecrm_wagtail.helpcenter.models import (
    HelpArticleViews,
    HelpContactSession,
    HelpFeedback,
    HelpSearchLog,
)


def count_view(article) -> None:
    """Add one view to today's counter of ``article`` (one UPDATE, an INSERT once a day)."""
    today = timezone.localdate()
    try:
        if HelpArticleViews.objects.filter(article=article, date=today).update(
            views=F("views") + 1
        ):
            return
        with transaction.atomic():
            HelpArticleViews.objects.create(article=article, date=today, views=1)
    except IntegrityError:  # created by a parallel request meanwhile
        HelpArticleViews.objects.filter(article=article, date=today).update(views=F("views") + 1)


@dataclass
class Deflection:
    sessions: int
    cases: int

    @property
    def rate(self) -> float | None:
        return None if not self.sessions else (self.sessions - self.cases) / self.sessions


def help_report(days: int = 30, limit: int = 20) -> dict:
    """Every figure of the report for the last ``days`` days."""
    since = timezone.now() - timedelta(days=days)
    searches = HelpSearchLog.objects.filter(created_at__gte=since)
    top = list(
        searches.values("query")
        .annotate(searches=Count("id"), avg_results=Avg("results"))
        .order_by("-searches", "query")[:limit]
    )
    zero = list(
        searches.filter(results=0)
        .values("query")
        .annotate(searches=Count("id"))
        .order_by("-searches", "query")[:limit]
    )
    votes = HelpFeedback.objects.filter(updated_at__gte=since)
    not_helpful = list(
        votes.values("article_id", "article__title")
        .annotate(
            no=Count("id", filter=Q(helpful=False)),
            yes=Count("id", filter=Q(helpful=True)),
        )
        .filter(no__gt=0)
        .order_by("-no", "yes", "article__title")[:limit]
    )
    reasons = dict(
        votes.filter(helpful=False)
        .exclude(reason="")
        .values_list("reason")
        .annotate(n=Count("id"))
        .order_by()
    )
    sessions = HelpContactSession.objects.filter(created_at__gte=since)
    deflection = Deflection(
        sessions=sessions.count(), cases=sessions.exclude(case_number="").count()
    )
    views = list(
        HelpArticleViews.objects.filter(date__gte=since.date())
        .values("article_id", "article__title")
        .annotate(views=Sum("views"))
        .order_by("-views", "article__title")[:limit]
    )
    return {
        "days": days,
        "top_searches": top,
        "zero_result_searches": zero,
        "not_helpful": not_helpful,
        "reasons": reasons,
        "deflection": deflection,
        "views": views,
        "searches_total": searches.count(),
    }
