"""Background work of the help center (Celery; inline when no broker is configured)."""

from __future__ import annotations

from ecrm_oscar.core.tasks import ecrm_task


@ecrm_task("ecrm.helpcenter.index_article")
def index_article(page_id: int) -> int:
    """Rebuild one article's passages after it was published or unpublished. Idempotent."""
    from ecrm_wagtail.helpcenter import indexing

    return indexing.index_article(page_id)
