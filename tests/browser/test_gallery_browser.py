"""The static gallery in a real browser: headless Chromium driven by Playwright.

What only a browser can tell: that every image actually decodes from the srcset it picks, that
the page asks for nothing outside its own folder, that the lightbox works by keyboard (Tab,
Enter, arrows, Escape, focus kept and restored) and by swipe, that a caption with ``<script>``
stays text, and that the page fits a 320 px screen. Screenshots go to ``GALLERY_SCREENSHOTS``
(default ``test-output/screenshots``) for a person to look at.

Chromium is Debian's (``/usr/bin/chromium``, installed by ``.ci/run``); Playwright only drives
it. Without them the tests skip locally but fail when ``CI`` is set.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.gallery_fixture import PHOTOS, SCRIPT_CAPTION, build_demo_site

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One single-album site (index is the album) and one with three albums."""
    single = tmp_path_factory.mktemp("single")
    multi = tmp_path_factory.mktemp("multi")
    build_demo_site(single)
    build_demo_site(multi, albums=3, images_from=single)
    return {"single": single, "multi": multi}


def _active(page: Any) -> dict[str, Any]:
    result: dict[str, Any] = page.evaluate(
        """() => {
            const el = document.activeElement;
            const links = Array.from(document.querySelectorAll('.tile__link'));
            return {
                tag: el.tagName, cls: el.className || '',
                thumb: links.indexOf(el),
                inDialog: !!el.closest('dialog'),
            };
        }"""
    )
    return result


def _tab_to_first_thumbnail(page: Any) -> None:
    for _ in range(10):
        page.keyboard.press("Tab")
        if _active(page)["thumb"] == 0:
            return
    raise AssertionError(f"Tab never reached the first thumbnail; focus is on {_active(page)}")


def _lightbox(page: Any) -> dict[str, Any]:
    state: dict[str, Any] = page.evaluate(
        """() => {
            const d = document.getElementById('lightbox');
            const img = d.querySelector('img');
            return {
                open: d.open,
                counter: d.querySelector('[data-counter]').textContent,
                caption: d.querySelector('[data-caption]').textContent,
                title: d.querySelector('[data-title]').textContent,
                download: d.querySelector('[data-download-link]').getAttribute('href'),
                imgComplete: img ? img.complete : null,
                natural: img ? img.naturalWidth : 0,
                shown: img ? img.getBoundingClientRect().width : 0,
                src: img ? img.currentSrc : null,
                alt: img ? img.alt : null,
            };
        }"""
    )
    return state


def _settle(page: Any) -> None:
    """Wait for the lightbox's fade-in to finish so a screenshot shows the real colours."""
    page.wait_for_function("() => document.getAnimations().every(a => a.playState !== 'running')")


def _no_horizontal_scroll(page: Any) -> None:
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"page scrolls sideways: scrollWidth {widths[0]} > {widths[1]}"


# --- tests ----------------------------------------------------------------------------------


def test_every_image_loads_from_the_folder_and_nothing_else(
    session_factory: Any, sites: dict[str, Path], shots: Path
) -> None:
    s = session_factory(sites["single"])
    page = s.open()
    images = s.load_all_images()
    assert len(images) == len(PHOTOS)
    for image in images:
        assert image["natural"] > 0, f"{image['src']} did not decode"
        # Chromium decodes AVIF, so the first <source> wins.
        assert image["src"].endswith(".avif"), image["src"]
    assert [i["alt"] for i in images] == [p[4] or "" for p in PHOTOS]
    page.screenshot(path=str(shots / "desktop-album-1280.png"), full_page=True)

    assert s.outside_requests() == []
    assert any(url.endswith("gallery.js") for url in s.requests)
    assert any(url.endswith("gallery.css") for url in s.requests)
    assert s.console_errors == []
    assert s.alerts == []


def test_index_with_albums_loads_covers_and_links_to_album_pages(
    session_factory: Any, sites: dict[str, Path], shots: Path
) -> None:
    s = session_factory(sites["multi"])
    page = s.open()
    covers = s.load_all_images()
    assert len(covers) == 3
    assert all(c["natural"] > 0 for c in covers)
    page.screenshot(path=str(shots / "desktop-index-1280.png"), full_page=True)

    page.get_by_role("link", name="Workshops & posters").click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/albums/workshops.html")
    images = s.load_all_images()
    assert len(images) == 3 and all(i["natural"] > 0 for i in images)
    assert page.locator("h1").inner_text() == "Workshops & posters"
    page.screenshot(path=str(shots / "desktop-album-page-1280.png"), full_page=True)
    page.get_by_role("link", name="All albums").click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/index.html")

    assert s.outside_requests() == []
    assert s.console_errors == []


def test_lightbox_by_keyboard(session_factory: Any, sites: dict[str, Path], shots: Path) -> None:
    s = session_factory(sites["single"])
    page = s.open()
    _tab_to_first_thumbnail(page)
    outline = page.evaluate(
        """() => { const cs = getComputedStyle(document.activeElement);
                   return [cs.outlineStyle, parseFloat(cs.outlineWidth)]; }"""
    )
    assert outline[0] != "none" and outline[1] >= 2, f"no visible focus ring: {outline}"
    page.screenshot(path=str(shots / "focus-first-thumbnail.png"))

    page.keyboard.press("Enter")
    page.wait_for_function("() => document.getElementById('lightbox').open")
    state = _lightbox(page)
    assert state["counter"] == "1 of 6"
    assert state["title"] == PHOTOS[0][2]
    assert state["caption"] == PHOTOS[0][3]
    assert state["alt"] == PHOTOS[0][4]
    assert state["download"] == "images/opening-keynote-1200.jpg"
    assert _active(page)["inDialog"], "focus was not moved into the lightbox"
    role = page.evaluate(
        """() => {
            const d = document.getElementById('lightbox');
            const label = document.getElementById(d.getAttribute('aria-labelledby'));
            return [d.getAttribute('role'), d.getAttribute('aria-modal'), label.textContent];
        }"""
    )
    assert role == ["dialog", "true", "Photo viewer"]

    page.keyboard.press("ArrowRight")
    state = _lightbox(page)
    assert state["counter"] == "2 of 6"
    assert state["caption"] == PHOTOS[1][3]
    page.wait_for_function(
        "() => { const i = document.querySelector('#lightbox img'); return i && i.complete; }"
    )
    state = _lightbox(page)
    assert state["natural"] > 0
    # The viewer fills the screen and takes a big enough candidate from the same srcset.
    assert state["shown"] > 600 and state["natural"] >= state["shown"] * 0.9, state
    _settle(page)
    page.screenshot(path=str(shots / "desktop-lightbox-1280.png"))

    # Focus trap: Tab and Shift+Tab cycle inside the dialog.
    for key in ["Tab"] * 6 + ["Shift+Tab"] * 6:
        page.keyboard.press(key)
        assert _active(page)["inDialog"], f"{key} let focus leave the lightbox"
    # Targets are at least 24 x 24 CSS px.
    sizes = page.eval_on_selector_all(
        "#lightbox button, #lightbox a[href]",
        "els => els.map(e => { const r = e.getBoundingClientRect(); return [r.width, r.height]; })",
    )
    assert sizes and all(w >= 24 and h >= 24 for w, h in sizes), sizes

    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    assert _lightbox(page)["counter"] == "6 of 6"  # wraps around
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert _lightbox(page)["counter"] == "2 of 6"

    page.keyboard.press("Escape")
    page.wait_for_function("() => !document.getElementById('lightbox').open")
    # Focus goes back to the thumbnail of the photo that was on screen.
    assert _active(page)["thumb"] == 1
    assert (
        page.evaluate("() => document.documentElement.classList.contains('has-lightbox')") is False
    )

    # Space opens too; Escape straight away returns focus to that same thumbnail.
    page.keyboard.press("Space")
    page.wait_for_function("() => document.getElementById('lightbox').open")
    assert _lightbox(page)["counter"] == "2 of 6"
    page.keyboard.press("Escape")
    page.wait_for_function("() => !document.getElementById('lightbox').open")
    assert _active(page)["thumb"] == 1

    assert s.outside_requests() == []
    assert s.console_errors == []


def test_lightbox_by_mouse_and_swipe(session_factory: Any, sites: dict[str, Path]) -> None:
    s = session_factory(sites["single"], has_touch=True)
    page = s.open()
    page.locator(".tile__link").nth(3).click()
    page.wait_for_function("() => document.getElementById('lightbox').open")
    state = _lightbox(page)
    assert state["counter"] == "4 of 6"
    assert state["alt"] == ""  # no alt text: empty, never the file name
    box = page.locator("#lightbox [data-stage]").bounding_box()
    y = box["y"] + box["height"] / 2
    # Swipe left (pointer events, as a finger would send them) moves to the next photo.
    page.mouse.move(box["x"] + box["width"] * 0.7, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.5, y, steps=5)
    page.mouse.move(box["x"] + box["width"] * 0.3, y, steps=5)
    page.mouse.up()
    assert _lightbox(page)["counter"] == "5 of 6"
    assert _lightbox(page)["open"], "a swipe must not close the viewer"
    page.get_by_role("button", name="Previous photo").click()
    assert _lightbox(page)["counter"] == "4 of 6"
    page.get_by_role("button", name="Close viewer").click()
    page.wait_for_function("() => !document.getElementById('lightbox').open")
    assert _active(page)["thumb"] == 3
    assert s.console_errors == []


def test_script_in_a_caption_is_shown_as_text(session_factory: Any, sites: dict[str, Path]) -> None:
    s = session_factory(sites["single"])
    page = s.open()
    index = next(i for i, p in enumerate(PHOTOS) if p[3] == SCRIPT_CAPTION)
    caption = page.locator(".tile__text").nth(index)
    assert caption.inner_text() == SCRIPT_CAPTION
    scripts = page.eval_on_selector_all("script", "els => els.map(e => e.getAttribute('src'))")
    assert scripts == ["assets/gallery.js"]
    page.locator(".tile__link").nth(index).click()
    page.wait_for_function("() => document.getElementById('lightbox').open")
    assert _lightbox(page)["caption"] == SCRIPT_CAPTION
    page.wait_for_timeout(200)
    assert s.alerts == []
    assert s.console_errors == []


def test_narrow_screens_never_scroll_sideways(
    session_factory: Any, sites: dict[str, Path], shots: Path
) -> None:
    s = session_factory(sites["multi"], viewport={"width": 320, "height": 640})
    page = s.open()
    s.load_all_images()
    _no_horizontal_scroll(page)
    page.screenshot(path=str(shots / "narrow-index-320.png"), full_page=True)
    page.goto((sites["multi"] / "albums" / "workshops.html").as_uri())
    _no_horizontal_scroll(page)

    m = session_factory(sites["single"], viewport={"width": 375, "height": 740}, has_touch=True)
    page = m.open()
    m.load_all_images()
    _no_horizontal_scroll(page)
    page.screenshot(path=str(shots / "mobile-album-375.png"), full_page=True)
    page.locator(".tile__link").first.click()
    page.wait_for_function("() => document.getElementById('lightbox').open")
    page.wait_for_function(
        "() => { const i = document.querySelector('#lightbox img'); return i && i.complete; }"
    )
    _no_horizontal_scroll(page)
    shown = _lightbox(page)["shown"]
    assert 300 <= shown <= 375
    _settle(page)
    page.screenshot(path=str(shots / "mobile-lightbox-375.png"))
    assert m.console_errors == [] and s.console_errors == []


def test_reduced_motion_turns_animation_off(session_factory: Any, sites: dict[str, Path]) -> None:
    s = session_factory(sites["single"], reduced_motion="reduce")
    page = s.open()
    page.locator(".tile__link").first.click()
    page.wait_for_function("() => document.getElementById('lightbox').open")
    animation = page.evaluate(
        "() => getComputedStyle(document.getElementById('lightbox')).animationName"
    )
    assert animation == "none"
    transition = page.evaluate(
        "() => getComputedStyle(document.querySelector('.tile__img')).transitionDuration"
    )
    assert transition == "0s"


def test_without_javascript_thumbnails_link_to_the_large_jpeg(
    session_factory: Any, sites: dict[str, Path]
) -> None:
    s = session_factory(sites["single"], java_script_enabled=False)
    page = s.open()
    assert page.locator("#lightbox").is_hidden()
    page.locator(".tile__link").first.click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/images/opening-keynote-1200.jpg")
    assert s.outside_requests() == []
