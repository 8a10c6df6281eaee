"""URLs of the demo shop. The order matters; docs/oscar-wagtail.md explains each choice.

- /admin/      Django admin
- /cms/        Wagtail admin (its own login at /cms/login/)
- /documents/  Wagtail documents
- /            the Wagtail home page (editors own it), styled with Oscar's layout
- Oscar:       /catalogue/, /basket/, /checkout/, /accounts/, /search/, /dashboard/, ...
- everything else: Wagtail pages (help center at /help/), as the last, catch-all pattern
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
    path("", include("ecrm_oscar.urls")),
    # django-ecrm's support cases in Oscar's dashboard (before Oscar's own URLs)
    path("dashboard/support/", apps.get_app_config("ecrm_support_dashboard").urls),
    # Oscar names "/" 'home' and redirects it to the catalogue; the demo lets Wagtail's
    # home page answer instead, under the same name so Oscar's templates keep linking to it.
    path("", wagtail_views.serve, {"path": ""}, name="home"),
    path("", include(apps.get_app_config("oscar").urls[0])),
]
urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
# Wagtail pages last; with i18n_patterns, pages of other locales (the Persian and Thai help
# centers) are under /fa/ and /th/, the default language has no prefix.
urlpatterns += i18n_patterns(path("", include(wagtail_urls)), prefix_default_language=False)

# Error pages: Oscar's, in the storefront layout, also for Wagtail's 404s.
handler404 = "oscar.views.handler404"
handler500 = "oscar.views.handler500"
