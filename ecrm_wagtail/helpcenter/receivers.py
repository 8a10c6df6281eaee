"""Keep the passage index in step with Wagtail's publishing (connected in ``ready()``)."""

from __future__ import annotations

from django.apps import apps
from django.db.models.signals import post_delete, post_save, pre_delete
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
    if apps.is_installed("wagtail.contrib.search_promotions"):
        from wagtail.contrib.search_promotions.models import Query, SearchPromotion

        from ecrm_wagtail.helpcenter.search import forget_promotions

        # the search page reads promotions from the cache; any change clears it
        for model in (SearchPromotion, Query):
            post_save.connect(forget_promotions, sender=model, dispatch_uid=f"ecrm_help_{model}")
            post_delete.connect(
                forget_promotions, sender=model, dispatch_uid=f"ecrm_help_{model}_del"
            )
