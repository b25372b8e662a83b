"""XMP sidecars: the descriptive metadata of a file that is not (or may not be) changed.

Lightroom writes ``photo.xmp`` next to raw files, digiKam and darktable write
``photo.heic.xmp``, and Gallery Curator's write-back writes either (HEIC/HEIF/AVIF always, any
file on request). When a sidecar exists, it holds what the photographer last said about the
photo, so it replaces the file's own captions, keywords, people, rating and label entirely —
an empty field in the sidecar is a cleared field, not a reason to fall back to the file. Camera
data and capture time stay the file's own (a capture time from the sidecar is used only when
the file has none). With both namings present, the newer file wins.

Two guards keep a sidecar from speaking for the wrong file or the wrong moment:

* ``photo.xmp`` next to ``photo.jpg`` is Lightroom's sidecar of ``photo.nef`` when that raw
  file sits beside them (RAW+JPEG shooting); it is then not the JPEG's sidecar;
* when the file's own XMP carries a newer ``xmp:MetadataDate`` than the sidecar (the file was
  written after the sidecar, e.g. by Gallery Curator's write-back), the file wins.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from pathlib import Path

from gallery_app.core.model import TEXT_FIELDS, PhotoMetadata

__all__ = [
    "DESCRIPTIVE_FIELDS",
    "RAW_SUFFIXES",
    "SIDECAR_SOURCE",
    "apply_sidecar",
    "raw_sibling",
    "sidecar_candidates",
]

RAW_SUFFIXES = frozenset(
    [
        ".3fr",
        ".arw",
        ".cr2",
        ".cr3",
        ".crw",
        ".dcr",
        ".dng",
        ".erf",
        ".iiq",
        ".kdc",
        ".mef",
        ".mos",
        ".mrw",
        ".nef",
        ".nrw",
        ".orf",
        ".pef",
        ".raf",
        ".raw",
        ".rw2",
        ".rwl",
        ".sr2",
        ".srf",
        ".srw",
        ".x3f",
    ]
)
"""Camera raw formats: a ``name.xmp`` beside one of these is that raw file's sidecar."""

SIDECAR_SOURCE = "sidecar"
DESCRIPTIVE_FIELDS = (
    *TEXT_FIELDS,
    "rating",
    "color_label",
    "keywords",
    "people",
)


def raw_sibling(original: Path) -> Path | None:
    """A raw file with the same stem beside ``original`` (which is not raw itself), if any."""
    if original.suffix.lower() in RAW_SUFFIXES:
        return None
    try:
        names = os.listdir(original.parent)
    except OSError:
        return None
    for name in sorted(names):
        candidate = Path(name)
        if candidate.stem == original.stem and candidate.suffix.lower() in RAW_SUFFIXES:
            return original.parent / name
    return None


def sidecar_candidates(original: Path) -> list[Path]:
    """Existing sidecars of ``original`` in either naming (``.xmp`` or ``.XMP``), newest first.

    ``name.xmp`` is left out when a raw sibling owns it.
    """
    found: dict[Path, int] = {}
    for name in (f"{original.name}.xmp", f"{original.stem}.xmp"):
        for variant in (name, name[:-4] + ".XMP"):
            candidate = original.parent / variant
            with contextlib.suppress(OSError):
                if candidate.is_file():
                    found[candidate] = candidate.stat().st_mtime_ns
    stem_named = [p for p in found if p.name.lower() == f"{original.stem}.xmp".lower()]
    if stem_named and raw_sibling(original) is not None:  # listed only when it matters
        for path in stem_named:
            del found[path]
    return [path for path, _ in sorted(found.items(), key=lambda item: -item[1])]


def metadata_date(path: Path) -> dt.datetime | None:
    """``xmp:MetadataDate`` of a file's (or sidecar's) XMP as an aware datetime, if any."""
    import exiv2

    from gallery_app.core.metadata.reader import capturing_exiv2_log

    try:
        with capturing_exiv2_log():
            image = exiv2.ImageFactory.open(os.fspath(path))
            image.readMetadata()
        xmp = image.xmpData()
        text = None
        for datum in xmp:
            if str(datum.key()) == "Xmp.xmp.MetadataDate":
                text = str(datum.toString())
                break
        del image
    except (exiv2.Exiv2Error, OSError):
        return None
    if not text:
        return None
    try:
        stamp = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return stamp if stamp.tzinfo is not None else None  # a naive time cannot be compared


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
    side_date = metadata_date(sidecar)
    file_date = metadata_date(original) if side_date is not None else None
    if side_date is not None and file_date is not None and file_date > side_date:
        return md  # the file was written after the sidecar: it says the newer thing
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
