"""File names for copied originals, from a template the user can change.

Photographers rename on ingest (Photo Mechanic's variables, Lightroom's filename templates):
``DSC_0042.JPG`` from three cameras collide, and a name that sorts by capture time is worth
having in any file browser. The original name is always kept in the catalog.
"""

from __future__ import annotations

import re
import string
import unicodedata
from dataclasses import dataclass
from typing import Any

from gallery_app.core.errors import UserError

DEFAULT_TEMPLATE = "{date}-{time}-{seq:04d}"

VARIABLES = {
    "date": "capture date, YYYYMMDD",
    "time": "capture time, HHMMSS",
    "year": "capture year",
    "month": "capture month, 01-12",
    "day": "capture day, 01-31",
    "seq": "project-wide sequence number (use {seq:04d} for 0042)",
    "event": "the event name, as a file-name-safe slug",
    "original": "the original file name without extension",
    "camera": "the camera model, as a slug",
}


@dataclass(frozen=True)
class NameParts:
    """The values one photo's name is built from."""

    captured_at: str | None
    seq: int
    event: str
    original_stem: str
    camera: str | None


def validate_template(template: str) -> None:
    """Refuse a template with unknown variables or broken braces, naming the problem."""
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    except ValueError as exc:
        raise UserError(f"rename template {template!r} is not valid: {exc}") from None
    unknown = [name for name in fields if name not in VARIABLES]
    if unknown:
        raise UserError(
            f"rename template uses unknown variable {{{unknown[0]}}}; "
            f"available: {', '.join('{' + v + '}' for v in VARIABLES)}"
        )
    if not fields:
        raise UserError("rename template must use at least one variable, e.g. {seq:04d}")
    try:
        render(template, NameParts("2026-01-01T00:00:00", 1, "event", "IMG_0001", "camera"))
    except (ValueError, TypeError) as exc:
        raise UserError(f"rename template {template!r} is not valid: {exc}") from None


def slug(text: str) -> str:
    """A file-name-safe, readable version of ``text`` (accents kept as base letters)."""
    normalized = unicodedata.normalize("NFKD", text)
    ascii_text = normalized.encode("ascii", "ignore").decode("ascii")
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_text).strip("-._")
    return cleaned[:60] or "photo"


def render(template: str, parts: NameParts) -> str:
    """The file name (without extension) for one photo."""
    stamp = parts.captured_at or ""
    digits = re.sub(r"\D", "", stamp[:19])
    date = digits[:8] if len(digits) >= 8 else "00000000"
    time = digits[8:14] if len(digits) >= 14 else "000000"
    values: dict[str, Any] = {
        "date": date,
        "time": time,
        "year": date[:4],
        "month": date[4:6],
        "day": date[6:8],
        "seq": parts.seq,
        "event": slug(parts.event),
        "original": slug(parts.original_stem),
        "camera": slug(parts.camera or "camera"),
    }
    name = template.format(**values)
    # The template itself may hold characters no file system accepts, or a path separator.
    name = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "-", name).strip(" .")
    return name or f"photo-{parts.seq:04d}"
