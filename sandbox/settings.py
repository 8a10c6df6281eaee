"""Settings of the demo shop: django-oscar + Wagtail + django-ecrm.

Everything a deployment changes comes from environment variables (see README's
configuration table); defaults give a laptop demo: SQLite, tasks run inline, Wagtail's
database search, local-memory cache. How Oscar and Wagtail share one project is explained
in docs/oscar-wagtail.md.
"""

from pathlib import Path

from celery.schedules import crontab
from django.urls import reverse_lazy
from oscar import INSTALLED_APPS as OSCAR_APPS
from oscar.defaults import *  # Oscar's OSCAR_* defaults; ours follow

from ecrm_oscar.automation.dashboard.navigation import AUTOMATION_NAVIGATION
from ecrm_oscar.automation.schedule import BEAT_SCHEDULE as AUTOMATION_BEAT_SCHEDULE
from ecrm_oscar.dashboard import navigation as ecrm_dashboard_navigation
from ecrm_oscar.loyalty.dashboard.navigation import LOYALTY_NAVIGATION
from ecrm_oscar.loyalty.schedule import BEAT_SCHEDULE as LOYALTY_BEAT_SCHEDULE
from ecrm_oscar.recommendations.dashboard import navigation as recommendations_navigation
from ecrm_oscar.recommendations.schedule import BEAT_SCHEDULE as RECOMMENDATIONS_BEAT_SCHEDULE
from sandbox.env import (
    broker_from_url,
    cache_from_url,
    database_from_url,
    env_bool,
    env_list,
    env_str,
    search_backend_from_url,
)

BASE_DIR = Path(__file__).resolve().parent
REPO_DIR = BASE_DIR.parent

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        from sandbox.env import ConfigError

        raise ConfigError("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "demo-only-insecure-key-set-SECRET_KEY-in-production"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])

INSTALLED_APPS = [
    *OSCAR_APPS,
    # Wagtail (its apps after Oscar's; see docs/oscar-wagtail.md)
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    # help center: /help/search/ routes and editor-promoted search results
    "wagtail.contrib.routable_page",
    "wagtail.contrib.search_promotions",
    # help center in English, Persian and Thai: Wagtail locales and translations
    "wagtail.locales",
    "wagtail.contrib.simple_translation",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    # Oscar's default thumbnailer (OSCAR_THUMBNAILER) for product images
    "sorl.thumbnail",
    # django-ecrm
    "ecrm_oscar.core",
    "ecrm_oscar.tracking",
    "ecrm_oscar.recommendations",
    "ecrm_oscar.recommendations.dashboard",
    "ecrm_oscar.customers",
    "ecrm_oscar.dashboard",
    "ecrm_oscar.loyalty",
    "ecrm_oscar.loyalty.dashboard",
    "ecrm_wagtail.helpcenter",
    "ecrm_wagtail.blocks",
    "ecrm_oscar.support",
    "ecrm_oscar.support.dashboard",
    "ecrm_oscar.privacy",
    "ecrm_oscar.automation",
    "ecrm_oscar.automation.dashboard",
    # the demo shop's own pages and loader
    "sandbox.demo",
]

SITE_ID = 1

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # django-ecrm: the visitor cookie and the request's events (docs/tracking.md).
    "ecrm_oscar.tracking.middleware.VisitorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Oscar: needs the session and the user, so after both.
    "oscar.apps.basket.middleware.BasketMiddleware",
    "django.contrib.flatpages.middleware.FlatpageFallbackMiddleware",
    # Wagtail: redirects only act on a 404, so last.
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "sandbox.urls"
WSGI_APPLICATION = "sandbox.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.media",
                "django.template.context_processors.static",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "oscar.apps.search.context_processors.search_form",
                "oscar.apps.checkout.context_processors.checkout",
                "oscar.apps.communication.notifications.context_processors.notifications",
                "oscar.core.context_processors.metadata",
            ],
        },
    }
]

DATABASES = {"default": database_from_url(env_str("DATABASE_URL"), REPO_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
CACHES = {"default": cache_from_url(env_str("CACHE_URL"))}

AUTHENTICATION_BACKENDS = (
    "oscar.apps.customer.auth_backends.EmailBackend",
    "django.contrib.auth.backends.ModelBackend",
)
LOGIN_REDIRECT_URL = "/accounts/"

LANGUAGE_CODE = "en-gb"
LANGUAGES = [("en-gb", "English"), ("fa", "فارسی"), ("th", "ไทย")]
TIME_ZONE = env_str("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT") or REPO_DIR / "var" / "static")
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or REPO_DIR / "var" / "media")

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "shop@example.com")

# --- Oscar -------------------------------------------------------------------------
OSCAR_SHOP_NAME = "Online Retail Gifts"
OSCAR_SHOP_TAGLINE = "django-ecrm demo shop"
OSCAR_DEFAULT_CURRENCY = "GBP"
OSCAR_HOMEPAGE = reverse_lazy("catalogue:index")
OSCAR_INITIAL_ORDER_STATUS = "Pending"
OSCAR_INITIAL_LINE_STATUS = "Pending"
OSCAR_ORDER_STATUS_PIPELINE = {
    "Pending": ("Being processed", "Cancelled"),
    "Being processed": ("Shipped", "Cancelled"),
    "Shipped": ("Complete",),
    "Complete": (),
    "Cancelled": (),
}
OSCAR_LINE_STATUS_PIPELINE = OSCAR_ORDER_STATUS_PIPELINE
OSCAR_ALLOW_ANON_CHECKOUT = True
# The dashboard's "eCRM" menu: customers (360° view) and segments (docs/dashboard.md).
OSCAR_DASHBOARD_NAVIGATION = [
    *OSCAR_DASHBOARD_NAVIGATION,
    {  # eCRM: customers, segments and the recommendations' pages
        **ecrm_dashboard_navigation.ECRM_NAVIGATION,
        "children": [
            *ecrm_dashboard_navigation.ECRM_NAVIGATION["children"],
            *recommendations_navigation.CHILDREN,
        ],
    },
    LOYALTY_NAVIGATION,  # the "Loyalty" menu (docs/loyalty.md, "Dashboard")
]
# Oscar's product search and its category/catalogue browse pages use haystack; Whoosh is
# a file index that needs no server (Solr or Elasticsearch for a large catalogue). It is
# kept current on product saves. Wagtail's search is separate (wagtail.search).
HAYSTACK_CONNECTIONS = {
    "default": {
        "ENGINE": "haystack.backends.whoosh_backend.WhooshEngine",
        "PATH": str(Path(env_str("HAYSTACK_WHOOSH_PATH") or REPO_DIR / "var" / "whoosh_index")),
        "INCLUDE_SPELLING": True,
    }
}
HAYSTACK_SIGNAL_PROCESSOR = "haystack.signals.RealtimeSignalProcessor"
# Whoosh cannot facet; with Solr or Elasticsearch keep Oscar's default facets instead.
OSCAR_SEARCH_FACETS = {"fields": {}, "queries": {}}
THUMBNAIL_DEBUG = False

# django-ecrm's support cases in the dashboard menu (docs/support.md)
OSCAR_DASHBOARD_NAVIGATION = [
    *OSCAR_DASHBOARD_NAVIGATION,
    {
        "label": "Support cases",
        "icon": "fas fa-life-ring",
        "url_name": "ecrm_support_dashboard:ecrm-support-case-list",
    },
]

# django-ecrm's marketing automation menu (docs/automation.md)
OSCAR_DASHBOARD_NAVIGATION = [*OSCAR_DASHBOARD_NAVIGATION, AUTOMATION_NAVIGATION]

# --- Wagtail -----------------------------------------------------------------------
WAGTAIL_SITE_NAME = OSCAR_SHOP_NAME
WAGTAILADMIN_BASE_URL = env_str("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": search_backend_from_url(env_str("ECRM_SEARCH_URL"))}
# Pages per language (the help center in English, Persian and Thai); pages of other
# languages are served under /fa/... and /th/... (sandbox/urls.py, i18n_patterns).
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES

# --- Celery (the project owns the Celery app: sandbox/celery.py) ----------------------
CELERY_BROKER_URL = broker_from_url(env_str("CELERY_BROKER_URL"))
# No broker configured: run tasks inline, in the request, like a small shop would.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "ecrm")
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND") or None
CELERY_TIMEZONE = TIME_ZONE
# Periodic tasks, run by `celery -A sandbox beat` (docs/tracking.md#retention,
# docs/customers.md#how-profiles-are-computed, docs/loyalty.md).
CELERY_BEAT_SCHEDULE = {
    # each capability app exports its own schedule where it has one (loyalty)
    **LOYALTY_BEAT_SCHEDULE,
    **AUTOMATION_BEAT_SCHEDULE,  # scans and due sends (docs/automation.md)
    **RECOMMENDATIONS_BEAT_SCHEDULE,
    # Purge or anonymise events older than ECRM_TRACKING_RETENTION_DAYS, nightly.
    "ecrm-tracking-purge": {
        "task": "ecrm.tracking.purge",
        "schedule": crontab(hour=3, minute=17),
    },
    # Recency moves every day without an order: rebuild profiles and segments nightly.
    "ecrm-customers-rebuild-profiles": {
        "task": "ecrm.customers.rebuild_profiles",
        "schedule": crontab(hour=3, minute=30),
    },
}

# --- django-ecrm (docs/settings.md) ---------------------------------------------------
# "all" (the default), "consent" (the demo shows its consent banner) or "off".
ECRM_TRACKING_MODE = env_str("ECRM_TRACKING_MODE", "all")
# The demo's orders are from 2010-2011: measure recency and CLV from the newest order,
# not from today, or every demo customer would be "lost" (docs/customers.md).
ECRM_RFM_REFERENCE = env_str("ECRM_RFM_REFERENCE", "latest_order")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "ecrm": {"handlers": ["console"], "level": env_str("ECRM_LOG_LEVEL", "INFO")},
    },
}
