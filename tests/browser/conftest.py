"""Browser tests: Playwright drives Debian's chromium against pytest-django's live_server.

Only the system's chromium is used (``apt-get install chromium``; ``make browser-deps``),
never a browser downloaded by ``playwright install``. Without it the tests are skipped.

Why DJANGO_ALLOW_ASYNC_UNSAFE: Playwright's sync API runs an asyncio event loop in this
thread for as long as the browser is open (in a greenlet), so Django sees a "running event
loop" and refuses ORM calls in the test and its fixtures (including the database flush
after each transactional test) with SynchronousOnlyOperation. Nothing here is actually
async: the ORM calls and the loop never run at the same time. The variable is set only
while the browser runs and restored afterwards.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest

REPO_DIR = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = REPO_DIR / "var" / "screenshots"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    return shutil.which("chromium") or (
        "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None
    )


def pytest_collection_modifyitems(config, items):
    """Skip the browser tests (before any database is set up) without chromium."""
    if chromium_path():
        return
    skip = pytest.mark.skip(
        reason="Debian's chromium is not installed (apt-get install chromium, or "
        "make browser-deps as root); the browser tests never download a browser"
    )
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(skip)


@pytest.fixture(scope="module")
def chromium() -> Iterator:
    """A headless chromium (fresh profile) for the tests of one module."""
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    if not executable:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # see the module docstring
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=executable, headless=True, args=CHROMIUM_ARGS
            )
            try:
                yield browser
            finally:
                browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@dataclass
class BrowserPage:
    """A Playwright page on the live server that records broken responses."""

    page: object
    base_url: str
    failed: list[str] = field(default_factory=list)
    stylesheets: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)

    def goto(self, path: str):
        response = self.page.goto(self.base_url + path)
        assert response is not None and response.ok, f"GET {path}: {response and response.status}"
        return response

    def screenshot(self, name: str) -> Path:
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOT_DIR / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def assert_styled(self) -> None:
        """Oscar's CSS arrived and applies (not an unstyled page)."""
        assert not self.failed, f"requests failed: {self.failed}"
        assert any(url.endswith(".css") for url in self.stylesheets), "no stylesheet loaded"
        rules = self.page.evaluate(
            "Array.from(document.styleSheets)"
            ".reduce((n, s) => { try { return n + s.cssRules.length } catch (e) { return n } }, 0)"
        )
        assert rules > 100, f"only {rules} CSS rules applied"
        assert self.page.evaluate("typeof window.jQuery") == "function", "no jQuery"


@pytest.fixture
def browser_page(chromium, live_server) -> Iterator[BrowserPage]:
    """A fresh browser context (no cookies) per test, on the live server."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    browser_page = BrowserPage(page=page, base_url=live_server.url)

    def on_response(response):
        if response.status >= 400:
            browser_page.failed.append(f"{response.status} {response.url}")
        elif response.request.resource_type == "stylesheet":
            browser_page.stylesheets.append(response.url)

    def only_the_live_server(route):
        # Hermetic: nothing leaves the machine. Oscar's layout asks Google's CDN for
        # jQuery and falls back to its own copy in /static/ when that fails.
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            browser_page.blocked.append(route.request.url)
            route.abort()

    context.route("**/*", only_the_live_server)
    page.on("response", on_response)

    def on_request_failed(request):
        # ERR_ABORTED: cancelled because the page navigated away (a form was submitted).
        if request.url not in browser_page.blocked and "ERR_ABORTED" not in (request.failure or ""):
            browser_page.failed.append(f"{request.failure} {request.url}")

    page.on("requestfailed", on_request_failed)
    try:
        yield browser_page
    finally:
        context.close()


@dataclass
class Storefront:
    product: object
    category: object
    home: object
    help_center: object
    staff_email: str
    staff_password: str


def wagtail_root():
    """Wagtail's default locale and root page, created again if a transactional test's
    flush removed what Wagtail's migrations had made."""
    from django.conf import settings
    from wagtail.coreutils import get_supported_content_language_variant
    from wagtail.models import Locale, Page

    language = get_supported_content_language_variant(settings.LANGUAGE_CODE)
    locale, _ = Locale.objects.get_or_create(language_code=language)
    root = Page.get_first_root_node() or Page.add_root(
        instance=Page(title="Root", slug="root", locale=locale)
    )
    return locale, root


@pytest.fixture
def storefront(live_server) -> Storefront:
    """What the pages need: a category, a product in stock, the Wagtail pages, a staff user.

    Transactional tests flush the database after each test, Wagtail's root page and
    default locale included, so this builds the page tree whether or not they are there.
    """
    from django.contrib.auth import get_user_model
    from oscar.apps.catalogue.categories import create_from_breadcrumbs
    from oscar.core.loading import get_model
    from oscar.test.factories import create_product
    from wagtail.models import Site

    from ecrm_wagtail.helpcenter.models import HelpCenterPage
    from sandbox.demo.models import HomePage

    category = create_from_breadcrumbs("Camping mugs")
    product = create_product(
        title="Enamel camping mug",
        upc="ECRM-MUG-1",
        product_class="Mugs",
        price=Decimal("12.50"),
        num_in_stock=20,
    )
    get_model("catalogue", "ProductCategory").objects.create(product=product, category=category)

    locale, root = wagtail_root()
    for child in root.get_children():  # Wagtail's "Welcome to your new Wagtail site!"
        child.delete()  # its Site goes with it
    home = root.add_child(
        instance=HomePage(
            title="Gifts for every occasion",
            slug="home",
            locale=locale,
            intro="<p>The django-ecrm demo shop, served by Wagtail.</p>",
        )
    )
    help_center = home.add_child(
        instance=HelpCenterPage(
            title="Help center",
            slug="help",
            locale=locale,
            intro="<p>Answers about orders, delivery and returns.</p>",
        )
    )
    Site.objects.all().delete()
    Site.objects.create(
        hostname="localhost", port=80, root_page=home, is_default_site=True, site_name="Demo"
    )

    staff_email, staff_password = "staff@example.com", "browser-test-password"
    get_user_model().objects.create_user(
        username="staff", email=staff_email, password=staff_password, is_staff=True
    )
    return Storefront(
        product=product,
        category=category,
        home=home,
        help_center=help_center,
        staff_email=staff_email,
        staff_password=staff_password,
    )
