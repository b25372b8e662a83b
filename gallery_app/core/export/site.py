"""The static gallery: HTML pages, one stylesheet and one small script around rendered images.

The site must open from disk (``file://``) and from any static host, so every link is relative
and nothing is fetched from anywhere else: no fonts, no CDN, no analytics, no third-party
script. The pages carry a Content-Security-Policy that makes the browser enforce this even on a
restyled template.

Everything a user typed (titles, captions, alt text, credits) reaches the page only through
Jinja2 with autoescape on, so a caption of ``<script>alert(1)</script>`` is shown as text.
A missing alt text becomes ``alt=""`` and is never replaced by a file name (the exporter lists
it in the export report instead); peers that use the file URL as alt text read out gibberish.

Layout of the output folder (images are wherever the renderer put them)::

    index.html              event title, date, venue and one card per album
    albums/<slug>.html      one page per album (with a single album, index.html is that album)
    assets/gallery.css      the theme; brand colours are custom properties at its top
    assets/gallery.js       the lightbox (progressive enhancement: without it, thumbnails
                            link to the large JPEG)
    assets/logo.svg|png     copied when the template folder has one

Templates, CSS and script come from ``resources/gallery/``; an organisation can pass its own
folder holding any subset of those files (the rest falls back to the defaults).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

import jinja2

from gallery_app.core.imaging import atomic_write_bytes
from gallery_app.core.resources import resources_dir

ASSETS_DIR = "assets"
ALBUMS_DIR = "albums"
STATIC_FILES = ("gallery.css", "gallery.js")
LOGO_NAMES = ("logo.svg", "logo.png")

SOURCE_TYPES: tuple[tuple[str, str], ...] = (("avif", "image/avif"), ("webp", "image/webp"))
"""``<source>`` elements in order of preference (the browser takes the first it supports);
JPEG is the ``<img>`` itself."""

ROW_HEIGHT_PX = 256
"""Target row height of the justified grid; keep in step with ``--row-height`` in gallery.css.
Used only to estimate each image's displayed width for ``sizes``."""
ROW_STRETCH = 1.5
"""A tile grows to at most this times its basis width (``--row-stretch`` in gallery.css)."""
NARROW_BREAKPOINT = "40em"
"""Below this width the grid is one column; keep in step with gallery.css."""

_SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
_EN_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@dataclass(frozen=True)
class SiteImage:
    """One photo as the gallery shows it: a responsive source set plus the words about it."""

    photo_id: int
    slug: str
    width: int
    """Displayed size of the largest rendition (after orientation); sets the aspect ratio and
    the ``width``/``height`` attributes so the layout does not jump while images load."""
    height: int
    sources: Mapping[str, list[tuple[str, int]]]
    """Format ("avif", "webp", "jpeg") -> [(path relative to the site folder, width), ...]."""
    fallback: str
    """A mid-size JPEG for ``<img src>`` (browsers without srcset)."""
    download: str | None
    """The largest JPEG, offered as a download in the lightbox; None hides the link."""
    thumb: str | None = None
    alt: str | None = None
    caption: str | None = None
    title: str | None = None
    credit: str | None = None
    copyright: str | None = None


@dataclass(frozen=True)
class SiteAlbum:
    """One page of the gallery."""

    slug: str
    title: str
    description: str | None
    images: list[SiteImage]
    zip_path: str | None = None
    """A zip of the album's images, relative to the site folder, offered as one download."""


@dataclass(frozen=True)
class SiteInfo:
    """What the index page says about the event."""

    title: str
    date: str | None
    """ISO 8601 date (shown in words for English pages) or free text."""
    venue: str | None
    credit: str | None
    copyright: str | None
    lang: str = "en"


def default_templates_dir() -> Path:
    """The templates shipped with the app, in the repository's ``resources/gallery``."""
    return resources_dir() / "gallery"


def build_site(
    out_dir: Path,
    info: SiteInfo,
    albums: list[SiteAlbum],
    *,
    templates: Path | None = None,
) -> list[str]:
    """Write the gallery's pages and assets into ``out_dir``; return their relative paths.

    The images themselves must already be in ``out_dir`` (the renderer writes them); this only
    refers to them. Each file is written atomically (temporary file, then rename), and a file
    whose content has not changed is left alone so that a re-export does not touch its mtime
    (uploads by rsync or a CMS see nothing new). Raises ValueError for an unsafe slug or path:
    those come from code, not from the user, and a wrong one would write outside the folder.
    """
    _validate(albums)
    default_dir = default_templates_dir()
    search = [templates, default_dir] if templates is not None else [default_dir]
    env = _environment(search)
    # Everything is rendered before anything is written, so a broken template leaves the
    # previous site as it was instead of half a new one.
    outputs: dict[str, bytes] = {}
    for name in STATIC_FILES:
        outputs[f"{ASSETS_DIR}/{name}"] = _first_existing(search, name).read_bytes()
    logo = next((d / n for d in search for n in LOGO_NAMES if (d / n).is_file()), None)
    logo_rel = f"{ASSETS_DIR}/{logo.name}" if logo else None
    if logo is not None and logo_rel is not None:
        outputs[logo_rel] = logo.read_bytes()

    date_iso, date_text = _date_parts(info.date, info.lang)
    common: dict[str, Any] = {
        "info": info,
        "albums": albums,
        "logo": logo_rel,
        "date_iso": date_iso,
        "date_text": date_text,
        "single": len(albums) == 1,
        "file_size": lambda path: _human_size(out_dir, path),
    }
    if len(albums) == 1:
        outputs["index.html"] = _render(
            env, "album.html.j2", root="", album=albums[0], prev=None, next=None, **common
        )
    else:
        total_photos = sum(len(a.images) for a in albums)
        outputs["index.html"] = _render(
            env, "index.html.j2", root="", total_photos=total_photos, **common
        )
        for i, album in enumerate(albums):
            outputs[album_page(album)] = _render(
                env,
                "album.html.j2",
                root="../",
                album=album,
                prev=albums[i - 1] if i > 0 else None,
                next=albums[i + 1] if i + 1 < len(albums) else None,
                **common,
            )

    for rel, data in outputs.items():
        _write_if_changed(out_dir / rel, data)
    _remove_stale_pages(out_dir, set(outputs))
    return list(outputs)


def album_page(album: SiteAlbum) -> str:
    """Where an album's page lives, relative to the site folder (for links from outside)."""
    return f"{ALBUMS_DIR}/{album.slug}.html"


# --- validation -----------------------------------------------------------------------------


def _validate(albums: list[SiteAlbum]) -> None:
    """Check slugs and paths before anything is written (they become file names and links)."""
    seen: set[str] = set()
    for album in albums:
        if not _SLUG.fullmatch(album.slug) or album.slug.startswith("."):
            raise ValueError(f"album slug {album.slug!r} is not a safe file name")
        if album.slug.lower() in seen:
            raise ValueError(f"two albums share the slug {album.slug!r}")
        seen.add(album.slug.lower())
        if album.zip_path is not None:
            _check_relative(album.zip_path)
        for image in album.images:
            if image.width <= 0 or image.height <= 0:
                raise ValueError(f"photo {image.photo_id} has no size")
            paths = [image.fallback, image.download, image.thumb]
            paths += [p for renditions in image.sources.values() for p, _w in renditions]
            for path in paths:
                if path is not None:
                    _check_relative(path)


def _check_relative(path: str) -> None:
    """Refuse anything that is not a plain relative path inside the site folder."""
    pure = PurePosixPath(path)
    if (
        not path
        or "\\" in path
        or pure.is_absolute()
        or ".." in pure.parts
        or ":" in pure.parts[0]
        or any(ord(c) < 0x20 for c in path)
    ):
        raise ValueError(f"{path!r} is not a relative path inside the gallery folder")


# --- rendering ------------------------------------------------------------------------------


def _environment(search: list[Path]) -> jinja2.Environment:
    """Jinja2 with autoescape on for every template (all of them are HTML) and strict
    undefined, so a typo in an organisation's template fails the build instead of silently
    rendering an empty caption."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(p) for p in search]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["url"] = _url_filter
    env.filters["srcset"] = _srcset_filter
    env.globals.update(
        aspect=aspect_ratio,
        grid_sizes=grid_sizes,
        cover_sizes=cover_sizes,
        largest_jpeg=largest_jpeg,
        album_page=album_page,
        source_types=SOURCE_TYPES,
    )
    return env


def _render(env: jinja2.Environment, name: str, *, root: str, **context: Any) -> bytes:
    """One page; ``root`` is the way back to the site folder ("" or "../") for its links."""
    return env.get_template(name).render(root=root, **context).encode("utf-8")


@jinja2.pass_context
def _url_filter(context: jinja2.runtime.Context, path: str | None) -> str:
    """A site-relative path as an href from the page being rendered (percent-encoded)."""
    if not path:
        return ""
    return str(context["root"]) + quote(path, safe="/")


@jinja2.pass_context
def _srcset_filter(context: jinja2.runtime.Context, renditions: Iterable[tuple[str, int]]) -> str:
    """``a.jpg 480w, b.jpg 960w``; commas and spaces in names are percent-encoded."""
    root = str(context["root"])
    ordered = sorted(renditions, key=lambda r: r[1])
    return ", ".join(f"{root}{quote(p, safe='/')} {w}w" for p, w in ordered)


def aspect_ratio(image: SiteImage) -> str:
    """Width / height, for the grid's flex basis (a CSS number, so no locale formatting)."""
    return f"{image.width / image.height:.4f}"


def grid_sizes(image: SiteImage) -> str:
    """The ``sizes`` attribute for a grid tile.

    Narrow screens show one column (the full width less the page margins); wider ones a
    justified row whose height is about ``ROW_HEIGHT_PX``, so the tile is about aspect × row
    height wide, a little more when the row stretches. ``auto`` comes first: browsers that know
    it (lazy images only) use the laid-out width; the others skip it.
    """
    wide = math.ceil(image.width / image.height * ROW_HEIGHT_PX * ROW_STRETCH)
    return f"auto, (max-width: {NARROW_BREAKPOINT}) calc(100vw - 2rem), {min(wide, 1200)}px"


def cover_sizes(_image: SiteImage) -> str:
    """The ``sizes`` attribute for an album's cover card on the index page."""
    return (
        f"auto, (max-width: {NARROW_BREAKPOINT}) calc(100vw - 2rem), "
        "(max-width: 62em) 48vw, min(32vw, 480px)"
    )


def largest_jpeg(image: SiteImage) -> str:
    """What a thumbnail links to without JavaScript: the download, else the widest JPEG."""
    if image.download:
        return image.download
    jpegs = image.sources.get("jpeg") or []
    if jpegs:
        return max(jpegs, key=lambda r: r[1])[0]
    return image.fallback


def _date_parts(value: str | None, lang: str) -> tuple[str | None, str | None]:
    """(machine-readable ISO date or None, text to show). English pages get "14 May 2026"."""
    if not value:
        return None, None
    try:
        day = dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None, value
    if lang.lower().startswith("en") and len(value.strip()) == 10:
        return day.isoformat(), f"{day.day} {_EN_MONTHS[day.month - 1]} {day.year}"
    return day.isoformat(), value


def _human_size(out_dir: Path, path: str | None) -> str | None:
    """A file's size in words ("2.4 MB"), so a download link says what it will cost."""
    if not path:
        return None
    try:
        size = (out_dir / path).stat().st_size
    except OSError:
        return None
    if size < 1000 * 1000:
        return f"{max(1, round(size / 1000))} kB"
    if size < 1000 * 1000 * 1000:
        return f"{size / 1e6:.1f} MB"
    return f"{size / 1e9:.2f} GB"


def _first_existing(search: list[Path], name: str) -> Path:
    """An organisation's file if it has one, else the default (a theme may override a part)."""
    for folder in search:
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(f"gallery template file {name} is missing from {search[-1]}")


def _remove_stale_pages(out_dir: Path, current: set[str]) -> None:
    """Delete album pages of albums that no longer exist (the folder is this module's own)."""
    folder = out_dir / ALBUMS_DIR
    if not folder.is_dir():
        return
    for page in folder.glob("*.html"):
        if f"{ALBUMS_DIR}/{page.name}" not in current:
            page.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        folder.rmdir()  # only if now empty


def _write_if_changed(path: Path, data: bytes) -> None:
    """Atomic write, skipped when the bytes are already there (keeps mtimes for uploaders)."""
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return
    except FileNotFoundError:
        pass
    atomic_write_bytes(path, data)
