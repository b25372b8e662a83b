"""MWG 2.0 reconciliation of EXIF, IPTC-IIM and XMP, as pure functions.

The rules (and why) are in the package docstring; this module is the single implementation.
It mirrors exiftool's ``Image::ExifTool::MWG`` composite tags (our test oracle), with two
deliberate differences: blank values and camera placeholders count as *absent* (the caller
filters them before calling), so a real caption in a later block can win.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T", str, list[str])

EXIF = "exif"
IPTC = "iptc"
XMP = "xmp"


class DigestState(enum.Enum):
    """How the IIM block relates to the XMP (exiftool: IPTCDigest vs CurrentIPTCDigest)."""

    NO_IIM = "no-iim"
    """The file has no IIM: XMP is the only candidate after EXIF."""
    NO_DIGEST = "no-digest"
    """IIM without a stored digest: XMP wins if it has the value (MWG)."""
    MATCH = "match"
    """Stored digest equals the IIM's MD5: the XMP is in sync, XMP wins."""
    STALE = "stale"
    """Stored digest differs: IIM was edited by a tool that ignored XMP; IIM wins."""

    @property
    def xmp_first(self) -> bool:
        return self is not DigestState.STALE


# IIM field limits in bytes (exiftool's IPTC table), for MWG's truncation recovery.
IIM_LIMITS: dict[str, int] = {
    "caption": 2000,
    "title": 64,
    "headline": 256,
    "creator": 32,
    "credit": 32,
    "copyright": 128,
    "keywords": 64,
}


@dataclass(frozen=True)
class Choice(Generic[T]):
    value: T | None
    source: str | None


def _recover_truncated(iim: str, xmp: str | None, limit: int) -> str:
    """MWG ``RecoverTruncatedIPTC``: an IIM value cut at the field limit yields to the XMP."""
    if xmp is None:
        return iim
    iim_bytes = iim.encode("utf-8")
    xmp_bytes = xmp.encode("utf-8")
    if len(iim_bytes) == limit and len(xmp_bytes) > limit and xmp_bytes[:limit] == iim_bytes:
        return xmp
    return iim


def choose_text(
    exif: str | None, xmp: str | None, iim: str | None, state: DigestState, limit: int
) -> Choice[str]:
    """One text value by the MWG read order (see the package docstring)."""
    if exif:
        return Choice(exif, EXIF)
    if state is DigestState.NO_IIM:
        return Choice(xmp, XMP) if xmp else Choice(None, None)
    if xmp and state.xmp_first:
        return Choice(xmp, XMP)
    if iim is None:
        return Choice(None, None)
    recovered = _recover_truncated(iim, xmp, limit)
    return Choice(recovered, XMP if recovered is xmp else IPTC)


def choose_list(
    xmp: Sequence[str], iim: Sequence[str], state: DigestState, limit: int
) -> Choice[list[str]]:
    """A list value (keywords, creators) by the MWG read order, element-wise recovery."""
    if state is DigestState.NO_IIM or (xmp and state.xmp_first):
        return Choice(list(xmp), XMP) if xmp else Choice(None, None)
    if not iim:
        return Choice(None, None)
    recovered = [
        _recover_truncated(value, xmp[i] if i < len(xmp) else None, limit)
        for i, value in enumerate(iim)
    ]
    return Choice(recovered, XMP if recovered == list(xmp) else IPTC)


def dedupe(values: Iterable[str]) -> list[str]:
    """Drop repeats (case-sensitive), keeping the first occurrence's position."""
    seen: set[str] = set()
    out: list[str] = []
    for value in values:
        if value not in seen:
            seen.add(value)
            out.append(value)
    return out


def hierarchy_path(text: str, separator: str) -> str | None:
    """A hierarchical keyword as a ``"A|B|C"`` path: parts trimmed, empty parts dropped."""
    parts = [p.strip() for p in text.split(separator)]
    kept = [p for p in parts if p]
    return "|".join(kept) if kept else None


def merge_keywords(
    lightroom: Iterable[str], digikam: Iterable[str], flat: Iterable[str]
) -> list[str]:
    """Hierarchical paths first, then the flat keywords that are not already a path component.

    Lightroom's ``lr:hierarchicalSubject`` uses "|", digiKam's ``TagsList`` uses "/" and is
    converted to "|". Lightroom (and digiKam) also write every component of a path into
    dc:subject and IIM 2:25, so a flat keyword equal to a component of a path we have is not
    repeated; any other flat keyword is kept as a single name.
    """
    paths = [p for p in (hierarchy_path(t, "|") for t in lightroom) if p]
    paths += [p for p in (hierarchy_path(t, "/") for t in digikam) if p]
    components = {part for path in paths for part in path.split("|")}
    rest = [f for f in (t.strip() for t in flat) if f and f not in components]
    return dedupe([*paths, *rest])
