"""Turning raw metadata values into clean Python values, without trusting them.

Pure functions, no exiv2: text decoding for the three blocks, dates, GPS, exposure. Each
function returns ``None`` (and, where it helps the user, a short warning) instead of raising on
values that are malformed, out of range or the wrong type, because they come from files.
"""

from __future__ import annotations

import math
import re
from datetime import datetime

# ---------------------------------------------------------------------------------------------
# Text


def _clean(text: str) -> str | None:
    text = text.replace("\x00", "").strip()
    return text or None


def decode_exif_text(raw: bytes) -> str | None:
    """An EXIF ASCII value: cut at the first NUL, UTF-8 if valid (MWG), else Latin-1.

    "Latin-1" as Windows writes it: cp1252 (a superset in the printable range; exiftool's
    "Latin" charset), with true ISO 8859-1 for the five bytes cp1252 leaves undefined.
    """
    raw = raw.split(b"\x00", 1)[0]
    return _clean(_decode_legacy(raw))


def _decode_legacy(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def decode_exif_copyright(raw: bytes) -> str | None:
    """EXIF Copyright: "photographer NUL editor NUL" (EXIF 2.3 §4.6.5), as exiftool reads it.

    Both notices are kept, one per line; a lone space stands for a missing photographer part.
    """
    parts = [decode_exif_text(p) for p in raw.split(b"\x00")[:2]]
    kept = [p for p in parts if p]
    return "\n".join(kept) if kept else None


def decode_ucs2(raw: bytes) -> str | None:
    """A Windows XP* tag (XPTitle, XPKeywords): UCS-2 little-endian, NUL-terminated."""
    if len(raw) % 2:
        raw = raw[:-1]
    text = raw.decode("utf-16-le", errors="replace").split("\x00", 1)[0]
    return _clean(text)


def decode_iim_text(raw: bytes, utf8_declared: bool) -> tuple[str | None, bool]:
    """An IIM dataset. Returns ``(text, declared_but_invalid)``.

    With 1:90 = ESC % G the data is UTF-8. Otherwise it is whatever the writing tool used:
    UTF-8 if it decodes (common, and unambiguous in practice), else Windows-1252, else Latin-1.
    """
    try:
        return _clean(raw.decode("utf-8")), False
    except UnicodeDecodeError:
        return _clean(_decode_legacy(raw)), utf8_declared


# ---------------------------------------------------------------------------------------------
# Dates

_EXIF_DATETIME = re.compile(
    r"^\s*(\d{4})[:\-/.](\d{1,2})[:\-/.](\d{1,2})"
    r"(?:[T\s]+(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?)?"
)
_XMP_DATETIME = re.compile(
    r"^\s*(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?\s*$"
)
_OFFSET = re.compile(r"^\s*([+-])(\d{2}):?(\d{2})\s*$")
_IIM_DATE = re.compile(r"^\s*(\d{4})-?(\d{2})-?(\d{2})\s*$")
_IIM_TIME = re.compile(r"^\s*(\d{2}):?(\d{2}):?(\d{2})\s*(?:([+-]\d{2}):?(\d{2}))?\s*$")


def _moment(
    year: int, month: int, day: int, *, hour: int = 0, minute: int = 0, sec: int = 0
) -> datetime | None:
    """The datetime if it exists and lies in a plausible range for photographs, else None."""
    if not 1800 <= year <= 2200:
        return None
    try:
        return datetime(year, month, day, hour, minute, sec)
    except ValueError:
        return None


def normalize_offset(text: str | None) -> str | None:
    """``"+02:00"``, ``"+0200"``, ``"Z"`` → ``"+02:00"``/``"+00:00"``; ``None`` if invalid."""
    if text is None:
        return None
    if text.strip() in ("Z", "z"):
        return "+00:00"
    m = _OFFSET.match(text)
    if not m:
        return None
    hours, minutes = int(m.group(2)), int(m.group(3))
    if hours > 14 or minutes > 59:
        return None
    return f"{m.group(1)}{hours:02d}:{minutes:02d}"


def _iso(moment: datetime, frac: str | None, offset: str | None) -> str:
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if frac:
        text += f".{frac}"
    return text + (offset or "")


def exif_datetime(
    value: str | None, subsec: str | None = None, offset: str | None = None
) -> str | None:
    """EXIF "YYYY:MM:DD HH:MM:SS" (+ SubSecTime digits, + OffsetTime) → ISO 8601.

    ``None`` when the date is blank ("0000:00:00 00:00:00", spaces) or impossible. An invalid
    subsecond or offset is dropped, not fatal.
    """
    if value is None:
        return None
    m = _EXIF_DATETIME.match(value)
    if not m:
        return None
    hour, minute, sec = (int(g) if g else 0 for g in m.group(4, 5, 6))
    moment = _moment(
        int(m.group(1)), int(m.group(2)), int(m.group(3)), hour=hour, minute=minute, sec=sec
    )
    if moment is None:
        return None
    frac = None
    if subsec:
        digits = subsec.replace("\x00", "").strip()
        if digits.isdigit() and digits.isascii():
            frac = digits[:9]
    return _iso(moment, frac, normalize_offset(offset))


def xmp_datetime(value: str | None) -> str | None:
    """XMP date (ISO 8601 subset) → normalised ISO 8601; a bare date stays a date.

    Dates less precise than a day ("2008", "2008-10") are not a capture time: ``None``.
    """
    if value is None:
        return None
    m = _XMP_DATETIME.match(value)
    if not m:
        # Some tools write EXIF-style dates into XMP ("2008:10:22 16:28:39").
        return exif_datetime(value) if ":" in value[:5] else None
    day = _moment(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if day is None:
        return None
    if m.group(4) is None:
        return day.date().isoformat()
    moment = _moment(
        day.year,
        day.month,
        day.day,
        hour=int(m.group(4)),
        minute=int(m.group(5)),
        sec=int(m.group(6) or 0),
    )
    if moment is None:
        return None
    frac = m.group(7)[:9] if m.group(7) else None
    return _iso(moment, frac, normalize_offset(m.group(8)))


def iim_datetime(date: str | None, time: str | None) -> str | None:
    """IIM 2:55 DateCreated (CCYYMMDD) + 2:60 TimeCreated (HHMMSS±HHMM) → ISO 8601.

    A missing or invalid time leaves a bare date.
    """
    if date is None:
        return None
    dm = _IIM_DATE.match(date)
    day = _moment(int(dm.group(1)), int(dm.group(2)), int(dm.group(3))) if dm else None
    if day is None:
        return None
    tm = _IIM_TIME.match(time) if time else None
    moment = (
        _moment(
            day.year,
            day.month,
            day.day,
            hour=int(tm.group(1)),
            minute=int(tm.group(2)),
            sec=int(tm.group(3)),
        )
        if tm
        else None
    )
    if tm is None or moment is None:
        return day.date().isoformat()
    offset = normalize_offset(f"{tm.group(4)}:{tm.group(5)}") if tm.group(4) else None
    return _iso(moment, None, offset)


# ---------------------------------------------------------------------------------------------
# Numbers

Rational = tuple[int, int]


def rational_to_float(value: Rational) -> float | None:
    """``num/den`` as a float; ``None`` for a zero denominator or a non-finite result."""
    num, den = value
    if den == 0:
        return None
    result = num / den
    return result if math.isfinite(result) else None


def format_exposure(value: Rational) -> str | None:
    """Exposure time as photographers write it, following exiftool's ``PrintExposureTime``.

    Up to 1/4 s: "1/N" with N rounded; longer: seconds with one decimal, ".0" dropped.
    """
    secs = rational_to_float(value)
    if secs is None or secs <= 0 or secs > 3600 * 24:
        return None
    if secs < 0.25001:
        return f"1/{int(0.5 + 1 / secs)}"
    text = f"{secs:.1f}"
    return text[:-2] if text.endswith(".0") else text


def positive_float(value: Rational, maximum: float) -> float | None:
    """A rational that must be positive and at most ``maximum`` (f-number, focal length)."""
    result = rational_to_float(value)
    if result is None or not 0 < result <= maximum:
        return None
    return round(result, 2)


def gps_coordinate(
    parts: list[Rational], ref: str | None, positive: str, negative: str, limit: float
) -> tuple[float | None, str | None]:
    """EXIF GPS degrees/minutes/seconds + N/S (E/W) reference → signed decimal degrees.

    Returns ``(value, problem)``. A 0/0 minutes or seconds part counts as 0 (cameras write
    that when they have no fix detail); a zero denominator elsewhere, a value beyond
    ``limit`` or minutes/seconds ≥ 60 make the coordinate ``None``. A missing reference is
    read as ``positive`` (with a note).
    """
    if not 1 <= len(parts) <= 3:
        return None, f"{len(parts)} components"
    values: list[float] = []
    for index, (num, den) in enumerate(parts):
        if den == 0:
            if num == 0 and index > 0:
                values.append(0.0)
                continue
            return None, "zero denominator"
        values.append(num / den)
    degrees = values[0]
    minutes = values[1] if len(values) > 1 else 0.0
    seconds = values[2] if len(values) > 2 else 0.0
    if degrees < 0 or not 0 <= minutes < 60 or not 0 <= seconds < 60:
        return None, "degrees/minutes/seconds out of range"
    result = degrees + minutes / 60 + seconds / 3600
    if not math.isfinite(result) or result > limit:
        return None, "out of range"
    problem = None
    letter = (ref or "").strip().upper()[:1]
    if letter == negative:
        result = -result
    elif letter != positive:
        problem = (
            "missing reference, assumed " + positive if not letter else f"bad reference {ref!r}"
        )
    return result, problem


_XMP_GPS = re.compile(r"^\s*(\d{1,3}),(\d{1,2}(?:\.\d+)?)(?:,(\d{1,2}(?:\.\d+)?))?\s*([NSEW])\s*$")


def xmp_gps_coordinate(text: str | None, limit: float) -> float | None:
    """XMP GPSCoordinate "DDD,MM.mmk" or "DDD,MM,SSk" → signed decimal degrees."""
    if text is None:
        return None
    m = _XMP_GPS.match(text.upper())
    if not m:
        return None
    degrees, minutes = float(m.group(1)), float(m.group(2))
    seconds = float(m.group(3)) if m.group(3) else 0.0
    if minutes >= 60 or seconds >= 60:
        return None
    result = degrees + minutes / 60 + seconds / 3600
    if result > limit:
        return None
    return -result if m.group(4) in "SW" else result


def parse_rating(text: str | None) -> int | None:
    """XMP/EXIF rating → int (``-1`` = rejected is returned as is); ``None`` if not a number."""
    if text is None:
        return None
    try:
        value = float(text.strip())
    except ValueError:
        return None
    if not math.isfinite(value):
        return None
    return round(value)
