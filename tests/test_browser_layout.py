"""The handbook as staff see it: a first-time visitor's console, the layout on a ward computer
(1280 px) and on a phone (390 px), the front page's cards, and screenshots of the main pages.

Screenshots are test artefacts: they go to $HANDBOOK_SCREENSHOTS if set, else to a temporary
folder, and are copied to docs/_build/screenshots/ (ignored by git, never committed).

Like tests/test_browser.py, this module uses the strictly built site (or HANDBOOK_SITE_DIR).
Each page is loaded with wait_until="load" and only measured, so the module stays within the
browser tests' time budget (see the axe note in test_browser.py).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import Recorder, chromium

ROOT = Path(__file__).resolve().parents[1]
PHONE, DESKTOP = 390, 1280
SHOTS = {
    "front": "index.html",
    "chapter": "protocol/modality.html",
    "checklists": "checklists/index.html",
    "rules": "reference/rules.html",
}
# Every page is a first visit: no stored colour mode, as in a fresh browser.
FIRST_VISIT = "try { localStorage.clear(); sessionStorage.clear(); } catch (e) {}"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium("the layout") as launched:
        yield launched


def _context(browser, width: int, scheme: str = "light"):
    context = browser.new_context(color_scheme=scheme, viewport={"width": width, "height": 900},
                                  is_mobile=width == PHONE, has_touch=width == PHONE)
    context.add_init_script(FIRST_VISIT)
    context.set_default_timeout(15_000)
    return context


@pytest.fixture(scope="module")
def shots_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get("HANDBOOK_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_first_visitor_sees_no_console_errors(browser, base_url: str, pages: list[str],
                                              scheme: str) -> None:
    """No stored mode (a fresh browser): no console error, no uncaught exception, on any page.
    The theme logged "Got invalid theme mode" when no default mode was configured."""
    context = _context(browser, DESKTOP, scheme)
    problems: list[str] = []
    page = context.new_page()
    recorder = Recorder(origin=base_url.rstrip("/"))
    recorder.attach(page)
    for path in pages:
        page.goto(base_url + path, wait_until="load")
        mode = page.evaluate("document.documentElement.dataset.theme")
        if mode != scheme:
            problems.append(f"{path}: theme {mode!r} for a visitor whose system is {scheme}")
    # Requests are test_browser.py's business (a page left mid-load aborts its favicon request).
    problems += [p for p in recorder.problems if p.startswith(("console error", "uncaught"))]
    context.close()
    assert not problems, "first visit:\n" + "\n".join(problems)


_OVERFLOW = """() => {
    const article = document.querySelector('.bd-article');
    const limit = article ? article.getBoundingClientRect().right + 1 : innerWidth;
    const wide = [...document.querySelectorAll('.bd-article table')]
        .filter(t => t.getBoundingClientRect().right > limit)
        .map(t => t.className || 'table');
    return {scroll: document.documentElement.scrollWidth, width: innerWidth, wide: wide};
}"""


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
def test_no_page_scrolls_sideways_and_tables_fit(browser, base_url: str, pages: list[str],
                                                 width: int) -> None:
    context = _context(browser, width)
    page = context.new_page()
    problems = []
    for path in pages:
        page.goto(base_url + path, wait_until="load")
        found = page.evaluate(_OVERFLOW)
        if found["scroll"] > found["width"]:
            problems.append(f"{path}: scrolls sideways ({found['scroll']} > {found['width']} px)")
        if found["wide"]:
            problems.append(f"{path}: tables wider than their column: {found['wide']}")
    context.close()
    assert not problems, f"at {width} px:\n" + "\n".join(problems)


def test_checklists_are_stacked_cards_on_a_phone(browser, base_url: str) -> None:
    context = _context(browser, PHONE)
    page = context.new_page()
    page.goto(base_url + SHOTS["checklists"], wait_until="load")
    state = page.evaluate("""() => {
        const t = document.querySelector('table.checklist-table');
        const row = t.querySelector('tbody tr');
        return {row: getComputedStyle(row).display, head: getComputedStyle(t.querySelector('thead')).display,
                force: getComputedStyle(row.children[2], '::before').content,
                cards: document.querySelectorAll('table.checklist-table tbody tr').length};
    }""")
    context.close()
    assert state["row"] == "block" and state["head"] == "none", state
    assert "Force" in state["force"], state
    assert state["cards"] > 50, state


def test_front_page_cards_look_and_act_like_links(browser, base_url: str) -> None:
    context = _context(browser, DESKTOP)
    page = context.new_page()
    page.goto(base_url + "index.html", wait_until="load")
    cards = page.locator(".handbook-link-card")
    assert cards.count() >= 5
    looks = page.evaluate("""() => [...document.querySelectorAll('.handbook-link-card')].map(c => {
        const a = c.querySelector('a[href]'), title = c.querySelector('.sd-card-title');
        return {href: a && a.getAttribute('href'), cursor: a && getComputedStyle(a).cursor,
                underline: getComputedStyle(title).textDecorationLine,
                arrow: getComputedStyle(title, '::after').content};
    })""")
    assert all(c["href"] and c["cursor"] == "pointer" for c in looks), looks
    assert all("underline" in c["underline"] and "\u2192" in c["arrow"] for c in looks), looks
    assert any(c["href"].startswith("at-a-glance") for c in looks), looks
    style = "c => { const s = getComputedStyle(c); return [s.borderColor, s.transform]; }"
    before = cards.first.evaluate(style)
    cards.first.hover()
    page.wait_for_timeout(300)
    after = cards.first.evaluate(style)
    cards.first.click()
    page.wait_for_load_state()
    landed = page.url
    context.close()
    assert before != after, "a card does not respond to the pointer"
    assert landed.endswith("at-a-glance.html"), landed


def test_front_page_title_leaves_room_on_a_phone(browser, base_url: str) -> None:
    context = _context(browser, PHONE)
    page = context.new_page()
    page.goto(base_url + "index.html", wait_until="load")
    top = page.evaluate("document.querySelector('.handbook-link-card').getBoundingClientRect().top")
    context.close()
    assert top < 900, f"the first card starts {top:.0f} px down: below the first screen"


def test_screenshots_at_desktop_and_phone_widths(browser, base_url: str, shots_dir: Path) -> None:
    written = []
    for width in (DESKTOP, PHONE):
        context = _context(browser, width)
        page = context.new_page()
        for name, path in SHOTS.items():
            page.goto(base_url + path, wait_until="load")
            target = shots_dir / f"{name}-{width}.png"
            page.screenshot(path=str(target), full_page=False)
            written.append(target)
        context.close()
    assert all(p.stat().st_size > 5_000 for p in written), written
    copy = ROOT / "docs" / "_build" / "screenshots"
    copy.mkdir(parents=True, exist_ok=True)
    for shot in written:
        shutil.copy2(shot, copy / shot.name)


def test_chapter_second_layer_is_closed_on_screen_and_printed(browser, base_url: str) -> None:
    context = _context(browser, DESKTOP)
    page = context.new_page()
    page.goto(base_url + SHOTS["chapter"], wait_until="load")
    layers = page.locator("details.rec-layer")
    count = layers.count()
    closed = page.evaluate("[...document.querySelectorAll('details.rec-layer')].every(d => !d.open)")
    page.emulate_media(media="print")
    hidden = [i for i in range(count)
              if not layers.nth(i).locator(":scope > :not(summary)").first.is_visible()]
    context.close()
    assert count >= 5 and closed, f"{count} dropdowns, all closed on screen: {closed}"
    assert not hidden, f"second layer hidden in print: dropdowns {hidden}"
