"""What the browser tests share: the wizard served by ``streamlit run``, Chromium, and the few
things a test does to the page (a module of its own name, so the whole suite collects together).

The app runs in its own process; the browser is Debian's Chromium (``/usr/bin/chromium``).
Waits are on the app's own "script finished" marker and on text, never on fixed sleeps.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from wizard_fixtures import APP

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS_ROOT = Path(__file__).resolve().parent / "artifacts"
STEP_TIMEOUT_MS = 60_000
DEBOUNCE_MS = 250
OPEN_LIST_MS = 2_000
MAX_OPTIONS = 50
START_TIMEOUT_S = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Wizard:
    url: str
    home: Path


@contextmanager
def serve_wizard(root: Path, env: Mapping[str, str], artifacts: Path) -> Iterator[Wizard]:
    """``streamlit run streamlit_app/app.py`` with ``env`` (``SFSYNC_HOME`` among it) until the
    block ends; its log is kept in ``artifacts`` (the app never shows tracebacks in the page)."""
    port = free_port()
    full_env = {**os.environ, **env, "SFSYNC_UI_URL": f"http://localhost:{port}"}
    log_path = root / "streamlit.log"
    log = log_path.open("w")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(APP),
            "--server.address",
            "127.0.0.1",
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--server.fileWatcherType",
            "none",
            "--browser.gatherUsageStats",
            "false",
            "--client.showErrorDetails",
            "none",
            "--global.developmentMode",
            "false",
            "--client.toolbarMode",
            "minimal",
        ],
        cwd=root,
        env=full_env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://localhost:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{url}/_stcore/health", timeout=2).text == "ok":
                    break
            except requests.RequestException:
                pass
            assert server.poll() is None, log_path.read_text()
            time.sleep(0.2)
        else:
            raise AssertionError("the wizard did not start: " + log_path.read_text())
        yield Wizard(url, Path(full_env["SFSYNC_HOME"]))
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
        artifacts.mkdir(parents=True, exist_ok=True)
        shutil.copy(log_path, artifacts / "streamlit.log")


@contextmanager
def chromium_page(artifacts: Path, request: Any) -> Iterator[Any]:
    """A Chromium tab; a full-page ``failure.png`` in ``artifacts`` if the test failed."""
    from playwright.sync_api import sync_playwright

    if artifacts.exists():
        for old in artifacts.glob("*.png"):
            old.unlink()
    artifacts.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport={"width": 1400, "height": 1000}, accept_downloads=True
        )
        tab = context.new_page()
        tab.set_default_timeout(STEP_TIMEOUT_MS)
        try:
            yield tab
            report = getattr(request.node, "report_call", None)
            if report is not None and report.failed:
                tab.screenshot(path=str(artifacts / "failure.png"), full_page=True)
        finally:
            context.close()
            browser.close()


class Journey:
    """The few things a test does to the page, each waiting for the app to finish its run."""

    def __init__(self, page: Any, artifacts: Path) -> None:
        self.page = page
        self.artifacts = artifacts
        self.step = 0

    def settle(self) -> None:
        """Wait for the rerun an action caused to finish (Streamlit's own e2e suite waits the
        same way: a beat for debounced widgets to send their value, then the run marker)."""
        from playwright.sync_api import expect

        self.page.wait_for_timeout(DEBOUNCE_MS)
        app = self.page.get_by_test_id("stApp")
        expect(app).to_have_attribute("data-test-connection-state", "CONNECTED")
        expect(app).to_have_attribute("data-test-script-state", "notRunning")
        expect(self.page.get_by_test_id("stSkeleton")).to_have_count(0)

    def shot(self, name: str, focus: Any = None) -> None:
        """A screenshot of the step; ``focus`` (a locator) is scrolled to the middle first."""
        self.step += 1
        if focus is not None:
            focus.first.evaluate("e => e.scrollIntoView({block: 'center'})")
        self.page.screenshot(
            path=str(self.artifacts / f"{self.step:02d}-{name}.png"), full_page=True
        )

    def see(self, text: str | re.Pattern[str], within: Any = None) -> None:
        from playwright.sync_api import expect

        where = within if within is not None else self.page
        expect(where.get_by_text(text).first).to_be_visible()

    def click(self, name: str, within: Any = None) -> None:
        where = within if within is not None else self.page
        where.get_by_role("button", name=name, exact=True).click()
        self.settle()

    def navigate(self, title: str) -> None:
        self.page.get_by_test_id("stSidebarNav").get_by_role("link", name=title).click()
        self.settle()

    def section(self, title: str) -> Any:
        """The expander of a Settings section, opened."""
        expander = self.page.get_by_test_id("stExpander").filter(has_text=title).first
        details = expander.locator("details")
        if details.get_attribute("open") is None:
            expander.locator("summary").click()
            self.settle()
        return expander

    def type_into(self, label: str, text: str, within: Any = None) -> None:
        where = within if within is not None else self.page
        box = where.get_by_label(label, exact=True)
        box.fill(text)
        box.press("Tab")  # text widgets send their value when they lose focus
        self.settle()

    def choose(self, label: str, option: str, within: Any = None, nth: int = 0) -> None:
        where = within if within is not None else self.page
        box = where.get_by_role("combobox", name=label, exact=True).nth(nth)
        if box.input_value() == option:
            return
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        box.fill(option)  # typing filters the list (and usually opens it)
        choice = self.page.get_by_role("option", name=option, exact=True)
        try:
            choice.wait_for(state="visible", timeout=OPEN_LIST_MS)
            choice.click(timeout=OPEN_LIST_MS)
        except PlaywrightTimeout:
            # A list that did not open on typing, or opened off-screen at the bottom of the
            # page: walk it with the arrow keys and take the option with Enter.
            focused = self.page.locator("[role=option][data-focused=true]")
            for _ in range(MAX_OPTIONS):
                box.press("ArrowDown")
                if focused.count() and focused.inner_text().strip() == option:
                    break
            box.press("Enter")
        self.settle()

    def badge(self, label: str) -> None:
        self.see(re.compile(r"^" + re.escape(label) + r"$"))

    def sign_in(self, url: str, password: str) -> None:
        self.page.goto(url)
        self.settle()
        self.page.get_by_label("Admin password").fill(password)
        self.click("Sign in")
