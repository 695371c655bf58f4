"""The site in a real browser (Debian's Chromium through Playwright): archive → issue → downloads → article; live reload.

Screenshots go to a session folder (printed; set PUBLISH_SCREENSHOTS=DIR to keep them) to be looked at.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from helpers import REPO
from publish.cli import cli

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
EPUB_WRITER = REPO / "publish/products/ebook/book.py"

from playwright import sync_api as playwright_api  # noqa: E402 - a test dependency, never skipped
if not CHROMIUM.exists():  # scripts/setup.sh installs it; never download a browser
    pytest.fail("/usr/bin/chromium is missing — run scripts/setup.sh", pytrace=False)


@pytest.fixture(scope="session")
def browser():
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def shots(tmp_path_factory) -> Path:
    folder = Path(os.environ.get("PUBLISH_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def demo_site(demo_copy, tmp_path_factory) -> Path:
    """The demo paper built with the fast formats (the EPUB once its writer exists) and the site."""
    root = tmp_path_factory.mktemp("browser") / "paper"
    shutil.copytree(demo_copy, root, ignore=shutil.ignore_patterns("dist"))
    formats = "epub,text,site" if EPUB_WRITER.exists() else "text,site"
    result = CliRunner().invoke(cli, ["--root", str(root), "build", "--all", "--format", formats],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return root / "dist"


@pytest.fixture(scope="session")
def http_site(demo_site):
    """dist/ on a plain static web server, as a host would serve it."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(demo_site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def watch_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    # a request the page's own navigation cancels (ERR_ABORTED) is no error
    page.on("requestfailed", lambda request: errors.append(f"failed: {request.url} {request.failure}")
            if "ERR_ABORTED" not in (request.failure or "") else None)
    page.on("response", lambda response: errors.append(f"{response.status}: {response.url}")
            if response.status >= 400 else None)
    return errors


def pictures_loaded(page) -> list[tuple[str, int]]:
    return page.eval_on_selector_all("img", "imgs => imgs.map(i => [i.getAttribute('src'), i.naturalWidth])")


def test_archive_issue_downloads_and_article(browser, http_site, demo_site, shots):
    context = browser.new_context(accept_downloads=True, viewport={"width": 1200, "height": 900})
    page = context.new_page()
    errors = watch_errors(page)
    page.goto(http_site + "/index.html")
    assert page.title().endswith("back issues")
    assert page.locator("section.year h2").first.inner_text() == "2020"
    page.screenshot(path=str(shots / "archive.png"), full_page=True)

    page.click("a[href='1112/index.html']")
    assert page.url.endswith("/1112/index.html") and "Issue 1112" in page.title()
    page.wait_for_load_state("load")
    assert all(width > 0 for _, width in pictures_loaded(page))
    links = page.locator("section#download a")
    names = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert "the-socialist-1112.txt" in names
    if EPUB_WRITER.exists():
        assert "the-socialist-1112.epub" in names
    for name in names:
        with page.expect_download() as info:
            page.click(f"section#download a[href='{name}']")
        saved = Path(info.value.path())
        assert saved.read_bytes() == (demo_site / "1112" / name).read_bytes(), name
        if name.endswith(".epub"):
            with zipfile.ZipFile(saved) as epub:
                first = epub.infolist()[0]
                assert first.filename == "mimetype" and epub.read(first) == b"application/epub+zip"
                assert epub.testzip() is None
    page.screenshot(path=str(shots / "issue.png"), full_page=True)

    page.click("section.contents a[href='billionaires.html']")
    assert page.locator("h1").inner_text() == "Better for billionaires, worse for workers"
    page.wait_for_load_state("load")
    loaded = pictures_loaded(page)
    assert loaded and all(width > 0 for _, width in loaded), loaded
    assert "images/billionaires.jpg" in [src for src, _ in loaded]
    page.screenshot(path=str(shots / "article.png"), full_page=True)
    page.click("a[rel='next']")
    assert page.url.endswith("/1112/ballot.html")
    page.go_back()

    page.set_viewport_size({"width": 375, "height": 812})  # a phone
    page.evaluate("window.scrollTo(0, 0)")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # nothing wider than the screen
    page.screenshot(path=str(shots / "article-phone.png"), full_page=False)
    page.emulate_media(media="print")  # "Text / Print": the article alone
    assert not page.locator("nav.site-nav").is_visible() and not page.locator("nav.pager").is_visible()
    assert page.locator("article h1").is_visible()
    page.screenshot(path=str(shots / "article-print.png"), full_page=False)
    assert errors == []
    context.close()
    print(f"\nscreenshots in {shots}")


def test_site_works_from_the_file_system_without_javascript(browser, demo_site, shots):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1000, "height": 800})
    page = context.new_page()
    errors = watch_errors(page)
    page.goto((demo_site / "index.html").as_uri())
    page.click("a[href='1113/index.html']")
    page.click("section.contents a >> nth=0")
    assert page.url.startswith("file://") and page.locator("article h1").count() == 1
    page.wait_for_load_state("load")
    assert all(width > 0 for _, width in pictures_loaded(page))
    page.click("nav.article-keywords a >> nth=0")
    assert "/keywords/" in page.url and page.locator("ul.listing li").count() >= 1
    page.click("ul.listing a >> nth=0")
    assert page.locator("article").count() == 1
    page.screenshot(path=str(shots / "file-article.png"))
    assert errors == []
    context.close()


def test_serve_reloads_the_page_in_the_browser(browser, pub):
    from test_serve import Served

    served = Served(pub, "1112", "--port", "0", "--format", "text")
    try:
        served.wait_for("built text")
        page = browser.new_page()
        errors = watch_errors(page)
        page.goto(served.url + "/1112/strike.html")
        assert page.locator("h1").inner_text() == "Bin workers strike"
        page.wait_for_timeout(300)  # the event stream connects
        source = pub / "issues/1112/01-strike.md"
        source.write_text(source.read_text().replace("Bin workers strike", "Bin workers win"))
        page.wait_for_function("document.querySelector('h1').textContent === 'Bin workers win'", timeout=20000)
        assert [e for e in errors if "__publish/events" not in e] == []
        page.close()
    finally:
        assert served.stop() == 0
