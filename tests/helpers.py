"""Small, deterministic test photos made with Pillow (no licensed files involved)."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFilter

from gallery_app.core.catalog.photos import NewPhoto
from gallery_app.core.model import PhotoMetadata


def make_jpeg(
    path: Path,
    *,
    seed: int = 0,
    size: tuple[int, int] = (640, 427),
    captured: str | None = "2026:05:14 10:00:00",
    make: str | None = "Canon",
    model: str | None = "Canon EOS R6",
    orientation: int = 1,
    gps: tuple[float, float] | None = None,
    description: str | None = None,
    quality: int = 85,
) -> Path:
    """Write a textured JPEG with the EXIF a camera would write."""
    rng = random.Random(seed)
    image = Image.new("RGB", size, (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    draw = ImageDraw.Draw(image)
    for _ in range(25):
        x0, y0 = rng.randrange(size[0]), rng.randrange(size[1])
        x1, y1 = x0 + rng.randrange(10, size[0] // 2), y0 + rng.randrange(10, size[1] // 2)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        draw.ellipse((x0, y0, x1, y1), fill=colour)
    image = image.filter(ImageFilter.GaussianBlur(2))
    noise = Image.effect_noise(size, 24).convert("RGB")
    image = Image.blend(image, noise, 0.15)
    exif = Image.Exif()
    if make:
        exif[0x010F] = make
    if model:
        exif[0x0110] = model
    exif[0x0112] = orientation
    if description:
        exif[0x010E] = description.encode("utf-8")
    if captured:
        exif.get_ifd(0x8769)[0x9003] = captured
    if gps:
        lat, lon = gps
        exif.get_ifd(0x8825).update(
            {
                1: "N" if lat >= 0 else "S",
                2: _dms(abs(lat)),
                3: "E" if lon >= 0 else "W",
                4: _dms(abs(lon)),
            }
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, "JPEG", quality=quality, exif=exif)
    return path


def _dms(value: float) -> tuple[float, float, float]:
    degrees = int(value)
    minutes_float = (value - degrees) * 60
    minutes = int(minutes_float)
    seconds = round((minutes_float - minutes) * 60, 4)
    return (float(degrees), float(minutes), seconds)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tree_hashes(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): sha256(p) for p in sorted(folder.rglob("*")) if p.is_file()}


# exiftool -G1 keys an exported web file may carry (besides structural groups such as File,
# JFIF and ICC_Profile): all of it rebuilt from the catalog, nothing copied from the original.
WEB_METADATA_ALLOWED = frozenset(
    {
        "IFD0:ImageDescription",
        "IFD0:Artist",
        "IFD0:Copyright",
        "XMP-dc:Title",
        "XMP-dc:Description",
        "XMP-dc:Creator",
        "XMP-dc:Rights",
        "XMP-dc:Subject",
        "XMP-photoshop:Headline",
        "XMP-photoshop:Credit",
        "XMP-iptcCore:AltTextAccessibility",
        "XMP-iptcCore:ExtDescrAccessibility",
        "XMP-xmpRights:Marked",
        "XMP-xmpRights:UsageTerms",
        "XMP-lr:HierarchicalSubject",
        "XMP-iptcExt:Event",
        "IPTC:CodedCharacterSet",
        "IPTC:ApplicationRecordVersion",
        "IPTC:ObjectName",
        "IPTC:Keywords",
        "IPTC:By-line",
        "IPTC:Headline",
        "IPTC:Credit",
        "IPTC:CopyrightNotice",
        "IPTC:Caption-Abstract",
        "Photoshop:IPTCDigest",
    }
)


def new_photo(n: int, **metadata: Any) -> NewPhoto:
    """A catalog row for tests that need photos but not their files."""
    return NewPhoto(
        content_hash=f"{n:064x}",
        path=f"originals/{n}.jpg",
        storage="copy",
        original_name=f"{n}.jpg",
        source_path=f"/card/{n}.jpg",
        file_size=1,
        file_mtime_ns=n,
        format="jpeg",
        width=10,
        height=10,
        captured_at=f"2026-05-14T10:00:{n % 60:02d}",
        captured_at_source="exif",
        metadata=PhotoMetadata(**metadata),
        imported_at="2026-05-14T12:00:00+01:00",
    )
