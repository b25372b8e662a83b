"""XMP sidecars: the descriptive metadata of a file that is not (or may not be) changed.

Lightroom writes ``photo.xmp`` next to raw files, digiKam and darktable write
``photo.heic.xmp``, and Gallery Curator's write-back writes either (HEIC/HEIF/AVIF always, any
file on request). When a sidecar exists, it holds what the photographer last said about the
photo, so it replaces the file's own captions, keywords, people, rating and label entirely —
an empty field in the sidecar is a cleared field, not a reason to fall back to the file. Camera
data and capture time stay the file's own (a capture time from the sidecar is used only when
the file has none). With both namings present, the newer file wins.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from gallery_app.core.model import PhotoMetadata

__all__ = ["DESCRIPTIVE_FIELDS", "SIDECAR_SOURCE", "apply_sidecar", "sidecar_candidates"]

SIDECAR_SOURCE = "sidecar"
DESCRIPTIVE_FIELDS = (
    "caption",
    "title",
    "headline",
    "alt_text",
    "ext_description",
    "creator",
    "credit",
    "copyright",
    "usage_terms",
    "rating",
    "color_label",
    "keywords",
    "people",
)


def sidecar_candidates(original: Path) -> list[Path]:
    """Existing sidecars of ``original`` in either naming (``.xmp`` or ``.XMP``), newest first."""
    found: dict[Path, int] = {}
    for name in (f"{original.name}.xmp", f"{original.stem}.xmp"):
        for variant in (name, name[:-4] + ".XMP"):
            candidate = original.parent / variant
            with contextlib.suppress(OSError):
                if candidate.is_file():
                    found[candidate] = candidate.stat().st_mtime_ns
    return [path for path, _ in sorted(found.items(), key=lambda item: -item[1])]


def apply_sidecar(md: PhotoMetadata, original: Path) -> PhotoMetadata:
    """``md`` with its descriptive fields taken from the sidecar of ``original``, if any."""
    from gallery_app.core.metadata.reader import MetadataUnreadable, read_metadata

    candidates = sidecar_candidates(original)
    if not candidates:
        return md
    sidecar = candidates[0]
    try:
        side = read_metadata(sidecar)
    except MetadataUnreadable as exc:
        md.warnings.append(f"XMP sidecar {sidecar.name} not read: {exc}")
        return md
    for name in DESCRIPTIVE_FIELDS:
        setattr(md, name, getattr(side, name))
        md.sources.pop(name, None)
        if name in side.sources:
            md.sources[name] = SIDECAR_SOURCE
    md.sources.pop("rejected", None)
    if "rejected" in side.sources:
        md.sources["rejected"] = SIDECAR_SOURCE
    if md.captured_at is None and side.captured_at is not None:
        md.captured_at, md.captured_at_source = side.captured_at, SIDECAR_SOURCE
    md.warnings.extend(f"XMP sidecar {sidecar.name}: {w}" for w in side.warnings)
    return md
