"""Keep the passage index in step with Wagtail's publishing (connected in ``ready()``)."""

from __future__ import annotations

from django.db.models.signals import pre_delete
from wagtail.signals import page_published, page_unpublished

from ecrm_oscar.core.receivers import safe_receiver
from ecrm_oscar.core.tasks import enqueue_on_commit


@safe_receiver
def article_changed(sender, instance, **kwargs) -> None:
    from ecrm_wagtail.helpcenter import tasks

    enqueue_on_commit(tasks.index_article, instance.pk)


@safe_receiver
def article_deleted(sender, instance, **kwargs) -> None:
    from ecrm_wagtail.helpcenter import indexing

    indexing.remove_article(instance.pk)


def connect() -> None:
    from ecrm_wagtail.helpcenter.models import HelpArticlePage

    page_published.connect(article_changed, sender=HelpArticlePage, dispatch_uid="ecrm_help_pub")
    page_unpublished.connect(
        article_changed, sender=HelpArticlePage, dispatch_uid="ecrm_help_unpub"
    )
    # pre_delete on Page too: Wagtail deletes a subtree through the base Page model.
    pre_delete.connect(article_deleted, sender=HelpArticlePage, dispatch_uid="ecrm_help_del")
