"""A small generated gallery for the browser tests: a few photo-like images in three formats.

The images are drawn with Pillow (a sky, a sun, layered hills: something that reads as a
landscape in a screenshot) at several widths, in JPEG, WebP and AVIF, exactly as the renderer
would lay them out, and the site is built over them with the real templates.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

from gallery_app.core.export.site import SiteAlbum, SiteImage, SiteInfo, build_site

SCRIPT_CAPTION = '<script>alert(1)</script> & friends say "hi"'

# (slug, size, title, caption, alt, credit)
PHOTOS: list[tuple[str, tuple[int, int], str | None, str | None, str | None, str | None]] = [
    (
        "opening-keynote",
        (1200, 800),
        "Opening keynote",
        "Amira Haddad opens the summit in front of a full main hall.",
        "A speaker on a stage under warm lights, facing a large seated audience.",
        "Jo Photographer / Example",
    ),
    (
        "panel",
        (1200, 800),
        "Panel: open data in cities",
        "Four panellists discuss how cities publish transport data.",
        "Four people seated on stage with microphones, a slide behind them.",
        "Jo Photographer / Example",
    ),
    (
        "workshop",
        (800, 1200),
        None,
        SCRIPT_CAPTION,
        "Two participants leaning over a laptop at a workshop table.",
        "Sam Lens",
    ),
    (
        "hallway",
        (1200, 1200),
        "Hallway track",
        "Coffee and conversations between sessions.",
        None,
        "Jo Photographer / Example",
    ),
    (
        "poster-session",
        (1200, 600),
        "Poster session",
        "Posters from twelve research groups lined the east gallery.",
        "A long room with rows of posters and people reading them.",
        "Sam Lens",
    ),
    (
        "closing",
        (900, 1200),
        "Closing remarks",
        "The organising team thanks volunteers and speakers.",
        "Three organisers on stage holding flowers.",
        "Jo Photographer / Example",
    ),
]
WIDTHS = (400, 800, 1200)
FORMATS = ("jpeg", "webp", "avif")
EXT = {"jpeg": "jpg", "webp": "webp", "avif": "avif"}


def draw_photo(size: tuple[int, int], seed: int) -> Image.Image:
    """A landscape-like picture: gradient sky, a sun, three layers of hills, a little grain."""
    rng = random.Random(seed)
    w, h = size
    top = (rng.randrange(40, 120), rng.randrange(60, 140), rng.randrange(140, 230))
    bottom = (rng.randrange(200, 255), rng.randrange(150, 220), rng.randrange(100, 180))
    sky = Image.linear_gradient("L").resize((w, h))
    image = Image.composite(Image.new("RGB", size, bottom), Image.new("RGB", size, top), sky)
    draw = ImageDraw.Draw(image)
    r = min(w, h) // 10
    cx, cy = rng.randrange(w // 5, 4 * w // 5), rng.randrange(h // 6, h // 3)
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(255, 236, 190))
    for layer in range(3):
        base = h * (0.55 + 0.13 * layer)
        shade = 90 - 28 * layer
        colour = (shade // 2 + rng.randrange(20), shade + rng.randrange(30), shade // 2)
        points = [(0, h)]
        for x in range(0, w + 40, 40):
            points.append((x, base + rng.uniform(-0.06, 0.06) * h))
        points.append((w, h))
        draw.polygon(points, fill=colour)
    image = image.filter(ImageFilter.GaussianBlur(1.2))
    grain = Image.effect_noise(size, 18).convert("RGB")
    return Image.blend(image, grain, 0.06)


def render_images(
    out_dir: Path, photos: list[tuple[str, tuple[int, int]]], *, encode: bool = True
) -> dict[str, dict[str, list[tuple[str, int]]]]:
    """Write every width and format of each photo under ``images/``; return the source sets."""
    result: dict[str, dict[str, list[tuple[str, int]]]] = {}
    for seed, (slug, size) in enumerate(photos):
        picture = draw_photo(size, seed) if encode else None
        sources: dict[str, list[tuple[str, int]]] = {f: [] for f in FORMATS}
        for width in WIDTHS:
            if width > size[0]:
                continue
            height = round(size[1] * width / size[0])
            scaled = picture.resize((width, height), Image.Resampling.LANCZOS) if picture else None
            for fmt in FORMATS:
                rel = f"images/{slug}-{width}.{EXT[fmt]}"
                sources[fmt].append((rel, width))
                if scaled is None:
                    continue
                path = out_dir / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                options: dict[str, int] = {"quality": 70}
                if fmt == "avif":
                    options["speed"] = 10
                scaled.save(path, fmt.upper(), **options)
        result[slug] = sources
    return result


def build_demo_site(
    out_dir: Path, *, albums: int = 1, images_from: Path | None = None
) -> list[SiteAlbum]:
    """Render the images and build the site (one album, or the photos split over several).

    ``images_from``: a folder this function already filled; its images are copied instead of
    encoded again (AVIF encoding is most of the fixture's time).
    """
    if images_from is not None:
        shutil.copytree(images_from / "images", out_dir / "images", dirs_exist_ok=True)
    sets = render_images(
        out_dir, [(slug, size) for slug, size, *_ in PHOTOS], encode=images_from is None
    )
    images = []
    for i, (slug, size, title, caption, alt, credit) in enumerate(PHOTOS):
        jpegs = sets[slug]["jpeg"]
        largest = max(jpegs, key=lambda r: r[1])
        width = largest[1]
        height = round(size[1] * width / size[0])
        images.append(
            SiteImage(
                photo_id=i + 1,
                slug=slug,
                width=width,
                height=height,
                sources=sets[slug],
                fallback=min(jpegs, key=lambda r: abs(r[1] - 800))[0],
                download=largest[0],
                alt=alt,
                caption=caption,
                title=title,
                credit=credit,
                copyright="© 2026 Example",
            )
        )
    info = SiteInfo(
        title="Open Data Summit 2026",
        date="2026-05-14",
        venue="Town Hall, Leeds",
        credit="Jo Photographer, Sam Lens",
        copyright="© 2026 Example Foundation",
    )
    if albums == 1:
        site_albums = [
            SiteAlbum(
                slug="all",
                title="Open Data Summit 2026",
                description="Highlights from a day of talks, workshops and conversations.",
                images=images,
            )
        ]
    else:
        site_albums = [
            SiteAlbum("talks", "Talks", "Keynote and panels in the main hall.", images[:2]),
            SiteAlbum("workshops", "Workshops & posters", None, images[2:5]),
            SiteAlbum("closing", "Closing", "Thanks and farewells.", images[5:]),
        ]
    build_site(out_dir, info, site_albums)
    return site_albums
