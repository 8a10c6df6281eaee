"""URLs of the demo shop. The order matters; docs/oscar-wagtail.md explains each choice.

- /admin/      Django admin
- /cms/        Wagtail admin (its own login at /cms/login/)
- /documents/  Wagtail documents
- /            the Wagtail home page (editors own it), styled with Oscar's layout
- Oscar:       /catalogue/, /basket/, /checkout/, /accounts/, /search/, /dashboard/, ...
- everything else: Wagtail pages (help center at /help/), as the last, catch-all pattern

What shoppers see (the shop, django-ecrm's pages and fragment endpoints, Wagtail pages) is
in i18n_patterns: English without a prefix, Persian under /fa/, Thai under /th/. A page
under /fa/ links to and fetches its fragments (loyalty badge, recommendations) from /fa/...,
so they answer in the page's language too (LocaleMiddleware serves unprefixed URLs in
English, whatever the language cookie says).
"""

from django.apps import apps
from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail import views as wagtail_views
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("cms/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
]
urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
# In every language: the default one has no prefix, Persian and Thai are under /fa/ and /th/.
urlpatterns += i18n_patterns(
    path("", include("ecrm_oscar.urls")),
    # django-ecrm's support cases in Oscar's dashboard (before Oscar's own URLs)
    path("dashboard/support/", apps.get_app_config("ecrm_support_dashboard").urls),
    # Oscar names "/" 'home' and redirects it to the catalogue; the demo lets Wagtail's
    # home page answer instead, under the same name so Oscar's templates keep linking to it.
    path("", wagtail_views.serve, {"path": ""}, name="home"),
    path("", include(apps.get_app_config("oscar").urls[0])),
    # Wagtail pages last (pages of other locales, e.g. the Persian help center, at /fa/...)
    path("", include(wagtail_urls)),
    prefix_default_language=False,
)

# Error pages: Oscar's, in the storefront layout, also for Wagtail's 404s.
handler404 = "oscar.views.handler404"
handler500 = "oscar.views.handler500"
