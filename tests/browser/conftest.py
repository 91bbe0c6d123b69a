"""Real-browser tests: Playwright driving Debian's chromium (Playwright's own browser download
cannot work on our machines). CI installs chromium and sets TINHSO_REQUIRE_BROWSER=1, so a missing
browser fails there instead of skipping."""

import os
import shutil

import pytest

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _chromium_path() -> str | None:
    explicit = os.environ.get("TINHSO_CHROMIUM")
    if explicit:
        return explicit if os.path.exists(explicit) else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser():
    path = _chromium_path()
    if path is None:
        if os.environ.get("TINHSO_REQUIRE_BROWSER"):
            pytest.fail("TINHSO_REQUIRE_BROWSER is set but Debian chromium was not found")
        pytest.skip("Debian chromium is not installed (apt-get install chromium); CI runs these tests")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()
