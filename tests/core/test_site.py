"""The static gallery's HTML, checked without a browser (tests/browser drives Chromium).

Pages are parsed with the standard library's html.parser, never with the code under test:
what a user typed must come back as text, alt text must never be a file name, every link must
be relative and point at a file in the folder, and the theme's colours must meet WCAG AA.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, replace
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import jinja2
import pytest

from gallery_app.core.export.site import (
    SiteAlbum,
    SiteImage,
    SiteInfo,
    build_site,
    default_templates_dir,
)

HOSTILE = "<script>alert(1)</script>"
URL_ATTRS = {"href", "src"}
EXPECTED_ASSETS = ["assets/gallery.css", "assets/gallery.js"]


# --- a parsed page --------------------------------------------------------------------------


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""


class Page(HTMLParser):
    """Every element with its attributes and the text inside it, in document order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self.texts: list[str] = []
        self.open_stack: list[Element] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.elements.append(element)
        if tag not in {"img", "source", "meta", "link", "br", "input", "path"}:
            self.open_stack.append(element)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.open_stack) - 1, -1, -1):
            if self.open_stack[i].tag == tag:
                del self.open_stack[i:]
                break

    def handle_data(self, data: str) -> None:
        self.texts.append(data)
        for element in self.open_stack:
            element.text += data

    def all(self, tag: str) -> list[Element]:
        return [e for e in self.elements if e.tag == tag]

    def with_class(self, cls: str) -> list[Element]:
        return [e for e in self.elements if cls in e.attrs.get("class", "").split()]


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def page_urls(page: Page) -> list[str]:
    urls = [e.attrs[a] for e in page.elements for a in URL_ATTRS if a in e.attrs]
    urls += [e.attrs["data-download"] for e in page.elements if "data-download" in e.attrs]
    for element in page.elements:
        for candidate in element.attrs.get("srcset", "").split(","):
            if candidate.strip():
                urls.append(candidate.strip().split()[0])
    return urls


# --- building sites over placeholder files ---------------------------------------------------


def make_image(
    out_dir: Path,
    n: int,
    *,
    formats: tuple[str, ...] = ("avif", "webp", "jpeg"),
    widths: tuple[int, ...] = (480, 960, 1600),
    size: tuple[int, int] = (1600, 1067),
    stem: str | None = None,
    **text: str | None,
) -> SiteImage:
    """A SiteImage whose files exist (their bytes do not matter without a browser)."""
    stem = stem or f"IMG_{4000 + n}"
    ext = {"avif": "avif", "webp": "webp", "jpeg": "jpg"}
    sources: dict[str, list[tuple[str, int]]] = {}
    for fmt in formats:
        for w in widths:
            rel = f"images/{stem}-{w}.{ext[fmt]}"
            (out_dir / rel).parent.mkdir(parents=True, exist_ok=True)
            (out_dir / rel).write_bytes(b"x" * 10)
            sources.setdefault(fmt, []).append((rel, w))
    jpegs = sources.get("jpeg", [])
    return SiteImage(
        photo_id=n,
        slug=stem.lower(),
        width=size[0],
        height=size[1],
        sources=sources,
        fallback=jpegs[len(jpegs) // 2][0] if jpegs else f"images/{stem}-960.jpg",
        download=jpegs[-1][0] if jpegs else None,
        alt=text.get("alt", f"Photo number {n} described."),
        caption=text.get("caption", f"Caption {n}."),
        title=text.get("title"),
        credit=text.get("credit", "Jo Photographer"),
        copyright=text.get("copyright", "© 2026 Example"),
    )


INFO = SiteInfo(
    title="Open Data Summit 2026",
    date="2026-05-14",
    venue="Town Hall",
    credit="Jo Photographer",
    copyright="© 2026 Example",
)


def three_albums(out_dir: Path) -> list[SiteAlbum]:
    return [
        SiteAlbum("talks", "Talks", "Main hall.", [make_image(out_dir, i) for i in (1, 2)]),
        SiteAlbum("workshops", "Workshops", None, [make_image(out_dir, i) for i in (3, 4, 5)]),
        SiteAlbum("empty", "Nothing yet", None, []),
    ]


def pages_of(out_dir: Path, written: list[str]) -> list[Path]:
    return [out_dir / rel for rel in written if rel.endswith(".html")]


# --- tests ----------------------------------------------------------------------------------


def test_default_templates_ship_with_the_app() -> None:
    folder = default_templates_dir()
    for name in ("base.html.j2", "index.html.j2", "album.html.j2", "gallery.css", "gallery.js"):
        assert (folder / name).is_file(), name


def test_one_album_makes_index_the_album_and_returns_what_it_wrote(tmp_path: Path) -> None:
    album = SiteAlbum("all", "All photos", None, [make_image(tmp_path, 1)])
    written = build_site(tmp_path, INFO, [album])
    assert sorted(written) == sorted([*EXPECTED_ASSETS, "index.html"])
    page = parse(tmp_path / "index.html")
    assert len(page.with_class("tile__link")) == 1
    assert not (tmp_path / "albums").exists()


def test_several_albums_get_an_index_and_a_page_each(tmp_path: Path) -> None:
    written = build_site(tmp_path, INFO, three_albums(tmp_path))
    assert sorted(written) == sorted(
        [
            *EXPECTED_ASSETS,
            "index.html",
            "albums/talks.html",
            "albums/workshops.html",
            "albums/empty.html",
        ]
    )
    index = parse(tmp_path / "index.html")
    cards = [e.attrs["href"] for e in index.with_class("album-card__link")]
    assert cards == ["albums/talks.html", "albums/workshops.html", "albums/empty.html"]
    assert "This album has no photos." in (tmp_path / "albums" / "empty.html").read_text()


def test_everything_the_user_typed_is_escaped(tmp_path: Path) -> None:
    image = make_image(
        tmp_path,
        1,
        caption=HOSTILE,
        alt='He said "hi" & <b>left</b>',
        title="Tom's <i>talk</i>",
        credit="A & B <c>",
        copyright='"©" <script>',
    )
    info = replace(INFO, title=f"</title>{HOSTILE}", venue="<b>Hall</b>", credit="<u>x</u>")
    albums = [
        SiteAlbum("a", f"Album {HOSTILE}", '<img src=x onerror="alert(1)">', [image]),
        SiteAlbum("b", "B", None, [make_image(tmp_path, 2)]),
    ]
    written = build_site(tmp_path, info, albums)
    for path in pages_of(tmp_path, written):
        raw = path.read_text(encoding="utf-8")
        page = parse(path)
        tags = {e.tag for e in page.elements}
        assert not tags & {"b", "i", "u", "c"}, path
        assert all(e.attrs.get("src", "").endswith("gallery.js") for e in page.all("script"))
        assert not any(k.startswith("on") for e in page.elements for k in e.attrs), path
        assert "<script>alert" not in raw
        assert "&lt;script&gt;" in raw
        assert f"</title>{HOSTILE}" in "".join(page.texts)  # shown as text, in full
    album = parse(tmp_path / "albums" / "a.html")
    assert album.all("img")[0].attrs["alt"] == 'He said "hi" & <b>left</b>'
    assert album.with_class("tile__text")[0].text == HOSTILE
    assert album.with_class("tile__title")[0].text == "Tom's <i>talk</i>"
    assert album.with_class("tile__credit")[0].text == "Photo: A & B <c>"
    assert album.with_class("tile__link")[0].attrs["data-copyright"] == '"©" <script>'
    assert '<img src=x onerror="alert(1)">' in album.with_class("intro__desc")[0].text


def test_a_missing_alt_text_is_empty_and_never_a_file_name(tmp_path: Path) -> None:
    images = [
        make_image(tmp_path, 1, alt=None, title=None, stem="DSC_0042"),
        make_image(tmp_path, 2, alt=None, title="Hallway track", stem="DSC_0043"),
        make_image(tmp_path, 3, alt="", stem="DSC_0044"),
    ]
    build_site(tmp_path, INFO, [SiteAlbum("all", "All", None, images)])
    page = parse(tmp_path / "index.html")
    assert [img.attrs["alt"] for img in page.all("img")] == ["", "", ""]
    links = page.with_class("tile__link")
    # The link still has a name for screen readers: the title, else its position.
    assert [link.attrs.get("aria-label") for link in links] == [
        "Photo 1 of 3",
        "Hallway track",
        "Photo 3 of 3",
    ]
    named = [
        v for e in page.elements for k, v in e.attrs.items() if k in ("alt", "aria-label", "title")
    ]
    assert not any("DSC" in v or ".jpg" in v or "images/" in v for v in named)


def test_responsive_picture_markup_reserves_space(tmp_path: Path) -> None:
    images = [
        make_image(tmp_path, 1),
        make_image(tmp_path, 2, formats=("webp", "jpeg"), size=(1067, 1600)),
        make_image(tmp_path, 3, formats=("jpeg",)),
    ]
    build_site(tmp_path, INFO, [SiteAlbum("all", "All", None, images)])
    html = (tmp_path / "index.html").read_text(encoding="utf-8")
    pictures = re.findall(r"<picture>.*?</picture>", html, flags=re.S)
    assert len(pictures) == 3
    source_types = [re.findall(r'<source type="([^"]+)"', p) for p in pictures]
    assert source_types == [["image/avif", "image/webp"], ["image/webp"], []]
    page = parse(tmp_path / "index.html")
    for img, image in zip(page.all("img"), images, strict=True):
        assert img.attrs["width"] == str(image.width)
        assert img.attrs["height"] == str(image.height)
        assert img.attrs["loading"] == "lazy"
        assert img.attrs["decoding"] == "async"
        assert img.attrs["srcset"] == (
            f"images/IMG_400{image.photo_id}-480.jpg 480w, "
            f"images/IMG_400{image.photo_id}-960.jpg 960w, "
            f"images/IMG_400{image.photo_id}-1600.jpg 1600w"
        )
        assert img.attrs["src"] == image.fallback
        assert "100vw" in img.attrs["sizes"] and img.attrs["sizes"].endswith("px")
    for source in page.all("source"):
        assert source.attrs["srcset"] and source.attrs["sizes"]
    # The no-JavaScript link is the largest JPEG.
    assert page.with_class("tile__link")[0].attrs["href"] == "images/IMG_4001-1600.jpg"
    # Tiles carry their aspect ratio for the justified grid.
    assert [e.attrs["style"] for e in page.with_class("tile")] == [
        "--ar: 1.4995",
        "--ar: 0.6669",
        "--ar: 1.4995",
    ]


@pytest.mark.parametrize("albums", [1, 3])
def test_every_link_is_relative_and_points_at_a_file_in_the_folder(
    tmp_path: Path, albums: int
) -> None:
    site = tmp_path / "site"
    if albums == 1:
        odd = make_image(site, 9, stem="Zoë, 2026 #1 50%")  # needs percent-encoding
        album_list = [SiteAlbum("all", "All", None, [make_image(site, 1), odd], "all photos.zip")]
        (site / "all photos.zip").write_bytes(b"PK")
    else:
        album_list = three_albums(site)
    written = build_site(site, INFO, album_list)
    checked = 0
    for path in pages_of(site, written):
        for url in page_urls(parse(path)):
            if url.startswith("#"):
                assert url == "#main"
                continue
            parts = urlsplit(url)
            assert not parts.scheme and not parts.netloc, url
            assert not url.startswith("/"), url
            target = (path.parent / unquote(parts.path)).resolve()
            assert target.is_file(), f"{path.name}: {url} -> {target}"
            assert target.is_relative_to(site.resolve()), url
            checked += 1
    assert checked > 20


def test_nothing_in_the_output_points_anywhere_else(tmp_path: Path) -> None:
    written = build_site(tmp_path, INFO, three_albums(tmp_path))
    for rel in written:
        text = (tmp_path / rel).read_text(encoding="utf-8")
        for marker in ("http://", "https://", "//"):
            assert marker not in text, f"{rel} contains {marker!r}"
        assert "@import" not in text and "url(" not in text, rel


def test_a_url_the_user_typed_stays_text(tmp_path: Path) -> None:
    image = make_image(tmp_path, 1, caption="Slides at https://example.org/slides")
    build_site(tmp_path, INFO, [SiteAlbum("all", "All", None, [image])])
    page = parse(tmp_path / "index.html")
    assert any("https://example.org/slides" in t for t in page.texts)
    assert not any("example.org" in v for e in page.elements for v in e.attrs.values())


def test_pages_have_landmarks_one_h1_ordered_headings_and_a_skip_link(tmp_path: Path) -> None:
    written = build_site(tmp_path, replace(INFO, lang="en-GB"), three_albums(tmp_path))
    for path in pages_of(tmp_path, written):
        page = parse(path)
        tags = [e.tag for e in page.elements]
        assert page.all("html")[0].attrs["lang"] == "en-GB"
        for landmark in ("header", "main", "footer", "nav"):
            assert landmark in tags, f"{path.name} has no <{landmark}>"
        assert tags.count("h1") == 1, path.name
        levels = [int(t[1]) for t in tags if re.fullmatch(r"h[1-6]", t)]
        assert levels[0] == 1
        assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), levels
        skip = page.with_class("skip-link")[0]
        assert skip.attrs["href"] == "#main"
        assert page.all("main")[0].attrs["id"] == "main"
        assert page.all("title")[0].text.strip()
        dialogs = page.all("dialog")
        for dialog in dialogs:
            assert dialog.attrs["role"] == "dialog" and dialog.attrs["aria-modal"] == "true"
            assert dialog.attrs["aria-labelledby"]
        for button in page.all("button"):
            assert button.attrs.get("aria-label") or button.text.strip()


def test_event_date_is_shown_in_words_and_machine_readable(tmp_path: Path) -> None:
    album = [SiteAlbum("all", "All", None, [make_image(tmp_path, 1)])]
    build_site(tmp_path, INFO, album)
    page = parse(tmp_path / "index.html")
    time = page.all("time")[0]
    assert time.attrs["datetime"] == "2026-05-14" and time.text == "14 May 2026"
    build_site(tmp_path, replace(INFO, date="Spring 2026", lang="de"), album)
    page = parse(tmp_path / "index.html")
    assert not page.all("time")
    assert "Spring 2026" in page.with_class("event-meta")[0].text


def test_zip_link_offers_the_album_as_one_download(tmp_path: Path) -> None:
    (tmp_path / "zips").mkdir()
    (tmp_path / "zips" / "talks.zip").write_bytes(b"x" * 2_500_000)
    album = SiteAlbum("talks", "Talks", None, [make_image(tmp_path, 1)], zip_path="zips/talks.zip")
    build_site(tmp_path, INFO, [album])
    page = parse(tmp_path / "index.html")
    link = next(e for e in page.all("a") if e.attrs.get("href") == "zips/talks.zip")
    assert "download" in link.attrs
    assert "2.5 MB" in link.text


@pytest.mark.parametrize(
    ("slug", "path"),
    [
        ("../up", "images/a.jpg"),
        ("a/b", "images/a.jpg"),
        (".hidden", "images/a.jpg"),
        ("ok", "/etc/passwd"),
        ("ok", "https://cdn.example/a.jpg"),
        ("ok", "javascript:alert(1)"),
        ("ok", "images/../../a.jpg"),
        ("ok", "images\\a.jpg"),
    ],
)
def test_unsafe_slugs_and_paths_are_refused(tmp_path: Path, slug: str, path: str) -> None:
    image = replace(make_image(tmp_path, 1), fallback=path)
    with pytest.raises(ValueError):
        build_site(tmp_path, INFO, [SiteAlbum(slug, "A", None, [image])])
    assert not (tmp_path / "index.html").exists()


def test_duplicate_album_slugs_are_refused(tmp_path: Path) -> None:
    albums = [SiteAlbum("a", "A", None, []), SiteAlbum("A", "B", None, [])]
    with pytest.raises(ValueError, match="share"):
        build_site(tmp_path, INFO, albums)


def test_an_organisation_restyles_with_its_own_css_and_logo(tmp_path: Path) -> None:
    theme = tmp_path / "theme"
    theme.mkdir()
    (theme / "gallery.css").write_text(":root { --color-accent: #7a0019; }\n", encoding="utf-8")
    (theme / "logo.svg").write_text("<svg viewBox='0 0 1 1'></svg>", encoding="utf-8")
    out = tmp_path / "site"
    written = build_site(out, INFO, three_albums(out), templates=theme)
    assert "assets/logo.svg" in written
    assert "#7a0019" in (out / "assets" / "gallery.css").read_text(encoding="utf-8")
    # gallery.js and the HTML templates come from the defaults.
    assert (out / "assets" / "gallery.js").read_bytes() == (
        default_templates_dir() / "gallery.js"
    ).read_bytes()
    for rel, prefix in (("index.html", ""), ("albums/talks.html", "../")):
        logos = parse(out / rel).with_class("brand__logo")
        assert [(e.attrs["src"], e.attrs["alt"]) for e in logos] == [
            (f"{prefix}assets/logo.svg", "")
        ]


def test_a_rebuild_writes_only_what_changed_and_leaves_no_temporary_files(
    tmp_path: Path,
) -> None:
    albums = three_albums(tmp_path)
    first = build_site(tmp_path, INFO, albums)
    stamps = {rel: (tmp_path / rel).stat().st_mtime_ns for rel in first}
    second = build_site(tmp_path, INFO, albums)
    assert second == first
    assert {rel: (tmp_path / rel).stat().st_mtime_ns for rel in first} == stamps
    albums[0] = replace(albums[0], title="Keynotes")
    build_site(tmp_path, INFO, albums)
    assert "Keynotes" in (tmp_path / "albums" / "talks.html").read_text(encoding="utf-8")
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]


# --- colour contrast (WCAG 2.2 AA) ------------------------------------------------------------

TEXT = 4.5
NON_TEXT = 3.0
PAIRS = [
    ("--color-text", "--color-bg", TEXT),
    ("--color-text", "--color-surface", TEXT),
    ("--color-muted", "--color-bg", TEXT),
    ("--color-muted", "--color-surface", TEXT),
    ("--color-accent", "--color-bg", TEXT),
    ("--color-accent", "--color-surface", TEXT),
    ("--color-accent-strong", "--color-bg", TEXT),
    ("--color-accent-strong", "--color-surface", TEXT),
    ("--color-on-accent", "--color-accent", TEXT),
    ("--color-on-accent", "--color-accent-strong", TEXT),
    ("--color-focus", "--color-bg", NON_TEXT),
    ("--color-focus", "--color-surface", NON_TEXT),
    ("--color-lb-text", "--color-lb-bg", TEXT),
    ("--color-lb-muted", "--color-lb-bg", TEXT),
    ("--color-lb-text", "--color-lb-control", TEXT),
    ("--color-lb-focus", "--color-lb-control", TEXT),
    ("--color-lb-focus", "--color-lb-bg", NON_TEXT),
    ("--color-lb-control", "--color-lb-bg", 1.0),  # decorative face; its icon is checked above
]


def _channel(c: int) -> float:
    s = c / 255
    return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4


def relative_luminance(hex_colour: str) -> float:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast(a: str, b: str) -> float:
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def theme_colours(css: str) -> dict[str, str]:
    root = re.search(r":root\s*\{(.*?)\}", css, flags=re.S)
    assert root, "gallery.css has no :root block"
    body = re.sub(r"/\*.*?\*/", "", root.group(1), flags=re.S)
    return dict(re.findall(r"(--color-[\w-]+)\s*:\s*(#[0-9a-fA-F]{6})\s*;", body))


def test_contrast_formula_matches_known_values() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


def test_theme_colours_meet_wcag_aa() -> None:
    css = (default_templates_dir() / "gallery.css").read_text(encoding="utf-8")
    colours = theme_colours(css)
    failures = []
    for fg, bg, minimum in PAIRS:
        ratio = contrast(colours[fg], colours[bg])
        if ratio < minimum:
            failures.append(f"{fg} {colours[fg]} on {bg} {colours[bg]}: {ratio:.2f} < {minimum}")
    assert not failures, "\n".join(failures)


def test_every_colour_comes_from_the_theme_block() -> None:
    """So the pairs checked above are all the colours there are (and a restyle is one place)."""
    css = (default_templates_dir() / "gallery.css").read_text(encoding="utf-8")
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    rest = re.sub(r":root\s*\{.*?\}", "", css, count=1, flags=re.S)
    assert not re.findall(r"#[0-9a-fA-F]{3,8}\b", rest)
    assert not re.findall(r"\b(?:rgb|rgba|hsl|hsla|oklch)\(", rest)
    declared = set(re.findall(r"(--color-[\w-]+)\s*:", css))
    used = set(re.findall(r"var\((--color-[\w-]+)\)", css))
    assert used <= declared, used - declared
    assert declared == set(theme_colours(css)), "write every theme colour as #rrggbb"


def test_focus_ring_and_reduced_motion_are_in_the_theme() -> None:
    css = (default_templates_dir() / "gallery.css").read_text(encoding="utf-8")
    ring = re.search(r":focus-visible\s*\{([^}]*)\}", css)
    assert ring and re.search(r"outline:\s*([2-9]|\d{2,})px solid var\(--color-focus\)", ring[1])
    motion = css.split("@media (prefers-reduced-motion: no-preference)", 1)
    assert len(motion) == 2
    before = motion[0]
    assert "animation:" not in before and "transition:" not in before


def test_albums_that_disappear_lose_their_pages(tmp_path: Path) -> None:
    build_site(tmp_path, INFO, three_albums(tmp_path))
    keep = three_albums(tmp_path)[:2]
    assert "albums/empty.html" not in build_site(tmp_path, INFO, keep)
    assert sorted(p.name for p in (tmp_path / "albums").iterdir()) == [
        "talks.html",
        "workshops.html",
    ]
    build_site(tmp_path, INFO, keep[:1])  # one album: index.html is the album
    assert not (tmp_path / "albums").exists()


def test_a_broken_template_leaves_the_previous_site_untouched(tmp_path: Path) -> None:
    site = tmp_path / "site"
    albums = three_albums(site)
    build_site(site, INFO, albums)
    before = {p: p.read_bytes() for p in site.rglob("*.html")}
    theme = tmp_path / "theme"
    theme.mkdir()
    (theme / "album.html.j2").write_text("{{ no_such_variable }}", encoding="utf-8")
    (theme / "gallery.css").write_text(":root {}", encoding="utf-8")
    with pytest.raises(jinja2.UndefinedError):
        build_site(site, replace(INFO, title="Changed"), albums, templates=theme)
    assert {p: p.read_bytes() for p in site.rglob("*.html")} == before
    assert "--color-bg" in (site / "assets" / "gallery.css").read_text(encoding="utf-8")
