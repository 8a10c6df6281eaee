"""django-ecrm settings: every ``ECRM_*`` setting, its default and why.

Values are read at call time (``conf.get("ECRM_X")`` or ``conf.settings.ECRM_X``), so
``override_settings`` in tests and per-environment settings work without restarts.
Owner-facing switches that change at run time live in the database, not here.
The list is documented in docs/settings.md; a test keeps the two in step.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings as django_settings

DEFAULTS: dict[str, Any] = {
    # Log (and swallow) exceptions in receivers on Oscar's paths. Tests of the plugin
    # itself may turn this off to see failures; a shop must never do so in production.
    "ECRM_SAFE_RECEIVERS": True,
    # Name of the Celery queue the plugin's tasks are sent to (None: Celery's default).
    "ECRM_CELERY_QUEUE": None,
    # Retry policy of the plugin's background tasks (exponential backoff, in seconds).
    "ECRM_TASK_MAX_RETRIES": 5,
    "ECRM_TASK_RETRY_BACKOFF_MAX": 600,
    # --- owner console (docs/console.md) ----------------------------------------------
    # Seconds a process keeps the site's capability switches before asking the shared cache
    # again (a save clears the saving process at once, the others within this delay).
    "ECRM_SWITCHES_LOCAL_SECONDS": 5,
    # Longest KPI period the overview computes, in days (longer ranges are clamped).
    "ECRM_KPI_MAX_DAYS": 3660,
    # What erasing a customer does with their Oscar product reviews: "anonymise" keeps the
    # score and the text (their names and email scrubbed from it) without the author;
    # "delete" removes the reviews. Product ratings are recomputed either way.
    "ECRM_ERASURE_REVIEWS": "anonymise",
    # --- tracking (docs/tracking.md) ----------------------------------------------------
    # "all": record every visitor (Do-Not-Track, Global Privacy Control and bots excepted);
    # "consent": only visitors who accepted the consent banner; "off": record nothing.
    "ECRM_TRACKING_MODE": "all",
    # Regular expressions (case-insensitive, searched in the User-Agent) of clients that
    # are never tracked; None uses ecrm_oscar.tracking.gate.DEFAULT_BOT_PATTERNS.
    "ECRM_TRACKING_BOT_PATTERNS": None,
    # Largest JSON payload stored on one event, in bytes (keys are dropped beyond it).
    "ECRM_TRACKING_PAYLOAD_MAX_BYTES": 2048,
    # PostgreSQL only: False commits event-only transactions with synchronous_commit=off
    # (a crash may lose the last fraction of a second of events, never an order).
    "ECRM_TRACKING_SYNCHRONOUS_COMMIT": False,
    # Events older than this many days are purged or anonymised (None: kept for ever).
    "ECRM_TRACKING_RETENTION_DAYS": 395,
    # "anonymise" keeps old events for aggregate statistics without user, visitor, session
    # or order; "purge" deletes them.
    "ECRM_TRACKING_RETENTION_MODE": "anonymise",
    # Rows per statement (and transaction) of the retention run and of erasure.
    "ECRM_TRACKING_BATCH_SIZE": 5000,
    # The signed first-party visitor cookie (the consent cookie shares domain, path,
    # Secure and SameSite). SECURE None follows SESSION_COOKIE_SECURE.
    "ECRM_VISITOR_COOKIE_NAME": "ecrm_vid",
    "ECRM_VISITOR_COOKIE_AGE": 365 * 24 * 3600,
    "ECRM_VISITOR_COOKIE_DOMAIN": None,
    "ECRM_VISITOR_COOKIE_PATH": "/",
    "ECRM_VISITOR_COOKIE_SECURE": None,
    "ECRM_VISITOR_COOKIE_SAMESITE": "Lax",
    # The visitor's answer to the consent banner ("granted" / "denied").
    "ECRM_CONSENT_COOKIE_NAME": "ecrm_consent",
    "ECRM_CONSENT_COOKIE_AGE": 182 * 24 * 3600,
    # The beacon (POST /ecrm/t/): body limit, events per request, and rate limits as
    # (requests, seconds) per visitor and per client IP address.
    "ECRM_BEACON_MAX_BYTES": 8192,
    "ECRM_BEACON_MAX_EVENTS": 20,
    "ECRM_BEACON_RATE_LIMIT": (60, 60),
    "ECRM_BEACON_IP_RATE_LIMIT": (600, 60),
    # Where ``ecrm_load_demo --full`` looks for the complete UCI Online Retail CSV.
    "ECRM_DEMO_FULL_DATA": None,
    # --- recommendations (docs/recommendations.md) ---
    # Products kept per stored list (also-bought, personal, trending).
    "ECRM_RECOMMENDATION_LIST_SIZE": 20,
    # Item-item neighbours kept per product.
    "ECRM_RECOMMENDATION_NEIGHBOURS": 20,
    # An order this many orders older than the customer's last counts half.
    "ECRM_RECOMMENDATION_HALF_LIFE_ORDERS": 4.0,
    # A purchase this many days older than the newest order counts half in "trending".
    "ECRM_RECOMMENDATION_TREND_HALF_LIFE_DAYS": 14.0,
    # Blend weights of "recommended for you" (neighbours weigh 1).
    "ECRM_RECOMMENDATION_OWN_WEIGHT": 5.0,
    "ECRM_RECOMMENDATION_TREND_WEIGHT": 1.0,
    # Weight of "sequels": what customers bought for the first time in the orders after
    # the same items.
    "ECRM_RECOMMENDATION_SEQUEL_WEIGHT": 1.0,
    # Weight and size of implicit's ALS factors in the blend (needs the ``als`` extra).
    "ECRM_RECOMMENDATION_ALS_WEIGHT": 1.5,
    "ECRM_RECOMMENDATION_ALS_FACTORS": 64,
    # Whether "recommended for you" may list items the customer already bought.
    "ECRM_RECOMMENDATION_INCLUDE_PURCHASED": True,
    # Seconds a placement's list (products already checked buyable) is cached; every
    # entry is retired at once on owner settings, catalogue or stock changes and training.
    # 0: read the database on every request.
    "ECRM_RECOMMENDATION_CACHE_SECONDS": 300,
    # A product shown to a shopper this many times (impressions) and never clicked moves
    # to the end of their lists (0: no demotion); impressions older than
    # ECRM_RECOMMENDATION_FEEDBACK_DAYS are forgotten.
    "ECRM_RECOMMENDATION_DEMOTE_AFTER": 3,
    "ECRM_RECOMMENDATION_FEEDBACK_DAYS": 30,
    # An order containing a clicked product, by the same customer or visitor, within this
    # many days after the click counts as that recommendation's (dashboard analytics).
    "ECRM_RECOMMENDATION_ATTRIBUTION_DAYS": 7,
    # Refresh the customer's list and the ordered products' also-bought lists after each
    # order (a Celery task, after the commit), between full retrains.
    "ECRM_RECOMMENDATION_UPDATE_ON_ORDER": True,
    # --- customers: profiles, RFM, CLV and segments (docs/customers.md) ---
    # Reference time for recency and CLV: "now", or "latest_order" (the newest order in
    # the shop, for historical data such as the demo's).
    "ECRM_RFM_REFERENCE": "now",
    # "quantiles": breakpoints are the 20/40/60/80 % quantiles of the customers (fitted by
    # the full rebuild); "thresholds": the fixed ECRM_RFM_THRESHOLDS below.
    "ECRM_RFM_SCORING": "quantiles",
    "ECRM_RFM_THRESHOLDS": {
        "recency": (30, 90, 180, 365),
        "frequency": (1, 2, 4, 8),
        "monetary": (100, 250, 500, 1000),
    },
    # Ordered (first match wins) score ranges of the seven RFM segments; None: the default
    # table of ecrm_oscar.customers.rfm.DEFAULT_SEGMENTS.
    "ECRM_RFM_SEGMENTS": None,
    "ECRM_CLV_HORIZON_DAYS": 365,
    "ECRM_CLV_LIFETIME_DAYS": 730,
    # Orders in these statuses do not count towards profiles and order-based rules.
    "ECRM_PROFILE_EXCLUDED_ORDER_STATUSES": ("Cancelled",),
    "ECRM_SEGMENTS_CACHE_SECONDS": 300,
    # Event-triggered membership updates wait this long (seconds) and run once per
    # customer or visitor for everything that happened meanwhile (0: at once).
    "ECRM_SEGMENTS_REFRESH_DELAY": 60,
    # --- Wagtail blocks (docs/blocks.md) ---
    # A visitor is "returning" when seen (or registered) more than this long ago.
    "ECRM_BLOCKS_VISIT_GAP_MINUTES": 30,
    # --- help center (ecrm_wagtail.helpcenter) and support cases (ecrm_oscar.support) ---
    # Votes ("was this helpful?") one network address may cast on one article per day;
    # more are refused (ballot stuffing by clearing cookies).
    "ECRM_HELP_VOTES_PER_IP": 3,
    # Support cases the contact form accepts from one address (or account) per hour.
    "ECRM_SUPPORT_CASES_PER_HOUR": 5,
    # Address new support cases are announced to (None: no staff email, only the dashboard).
    "ECRM_SUPPORT_EMAIL": None,
    # --- marketing automation (docs/automation.md) ---
    # Whether automation may act at all (scans, sends). The single switch every decision
    # goes through is ecrm_oscar.automation.services.automation_enabled().
    "ECRM_AUTOMATION_ENABLED": True,
    # At most one marketing email per shopper in this many hours, across all flows
    # (0: no cap). Messages over the cap are postponed, not dropped.
    "ECRM_AUTOMATION_FREQUENCY_CAP_HOURS": 16,
    # (start hour, end hour) in the shop's TIME_ZONE when no marketing email is sent;
    # messages due then are postponed to the end hour. None: no quiet hours.
    "ECRM_AUTOMATION_QUIET_HOURS": (21, 8),
    # An order placed this many days after a click in a message is attributed to it.
    "ECRM_AUTOMATION_ATTRIBUTION_DAYS": 5,
    # Signed links in emails (unsubscribe, preferences, clicks, survey, basket) stop
    # working after this many days.
    "ECRM_AUTOMATION_LINK_MAX_AGE_DAYS": 60,
    # Hosts besides the shop's own that click redirects may lead to (e.g. a blog).
    "ECRM_AUTOMATION_ALLOWED_REDIRECT_HOSTS": (),
    # Absolute base of links in emails ("https://shop.example.com"); None: the current
    # Site's domain, https unless DEBUG.
    "ECRM_AUTOMATION_BASE_URL": None,
    # Rows per batch of the time-based scans (a constant number of queries per batch).
    "ECRM_AUTOMATION_SCAN_BATCH_SIZE": 2000,
    # Baskets untouched for longer than this are not reminded about any more.
    "ECRM_AUTOMATION_BASKET_MAX_AGE_DAYS": 7,
    # Browse abandonment: product views within the window (hours) that make a trigger.
    "ECRM_AUTOMATION_BROWSE_MIN_VIEWS": 3,
    "ECRM_AUTOMATION_BROWSE_WINDOW_HOURS": 24,
    # The order status that means "delivered": reaching it sends the post-purchase survey.
    "ECRM_AUTOMATION_SURVEY_ORDER_STATUS": "Complete",
    # Messages claimed for sending but not finished after this many minutes (a worker
    # died mid-send) are marked failed, never sent again.
    "ECRM_AUTOMATION_STALE_SENDING_MINUTES": 60,
    # Messages per send task: a batch is claimed, checked and marked with a constant
    # number of queries and sent through one connection to the mail server.
    "ECRM_AUTOMATION_SEND_BATCH_SIZE": 100,
}


def get(name: str) -> Any:
    """Return the project's value for ``name``, else the documented default."""
    if name not in DEFAULTS:
        raise AttributeError(f"{name} is not a django-ecrm setting (see docs/settings.md)")
    return getattr(django_settings, name, DEFAULTS[name])


class _LazySettings:
    """``conf.settings.ECRM_X``: attribute access to :func:`get`, read at call time."""

    def __getattr__(self, name: str) -> Any:
        return get(name)


settings = _LazySettings()
