"""Browser fixtures: the app served on a free loopback port, driven by Debian's chromium through
Playwright. Without /usr/bin/chromium the browser tests skip with a loud reason, except under CI,
where they fail."""
import os
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("PARTICIPATIE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TILE_PNG = (Path(__file__).resolve().parents[2] / "static/vendor/leaflet/images/marker-shadow.png").read_bytes()


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        message = f"BROWSER TESTS SKIPPED: {CHROMIUM} is missing (install Debian's chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message.replace("SKIPPED", "CANNOT RUN UNDER CI"))
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class LiveServer:
    """The app served by werkzeug in a thread; `url(path)` gives an absolute address."""

    def __init__(self, app):
        self.app = app
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.base_url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    def stop(self):
        self._server.shutdown()
        self._thread.join()


@pytest.fixture
def live_app(make_app):
    """The app behind the live server: CSRF on, as in production."""
    return make_app(WTF_CSRF_ENABLED=True)


@pytest.fixture
def live_server(live_app):
    server = LiveServer(live_app)
    yield server
    server.stop()


@pytest.fixture
def context(browser):
    context = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900})
    yield context
    context.close()


@pytest.fixture
def page(context):
    """A page that fails the test on any uncaught script error or CSP violation."""
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on(
        "console",
        lambda msg: problems.append(f"console: {msg.text}")
        if msg.type == "error" and "Content Security Policy" in msg.text
        else None,
    )
    yield page
    assert not problems, problems


def screenshot(page, name: str) -> Path:
    """Keep a screenshot as a test artefact under test-artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def answer_tiles(app, page) -> None:
    """Tiles of every configured base map answered locally: no network in tests."""
    for key in ("TILE_URL", "TILE_URL_GREY", "TILE_URL_AERIAL"):
        host = urlsplit(app.config.get(key) or "").netloc
        if host:
            page.route(f"https://{host}/**", lambda route: route.fulfill(body=TILE_PNG, content_type="image/png"))


@pytest.fixture
def demo_app(live_app):
    """The live app with the demo data loaded."""
    with live_app.app_context():
        from participatie import demo

        demo.load()
    return live_app
