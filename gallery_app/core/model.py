"""Plain data that crosses the boundaries between core modules and the front ends.

These are frozen or simple dataclasses with no behaviour beyond conversion helpers, so that the
CLI, the GUI, the worker processes (which pickle them) and the tests can all share them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

TEXT_FIELDS = (
    "caption",
    "title",
    "headline",
    "alt_text",
    "ext_description",
    "creator",
    "credit",
    "copyright",
    "usage_terms",
)
"""The descriptive text fields, in the order the catalog, sidecars and write-back walk them.

One tuple so that a field added to the catalog is not silently left out of sidecar merging or
of the write-back read-back check."""


@dataclass
class PhotoMetadata:
    """Everything read from one image file's EXIF, IPTC-IIM and XMP, already reconciled.

    Text fields are ``None`` when no block holds a (non-placeholder) value. ``keywords`` holds
    hierarchical keywords as ``"Parent|Child"`` paths (Lightroom's separator) and flat ones as
    single names; ``sources`` says which block each text field came from (``"exif"``,
    ``"iptc"`` or ``"xmp"``), so that a later write-back can keep them in step.
    """

    captured_at: str | None = None
    """ISO 8601 local capture time, e.g. ``2008-10-22T16:28:39.25+02:00``; offset if known."""
    captured_at_source: str | None = None
    """``"exif"``, ``"xmp"`` or ``"iptc"``; ``None`` if no block has a capture time."""
    camera_make: str | None = None
    camera_model: str | None = None
    body_serial: str | None = None
    lens: str | None = None
    exposure_time: str | None = None
    """As a photographer writes it: ``"1/250"`` or ``"2"`` (seconds)."""
    f_number: float | None = None
    iso: int | None = None
    focal_length: float | None = None
    orientation: int = 1
    """EXIF orientation 1–8 (1 when absent or invalid)."""
    gps_latitude: float | None = None
    gps_longitude: float | None = None
    gps_altitude: float | None = None
    caption: str | None = None
    title: str | None = None
    headline: str | None = None
    alt_text: str | None = None
    ext_description: str | None = None
    creator: str | None = None
    credit: str | None = None
    copyright: str | None = None
    usage_terms: str | None = None
    rating: int | None = None
    color_label: str | None = None
    """Lightroom/Bridge colour label (``xmp:Label``) as one of red, yellow, green, blue,
    purple; other label texts are not colours and are left out."""
    keywords: list[str] = field(default_factory=list)
    people: list[str] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    """Problems met while reading (corrupt blocks and the like); never fatal."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
