"""The published site: every release side by side, a switcher that works over HTTP and from
file://, banners only on releases that are not current, and no request leaving the site.

Until a second release is published, the site is assembled from the real build (as 1.0.0) and a
copy of it standing for an older release (0.9.0, without the glossary page), which is what the
assembly and the switcher need to be proved.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from urllib.parse import urlparse

import pytest
from browser_support import chromium, serve

from protocol_checks.publish import MARK, SCRIPT, assemble
from protocol_checks.release import Release

OLD, NEW = "0.9.0", "1.0.0"


@pytest.fixture(scope="module")
def site(built_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("releases")
    older = work / "older"
    shutil.copytree(built_site, older)
    (older / "glossary.html").unlink()
    settings = {"report_interval_days": 91, "danger_window_days": 14}
    releases = [Release(version=v, date=date(2026, m, 1), status=s, review_date=date(2027, m, 1),
                        summary="A release for the site tests.", settings=settings)
                for v, m, s in ((OLD, 6, "superseded"), (NEW, 11, "consultation"))]
    out = work / "site"
    assemble(out, {OLD: older, NEW: built_site}, releases, NEW)
    return out


def test_every_page_of_every_release_loads_the_switcher(site: Path) -> None:
    assert (site / SCRIPT).is_file()
    for tree, depth in ((site, 0), (site / "v" / OLD, 2), (site / "v" / NEW, 2)):
        for page in ("index.html", "checklists/index.html"):
            text = (tree / page).read_text(encoding="utf-8")
            assert text.count(MARK) == 1
            root = "../" * (depth + page.count("/")) or "./"
            assert f'src="{root}{SCRIPT}"' in text
    assert not (site / "v" / OLD / "glossary.html").exists()


def test_assembling_leaves_each_release_as_built(site: Path, built_site: Path) -> None:
    """Apart from the one tag, a release's pages are its own build, byte for byte."""
    built = (built_site / "checklists" / "index.html").read_text(encoding="utf-8")
    published = (site / "v" / NEW / "checklists" / "index.html").read_text(encoding="utf-8")
    start = published.index(MARK)
    end = published.index("</script>", start) + len("</script>")
    assert published[:start] + published[end:] == built


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium("the published site") as launched:
        yield launched


@pytest.mark.parametrize("how", ["http", "file"])
def test_switching_releases_lands_on_the_same_page(site: Path, browser, how: str) -> None:
    with serve(site) as base:
        root = base if how == "http" else site.as_uri() + "/"
        page = browser.new_page()
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(root + f"v/{OLD}/checklists/index.html")
        banner = page.locator(".release-superseded")
        assert banner.is_visible() and NEW in banner.inner_text()
        page.locator(f'.release-switcher a[data-release="{NEW}"]').click()
        page.wait_for_load_state()
        assert page.url == root + f"v/{NEW}/checklists/index.html"
        assert page.locator(".release-superseded").count() == 0
        assert page.locator(".release-switcher [aria-current]").inner_text().startswith(NEW)
        page.goto(root + "glossary.html")  # the current release at the root
        assert page.locator(".release-superseded").count() == 0
        page.locator(f'.release-switcher a[data-release="{OLD}"]').click()
        page.wait_for_load_state()
        assert page.url == root + f"v/{OLD}/index.html"  # no glossary in 0.9.0
        page.locator(".release-superseded a").click()
        page.wait_for_load_state()
        assert page.url == root + "releases.html"
        page.close()
    own = urlparse(root)
    leaving = [u for u in requests if urlparse(u).scheme not in ("data", "blob", "about")
               and (urlparse(u).scheme, urlparse(u).netloc) != (own.scheme, own.netloc)]
    assert leaving == []
