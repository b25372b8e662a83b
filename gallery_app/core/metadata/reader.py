"""Read one image file's EXIF, IPTC-IIM and XMP with exiv2 and reconcile them.

Why exiv2: one engine reads all three blocks from JPEG, PNG, TIFF, WebP, AVIF and HEIF,
including maker notes (body serials, lens names), and its XMP toolkit refuses DOCTYPEs, so
entity tricks in a hostile XMP packet never expand. It is C++ and has been fuzzed for years;
the importer still calls us in a worker process with a timeout.

What exiv2 does not do and is done here:

* the Photoshop IPTCDigest (IRB 0x0425), needed for the MWG rules: :mod:`.irb`;
* HEIF files whose ``iloc`` box uses base offsets (libheif writes these): exiv2 0.28 finds no
  Exif/XMP item in them, so for HEIF/AVIF without EXIF or XMP the blocks are fetched with
  pillow-heif (a dependency anyway) and parsed by exiv2 from memory;
* exiv2 abandons a JPEG at the first metadata segment it cannot parse (a damaged EXIF hides
  an intact XMP); we then re-read each remaining APP1/APP13 segment on its own;
* exiv2's own log messages (corrupt maker notes and the like) are captured into
  ``PhotoMetadata.warnings`` for the duration of a call instead of going to stderr. They
  arrive through python-exiv2's default log handler on the ``"exiv2"`` logger, so they are
  only seen while that logger is enabled for WARNING (the logging default).

The python-exiv2 "easy access" helpers (``exiv2.serialNumber``, ``lensName`` ...) are not used:
comparing their result with ``ExifData.end()`` crashes the interpreter (SIGSEGV) when the tag
is absent. We only ever iterate over the data.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import stat
import threading
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import exiv2

from gallery_app.core.metadata import irb
from gallery_app.core.metadata.placeholders import is_placeholder
from gallery_app.core.metadata.reconcile import (
    EXIF,
    IIM_LIMITS,
    IPTC,
    XMP,
    Choice,
    DigestState,
    choose_list,
    choose_text,
    dedupe,
    merge_keywords,
)
from gallery_app.core.metadata.values import (
    Rational,
    decode_exif_copyright,
    decode_exif_text,
    decode_iim_text,
    decode_ucs2,
    exif_datetime,
    format_exposure,
    gps_coordinate,
    iim_datetime,
    parse_rating,
    positive_float,
    rational_to_float,
    xmp_datetime,
    xmp_gps_coordinate,
)
from gallery_app.core.model import PhotoMetadata

__all__ = ["MetadataUnreadable", "capturing_exiv2_log", "read_metadata"]


class MetadataUnreadable(Exception):
    """exiv2 cannot open the file as an image at all (not an image, empty, unreadable).

    The message is one line meant for a per-file failure report, e.g. "not an image file
    exiv2 can read". Damaged metadata inside a recognised image never raises this; it ends up
    in ``PhotoMetadata.warnings``.
    """


# ---------------------------------------------------------------------------------------------
# exiv2 set-up (once per process)

with warnings.catch_warnings():
    # python-exiv2 deprecates enableBMFF (BMFF is on when libexiv2 was built with it) but
    # older builds still need the call for HEIF/AVIF.
    warnings.simplefilter("ignore", DeprecationWarning)
    with contextlib.suppress(AttributeError):
        exiv2.enableBMFF(True)

_capture = threading.local()
_MAX_EXIV2_MESSAGES = 12


class _Exiv2LogCapture(logging.Filter):
    """Divert python-exiv2's log records (logger "exiv2") into the current call's list.

    A logger filter sees each record before any handler does; while a ``read_metadata`` call
    is running in this thread the record is collected and dropped, otherwise it passes on
    unchanged, so other users of exiv2 in the process keep their logging.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        sink: list[str] | None = getattr(_capture, "sink", None)
        if sink is None:
            return True
        sink.append(" ".join(record.getMessage().split()))
        return False


_exiv2_logger = logging.getLogger("exiv2")
if not any(isinstance(f, _Exiv2LogCapture) for f in _exiv2_logger.filters):
    _exiv2_logger.addFilter(_Exiv2LogCapture())


@contextlib.contextmanager
def capturing_exiv2_log() -> Iterator[list[str]]:
    previous: list[str] | None = getattr(_capture, "sink", None)
    sink: list[str] = []
    _capture.sink = sink
    try:
        yield sink
    finally:
        _capture.sink = previous


# ---------------------------------------------------------------------------------------------
# Raw values pulled out of exiv2 (plain Python, so that exiv2 objects never escape)

_BMFF_MIME = {"image/heic", "image/heif", "image/avif"}

_TEXT_TYPES = {"Ascii", "Undefined", "Comment", "Byte", "SByte", "String"}
_INT_TYPES = {"Short", "Long", "SShort", "SLong", "Byte", "SByte", "Long8", "SLong8"}
_RATIONAL_TYPES = {"Rational", "SRational"}
_MAX_VALUES = 16  # we never need more elements of one tag; a fuzzed count may be huge

# Body serial numbers: the EXIF 2.3 tag, the TIFF/EP tag, then maker notes (exiv2 key names).
_SERIAL_KEYS = (
    "Exif.Photo.BodySerialNumber",
    "Exif.Image.CameraSerialNumber",
    "Exif.Canon.SerialNumber",
    "Exif.Nikon3.SerialNumber",
    "Exif.Nikon3.SerialNO",
    "Exif.Fujifilm.SerialNumber",
    "Exif.OlympusEq.SerialNumber",
    "Exif.Olympus.SerialNumber2",
    "Exif.Pentax.SerialNumber",
    "Exif.PentaxDng.SerialNumber",
    "Exif.Sony1.SerialNumber",
    "Exif.Sony2.SerialNumber",
    "Exif.Sigma.SerialNumber",
    # Panasonic only records an "internal" serial, which is the body's serial in practice.
    "Exif.Panasonic.InternalSerialNumber",
)
# Lens names as text, in order of trust; then maker-note lens IDs exiv2 turns into names.
_LENS_TEXT_KEYS = (
    "Exif.Photo.LensModel",
    "Exif.OlympusEq.LensModel",
    "Exif.Canon.LensModel",
    "Exif.Panasonic.LensType",
)
_LENS_PRINTED_KEYS = (
    "Exif.Sony1.LensID",
    "Exif.Sony2.LensID",
    "Exif.CanonCs.LensType",
    "Exif.Pentax.LensType",
    "Exif.OlympusEq.LensType",
    "Exif.NikonLd3.LensIDNumber",
    "Exif.NikonLd2.LensIDNumber",
    "Exif.Minolta.LensID",
)
_EXIF_KEYS = frozenset(
    {
        "Exif.Image.Make",
        "Exif.Image.Model",
        "Exif.Image.Orientation",
        "Exif.Image.ImageDescription",
        "Exif.Image.Artist",
        "Exif.Image.Copyright",
        "Exif.Image.Rating",
        "Exif.Image.XPTitle",
        "Exif.Image.XPKeywords",
        "Exif.Image.ImageResources",
        "Exif.Image.IPTCNAA",
        "Exif.Photo.DateTimeOriginal",
        "Exif.Photo.SubSecTimeOriginal",
        "Exif.Photo.OffsetTimeOriginal",
        "Exif.Photo.ExposureTime",
        "Exif.Photo.FNumber",
        "Exif.Photo.ISOSpeedRatings",
        "Exif.Photo.ISOSpeed",
        "Exif.Photo.FocalLength",
        "Exif.GPSInfo.GPSLatitude",
        "Exif.GPSInfo.GPSLatitudeRef",
        "Exif.GPSInfo.GPSLongitude",
        "Exif.GPSInfo.GPSLongitudeRef",
        "Exif.GPSInfo.GPSAltitude",
        "Exif.GPSInfo.GPSAltitudeRef",
        *_SERIAL_KEYS,
        *_LENS_TEXT_KEYS,
        *_LENS_PRINTED_KEYS,
    }
)
_PRINTED = frozenset(_LENS_PRINTED_KEYS)
_RAW_COPY = frozenset({"Exif.Image.ImageResources", "Exif.Image.IPTCNAA"})


@dataclass(frozen=True)
class _ExifValue:
    type_name: str
    data: bytes = b""
    integers: tuple[int, ...] = ()
    rationals: tuple[Rational, ...] = ()
    printed: str | None = None


XmpValue = str | list[str] | dict[str, str]


@dataclass
class _Raw:
    """Everything we use from one file, as plain Python values."""

    mime: str = ""
    byte_order: Any = None
    exif: dict[str, _ExifValue] = field(default_factory=dict)
    iim: list[tuple[str, bytes | None, str]] = field(default_factory=list)
    xmp: dict[str, XmpValue] = field(default_factory=dict)


def _exif_value(datum: Any, key: str, exif_data: Any, byte_order: Any) -> _ExifValue:
    type_name = str(datum.typeName())
    count = min(int(datum.count()), _MAX_VALUES)
    if key in _RAW_COPY:
        buf = bytearray(int(datum.size()))
        datum.copy(buf, byte_order)
        return _ExifValue(type_name, data=bytes(buf))
    data = b""
    integers: tuple[int, ...] = ()
    rationals: tuple[Rational, ...] = ()
    if type_name in _TEXT_TYPES:
        value = datum.value()
        if hasattr(value, "data"):
            data = bytes(value.data())
    if type_name in _INT_TYPES:
        integers = tuple(int(datum.toInt64(i)) for i in range(count))
    elif type_name in _RATIONAL_TYPES:
        rationals = tuple(
            (int(r[0]), int(r[1])) for r in (datum.toRational(i) for i in range(count))
        )
    printed = str(datum.print(exif_data)) if key in _PRINTED else None
    return _ExifValue(type_name, data, integers, rationals, printed)


def _xmp_value(datum: Any) -> XmpValue:
    type_name = str(datum.typeName())
    if type_name == "LangAlt":
        return {str(k): str(v) for k, v in dict(datum.value()).items()}
    if type_name in ("XmpBag", "XmpSeq", "XmpAlt"):
        return [str(v) for v in list(datum.value())]
    return str(datum.toString())


def _collect(image: Any, raw: _Raw, problems: list[str], what: str = "") -> None:
    """Copy the values we need out of an exiv2 image whose metadata has been read."""
    with contextlib.suppress(Exception):
        raw.byte_order = image.byteOrder()
    exif_data = image.exifData()
    for datum in exif_data:
        try:
            key = str(datum.key())
            if key in _EXIF_KEYS and key not in raw.exif:
                raw.exif[key] = _exif_value(datum, key, exif_data, raw.byte_order)
        except Exception as exc:
            problems.append(f"EXIF{what} value skipped: {_one_line(exc)}")
    for datum in image.iptcData():
        try:
            key = str(datum.key())
            value = datum.value()
            data = bytes(value.data()) if hasattr(value, "data") else None
            raw.iim.append((key, data, str(datum.toString()) if data is None else ""))
        except Exception as exc:
            problems.append(f"IPTC{what} value skipped: {_one_line(exc)}")
    for datum in image.xmpData():
        try:
            key = str(datum.key())
            if key not in raw.xmp:
                raw.xmp[key] = _xmp_value(datum)
        except Exception as exc:
            problems.append(f"XMP{what} value skipped: {_one_line(exc)}")


def _one_line(exc: BaseException | str, limit: int = 200) -> str:
    if isinstance(exc, exiv2.Exiv2Error) and len(exc.args) >= 2:
        text = str(exc.args[1])
    else:
        text = str(exc) or type(exc).__name__
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _error_code(exc: BaseException) -> str:
    code = exc.args[0] if exc.args else None
    return str(getattr(code, "name", code))


# ---------------------------------------------------------------------------------------------
# Opening


def _check_file(path: Path) -> None:
    try:
        info = path.stat()
    except OSError as exc:
        raise MetadataUnreadable(f"cannot open file: {exc.strerror or _one_line(exc)}") from exc
    if not stat.S_ISREG(info.st_mode):
        raise MetadataUnreadable("not a regular file")
    if info.st_size == 0:
        raise MetadataUnreadable("empty file (0 bytes)")


def _open(path: Path) -> Any:
    """``exiv2.Image`` for ``path``; raises :class:`MetadataUnreadable` if exiv2 declines."""
    try:
        try:
            return exiv2.ImageFactory.open(os.fspath(path))
        except (TypeError, UnicodeError):
            # python-exiv2 cannot pass an undecodable (surrogate-escaped) file name to C++;
            # hand it the bytes instead (rare, so a full read is acceptable here).
            return exiv2.ImageFactory.open(path.read_bytes())
    except exiv2.Exiv2Error as exc:
        raise _unreadable(exc) from exc
    except OSError as exc:
        raise MetadataUnreadable(f"cannot open file: {exc.strerror or _one_line(exc)}") from exc


def _unreadable(exc: BaseException) -> MetadataUnreadable:
    code = _error_code(exc)
    if code == "kerDataSourceOpenFailed":
        return MetadataUnreadable("cannot open file")
    if code in ("kerFileContainsUnknownImageType", "kerInputDataReadFailed", "kerNotAnImage"):
        return MetadataUnreadable("not an image file exiv2 can read")
    return MetadataUnreadable(f"not an image file exiv2 can read ({_one_line(exc)})")


def _read_raw(path: Path, problems: list[str]) -> _Raw:
    raw = _Raw()
    image = _open(path)
    failed = False
    try:
        image.readMetadata()
    except exiv2.Exiv2Error as exc:
        if _error_code(exc) == "kerNotAJpeg":  # the container itself, not a block inside
            raise MetadataUnreadable("not an image file exiv2 can read (broken JPEG)") from exc
        problems.append(f"metadata only partly read: {_one_line(exc)}")
        failed = True
    raw.mime = str(image.mimeType())
    _collect(image, raw, problems)
    del image
    if failed and raw.mime == "image/jpeg":
        _salvage_jpeg(path, raw, problems)
    if raw.mime in _BMFF_MIME and (not raw.exif or not raw.xmp):
        _read_bmff_items(path, raw, problems)
    return raw


_XMP_SIGNATURE = b"http://ns.adobe.com/xap/1.0/\x00"


def _salvage_jpeg(path: Path, raw: _Raw, problems: list[str]) -> None:
    """exiv2 stops a JPEG at the first block it cannot parse; read the others one by one.

    Each metadata segment still missing is wrapped alone into a minimal JPEG (SOI, segment,
    EOI) and parsed in isolation, so a damaged EXIF no longer hides a good XMP or IIM.
    """
    notes: list[str] = []
    try:
        with path.open("rb") as handle:
            segments = irb.jpeg_segments(handle, frozenset({irb.APP1, irb.APP13}), notes)
    except OSError as exc:
        problems.append(f"JPEG segments not readable: {_one_line(exc)}")
        return
    problems.extend(notes)
    need_exif, need_xmp, need_iim = not raw.exif, not raw.xmp, not raw.iim
    for code, payload in segments:
        if payload is None:
            continue
        if code == irb.APP1 and payload.startswith(b"Exif\x00\x00") and need_exif:
            need_exif = False
        elif code == irb.APP1 and payload.startswith(_XMP_SIGNATURE) and need_xmp:
            need_xmp = False
        elif code == irb.APP13 and payload.startswith(irb.PHOTOSHOP_HEADER) and need_iim:
            need_iim = False
        else:
            continue
        segment = bytes((0xFF, code)) + (len(payload) + 2).to_bytes(2, "big") + payload
        _collect_from_memory(b"\xff\xd8" + segment + b"\xff\xd9", raw, problems, " (salvaged)")


_TIFF_HEADER = re.compile(rb"II\*\x00|MM\x00\*")


def _read_bmff_items(path: Path, raw: _Raw, problems: list[str]) -> None:
    """Fetch Exif/XMP items of a HEIF/AVIF via libheif when exiv2 did not find them."""
    try:
        import pillow_heif

        heif = pillow_heif.open_heif(os.fspath(path), convert_hdr_to_8bit=False)
        info = heif.info
        exif_blob = info.get("exif") if not raw.exif else None
        xmp_blob = info.get("xmp") if not raw.xmp else None
    except Exception as exc:
        problems.append(f"HEIF metadata items not readable: {_one_line(exc)}")
        return
    if isinstance(exif_blob, bytes | bytearray) and exif_blob:
        found = _TIFF_HEADER.search(bytes(exif_blob[:64]))
        if found:
            _collect_from_memory(bytes(exif_blob[found.start() :]), raw, problems, " (HEIF)")
        else:
            problems.append("HEIF Exif item has no TIFF header")
    if isinstance(xmp_blob, bytes | bytearray | str) and xmp_blob:
        packet = xmp_blob.encode("utf-8") if isinstance(xmp_blob, str) else bytes(xmp_blob)
        packet = packet.lstrip(b"\x00 \t\r\n").removeprefix(b"\xef\xbb\xbf")
        if packet.startswith(b"<"):
            _collect_from_memory(packet, raw, problems, " (HEIF)")


def _collect_from_memory(blob: bytes, raw: _Raw, problems: list[str], what: str) -> None:
    """Parse a bare TIFF/EXIF blob or an XMP packet with exiv2 (it sniffs which one)."""
    try:
        image = exiv2.ImageFactory.open(blob)
        image.readMetadata()
    except exiv2.Exiv2Error as exc:
        problems.append(f"metadata{what} not readable: {_one_line(exc)}")
        return
    order = raw.byte_order
    _collect(image, raw, problems, what)
    raw.byte_order = order
    del image


# ---------------------------------------------------------------------------------------------
# Field accessors


class _Fields:
    """Typed access to the raw values, recording problems as warnings."""

    def __init__(self, raw: _Raw, problems: list[str]) -> None:
        self.raw = raw
        self.problems = problems
        self.iim_utf8 = False
        self._iim: dict[str, list[str]] = {}
        self._decode_iim()

    # EXIF ---------------------------------------------------------------------------------

    def exif_text(self, key: str) -> str | None:
        value = self.raw.exif.get(key)
        if value is None or not value.data:
            return None
        return decode_exif_text(value.data)

    def exif_int(self, key: str) -> int | None:
        value = self.raw.exif.get(key)
        return value.integers[0] if value and value.integers else None

    def exif_rational(self, key: str) -> Rational | None:
        value = self.raw.exif.get(key)
        return value.rationals[0] if value and value.rationals else None

    # IIM ----------------------------------------------------------------------------------

    def _decode_iim(self) -> None:
        charset = next((d for k, d, _ in self.raw.iim if k == "Iptc.Envelope.CharacterSet"), None)
        self.iim_utf8 = charset is not None and charset.strip() == b"\x1b%G"
        bad = False
        for key, data, printed in self.raw.iim:
            if data is None:
                self._iim.setdefault(key, []).append(printed)
                continue
            text, invalid = decode_iim_text(data, self.iim_utf8)
            bad = bad or invalid
            if text:
                self._iim.setdefault(key, []).append(text)
        if bad:
            self.problems.append("IIM declares UTF-8 (1:90) but holds other bytes; read as cp1252")

    @property
    def has_iim(self) -> bool:
        return any(k.startswith("Iptc.") for k, _, _ in self.raw.iim)

    def iim_list(self, name: str) -> list[str]:
        return list(self._iim.get(f"Iptc.Application2.{name}", []))

    def iim_text(self, name: str) -> str | None:
        values = self.iim_list(name)
        return values[0] if values else None

    # XMP ----------------------------------------------------------------------------------

    def xmp_text(self, key: str) -> str | None:
        """A simple or lang-alt property (x-default, else the first language)."""
        value = self.raw.xmp.get(key)
        text: str | None
        if isinstance(value, dict):
            text = value.get("x-default") or next(iter(value.values()), None)
        elif isinstance(value, list):
            text = value[0] if value else None
        else:
            text = value
        if text is None:
            return None
        text = text.replace("\x00", "").strip()
        return text or None

    def xmp_list(self, key: str) -> list[str]:
        value = self.raw.xmp.get(key)
        if value is None:
            return []
        items = list(value.values()) if isinstance(value, dict) else value
        if isinstance(items, str):
            items = [items]
        return [t for t in (i.replace("\x00", "").strip() for i in items) if t]


# ---------------------------------------------------------------------------------------------
# Building the result


def _guarded(problems: list[str], what: str, fn: Callable[[], None]) -> None:
    """Run one field group; a bug or an unexpected value costs that group, not the file."""
    try:
        fn()
    except Exception as exc:
        problems.append(f"internal error reading {what}: {type(exc).__name__}: {_one_line(exc)}")


def _digest_state(path: Path, fields: _Fields, problems: list[str]) -> DigestState:
    if not fields.has_iim:
        return DigestState.NO_IIM
    raw = fields.raw
    digests: irb.IptcDigests | None = None
    if raw.mime == "image/jpeg":
        try:
            with path.open("rb") as handle:
                digests = irb.jpeg_iptc_digests(handle)
        except OSError as exc:
            problems.append(f"IPTCDigest not readable: {_one_line(exc)}")
    elif raw.mime == "image/tiff":
        resources = raw.exif.get("Exif.Image.ImageResources")
        iptc = raw.exif.get("Exif.Image.IPTCNAA")
        digests = irb.digests_from_irb(
            resources.data if resources else None, iptc.data if iptc else None
        )
    if digests is None:
        return DigestState.NO_DIGEST
    problems.extend(f"Photoshop IRB: {note}" for note in digests.notes)
    if digests.stored is None:
        return DigestState.NO_DIGEST
    if digests.current is None:
        problems.append("IPTCDigest present but the IIM block was not found; digest ignored")
        return DigestState.NO_DIGEST
    if digests.stored_matches:
        return DigestState.MATCH
    problems.append(
        "IPTCDigest does not match the IIM block (IIM edited after the XMP): IIM preferred"
    )
    return DigestState.STALE


def _camera(md: PhotoMetadata, f: _Fields) -> None:
    md.camera_make = f.exif_text("Exif.Image.Make") or f.xmp_text("Xmp.tiff.Make")
    md.camera_model = f.exif_text("Exif.Image.Model") or f.xmp_text("Xmp.tiff.Model")
    for key in _SERIAL_KEYS:
        serial = _clean_identifier(f.raw.exif.get(key))
        if serial:
            md.body_serial = serial
            break
    md.lens = _lens(f)


def _clean_identifier(value: _ExifValue | None) -> str | None:
    """A serial number as text: ASCII/undefined bytes without NULs, or an integer."""
    if value is None:
        return None
    if value.data:
        text = value.data.replace(b"\x00", b"").decode("ascii", errors="replace").strip()
        return text if text and text.isprintable() and "\ufffd" not in text else None
    if value.integers and value.integers[0] > 0:
        return str(value.integers[0])
    return None


_NOT_A_LENS = re.compile(r"^(?:n/a|unknown.*|none|\(.*\)|[\d\s.,-]*)$", re.IGNORECASE)


def _lens(f: _Fields) -> str | None:
    for key in _LENS_TEXT_KEYS:
        text = f.exif_text(key)
        if text and text.isprintable() and not _NOT_A_LENS.match(text):
            return text
    for key in _LENS_PRINTED_KEYS:
        value = f.raw.exif.get(key)
        text = " ".join((value.printed or "").split()) if value else ""
        if " | " in text:
            continue  # exiv2 lists every lens sharing an ID: ambiguous, not a name
        if text and text.isprintable() and not _NOT_A_LENS.match(text):
            return text
    for key in ("Xmp.exifEX.LensModel", "Xmp.aux.Lens"):
        text = f.xmp_text(key)
        if text and not _NOT_A_LENS.match(text):
            return text
    return None


def _exposure(md: PhotoMetadata, f: _Fields) -> None:
    problems = f.problems
    exposure = f.exif_rational("Exif.Photo.ExposureTime")
    if exposure is not None:
        md.exposure_time = format_exposure(exposure)
        if md.exposure_time is None:
            problems.append(f"ExposureTime {exposure[0]}/{exposure[1]} ignored")
    fnumber = f.exif_rational("Exif.Photo.FNumber")
    if fnumber is not None:
        md.f_number = positive_float(fnumber, 1000.0)
    focal = f.exif_rational("Exif.Photo.FocalLength")
    if focal is not None:
        md.focal_length = positive_float(focal, 100000.0)
    iso = f.exif_int("Exif.Photo.ISOSpeedRatings")
    if iso == 65535:  # EXIF 2.3: "65535 or more", the real value is in ISOSpeed
        iso = f.exif_int("Exif.Photo.ISOSpeed") or iso
    md.iso = iso if iso is not None and 0 < iso < 10_000_000 else None


def _orientation(md: PhotoMetadata, f: _Fields) -> None:
    if f.raw.mime in _BMFF_MIME:
        # HEIF/AVIF carry the rotation in irot/imir boxes, which libheif (pillow-heif) applies
        # while decoding and then resets EXIF Orientation to 1; the EXIF tag is informative
        # only (MIAF). Reporting it would rotate the pixels twice.
        md.orientation = 1
        return
    value = f.exif_int("Exif.Image.Orientation")
    if value is None:
        return
    if 1 <= value <= 8:
        md.orientation = value
    else:
        f.problems.append(f"Orientation {value} is not 1-8; 1 assumed")


def _gps(md: PhotoMetadata, f: _Fields) -> None:
    exif = f.raw.exif
    lat_value = exif.get("Exif.GPSInfo.GPSLatitude")
    lon_value = exif.get("Exif.GPSInfo.GPSLongitude")
    if lat_value is not None or lon_value is not None:
        lat, lat_problem = gps_coordinate(
            list(lat_value.rationals) if lat_value else [],
            f.exif_text("Exif.GPSInfo.GPSLatitudeRef"),
            "N",
            "S",
            90.0,
        )
        lon, lon_problem = gps_coordinate(
            list(lon_value.rationals) if lon_value else [],
            f.exif_text("Exif.GPSInfo.GPSLongitudeRef"),
            "E",
            "W",
            180.0,
        )
        if lat_problem:
            f.problems.append(f"GPSLatitude: {lat_problem}")
        if lon_problem:
            f.problems.append(f"GPSLongitude: {lon_problem}")
        if lat is None or lon is None:
            f.problems.append("GPS position ignored (latitude or longitude unusable)")
        else:
            md.gps_latitude, md.gps_longitude = lat, lon
    else:
        lat_x = xmp_gps_coordinate(f.xmp_text("Xmp.exif.GPSLatitude"), 90.0)
        lon_x = xmp_gps_coordinate(f.xmp_text("Xmp.exif.GPSLongitude"), 180.0)
        if lat_x is not None and lon_x is not None:
            md.gps_latitude, md.gps_longitude = lat_x, lon_x
    if md.gps_latitude is None:
        return
    altitude = f.exif_rational("Exif.GPSInfo.GPSAltitude")
    below = f.exif_int("Exif.GPSInfo.GPSAltitudeRef") == 1
    if altitude is not None:
        metres = rational_to_float(altitude)
        if metres is not None and below:
            metres = -metres
        if metres is None or not -12_000.0 <= metres <= 100_000.0:
            f.problems.append(f"GPSAltitude {altitude[0]}/{altitude[1]} ignored")
        else:
            md.gps_altitude = round(metres, 3)


def _capture_time(md: PhotoMetadata, f: _Fields, state: DigestState) -> None:
    original = f.exif_text("Exif.Photo.DateTimeOriginal")
    if original is not None:
        value = exif_datetime(
            original,
            f.exif_text("Exif.Photo.SubSecTimeOriginal"),
            f.exif_text("Exif.Photo.OffsetTimeOriginal"),
        )
        if value is not None:
            md.captured_at, md.captured_at_source = value, EXIF
            return
        if original.strip(" :0-"):
            f.problems.append(f"DateTimeOriginal {original!r} is not a valid date")

    def from_xmp() -> str | None:
        for key in ("Xmp.exif.DateTimeOriginal", "Xmp.photoshop.DateCreated", "Xmp.xmp.CreateDate"):
            value = xmp_datetime(f.xmp_text(key))
            if value is not None:
                return value
        return None

    def from_iim() -> str | None:
        return iim_datetime(f.iim_text("DateCreated"), f.iim_text("TimeCreated"))

    order = [(XMP, from_xmp), (IPTC, from_iim)]
    if not state.xmp_first:
        order.reverse()
    for source, read in order:
        value = read()
        if value is not None:
            md.captured_at, md.captured_at_source = value, source
            return


def _descriptive(md: PhotoMetadata, f: _Fields, state: DigestState) -> None:
    make, model = md.camera_make, md.camera_model

    def real(text: str | None) -> str | None:
        return None if text is None or is_placeholder(text, make, model) else text

    def put(name: str, choice: Choice[str]) -> None:
        if choice.value:
            setattr(md, name, choice.value)
            md.sources[name] = choice.source or XMP

    put(
        "caption",
        choose_text(
            real(f.exif_text("Exif.Image.ImageDescription")),
            real(f.xmp_text("Xmp.dc.description")),
            real(f.iim_text("Caption")),
            state,
            IIM_LIMITS["caption"],
        ),
    )
    title = choose_text(
        None,
        real(f.xmp_text("Xmp.dc.title")),
        real(f.iim_text("ObjectName")),
        state,
        IIM_LIMITS["title"],
    )
    if title.value is None:
        xp_title = f.raw.exif.get("Exif.Image.XPTitle")
        title = Choice(real(decode_ucs2(xp_title.data)) if xp_title else None, EXIF)
    put("title", title)
    put(
        "headline",
        choose_text(
            None,
            real(f.xmp_text("Xmp.photoshop.Headline")),
            real(f.iim_text("Headline")),
            state,
            IIM_LIMITS["headline"],
        ),
    )
    put(
        "credit",
        choose_text(
            None,
            f.xmp_text("Xmp.photoshop.Credit"),
            f.iim_text("Credit"),
            state,
            IIM_LIMITS["credit"],
        ),
    )
    copyright_value = f.raw.exif.get("Exif.Image.Copyright")
    put(
        "copyright",
        choose_text(
            decode_exif_copyright(copyright_value.data) if copyright_value else None,
            f.xmp_text("Xmp.dc.rights"),
            f.iim_text("Copyright"),
            state,
            IIM_LIMITS["copyright"],
        ),
    )
    artist = f.exif_text("Exif.Image.Artist")
    if artist:
        put("creator", Choice(artist, EXIF))
    else:
        creators = choose_list(
            f.xmp_list("Xmp.dc.creator"), f.iim_list("Byline"), state, IIM_LIMITS["creator"]
        )
        if creators.value:
            put("creator", Choice("; ".join(dedupe(creators.value)), creators.source))
    put("alt_text", Choice(f.xmp_text("Xmp.iptc.AltTextAccessibility"), XMP))
    put("ext_description", Choice(f.xmp_text("Xmp.iptc.ExtDescrAccessibility"), XMP))
    put("usage_terms", Choice(f.xmp_text("Xmp.xmpRights.UsageTerms"), XMP))


def _keywords_and_people(md: PhotoMetadata, f: _Fields, state: DigestState) -> None:
    flat = choose_list(
        f.xmp_list("Xmp.dc.subject"), f.iim_list("Keywords"), state, IIM_LIMITS["keywords"]
    )
    flat_values, flat_source = flat.value or [], flat.source
    if not flat_values:
        xp = f.raw.exif.get("Exif.Image.XPKeywords")
        text = decode_ucs2(xp.data) if xp else None
        if text:
            flat_values = [k.strip() for k in text.split(";") if k.strip()]
            flat_source = EXIF
    lightroom = f.xmp_list("Xmp.lr.hierarchicalSubject")
    digikam = f.xmp_list("Xmp.digiKam.TagsList")
    md.keywords = merge_keywords(lightroom, digikam, flat_values)
    if md.keywords:
        md.sources["keywords"] = XMP if (lightroom or digikam) else (flat_source or XMP)

    people = f.xmp_list("Xmp.iptcExt.PersonInImage") + _face_names(f.raw.xmp)
    md.people = dedupe(people)
    if md.people:
        md.sources["people"] = XMP


_REGION_FIELD = re.compile(r"^Xmp\.mwg-rs\.Regions/[^/\[]*RegionList\[(\d+)\]/[^/:]*:(Name|Type)$")


def _face_names(xmp: dict[str, XmpValue]) -> list[str]:
    """Names of MWG regions (``mwg-rs:Regions``) whose ``mwg-rs:Type`` is ``Face``."""
    regions: dict[int, dict[str, str]] = {}
    for key, value in xmp.items():
        m = _REGION_FIELD.match(key)
        if m and isinstance(value, str):
            regions.setdefault(int(m.group(1)), {})[m.group(2)] = value.strip()
    return [
        r["Name"] for _, r in sorted(regions.items()) if r.get("Type") == "Face" and r.get("Name")
    ]


_COLOR_LABELS = frozenset({"red", "yellow", "green", "blue", "purple"})


def _color_label(md: PhotoMetadata, f: _Fields) -> None:
    label = f.xmp_text("Xmp.xmp.Label")
    if label is None:
        return
    if label.casefold() in _COLOR_LABELS:
        md.color_label = label.casefold()
        md.sources["color_label"] = XMP
    else:
        f.problems.append(f"colour label {label!r} is not one of red, yellow, green, blue, purple")


def _rating(md: PhotoMetadata, f: _Fields) -> None:
    text = f.xmp_text("Xmp.xmp.Rating")
    value, source = parse_rating(text), XMP
    if value is None:
        if text is not None:
            f.problems.append(f"xmp:Rating {text!r} is not a number")
        exif_rating = f.exif_int("Exif.Image.Rating")
        value, source = exif_rating, EXIF
        if exif_rating is not None and exif_rating > 0x7FFF:
            value = exif_rating - 0x10000  # SHORT written for a signed -1
    if value is None:
        return
    if value == -1:
        md.sources["rejected"] = source  # Lightroom/Bridge "rejected" flag: no star rating
        return
    if value < -1:
        f.problems.append(f"rating {value} ignored")
        return
    md.rating = min(value, 5)
    md.sources["rating"] = source


def read_metadata(path: Path) -> PhotoMetadata:
    """Read and reconcile the metadata of one image file.

    Never raises for damaged or hostile metadata: problems become ``warnings`` and whatever
    could be read is returned. Raises :class:`MetadataUnreadable` (one-line message) only when
    exiv2 cannot open the file as an image at all.
    """
    path = Path(path)
    _check_file(path)
    problems: list[str] = []
    with capturing_exiv2_log() as exiv2_messages:
        raw = _read_raw(path, problems)
        md = PhotoMetadata()
        fields = _Fields(raw, problems)
        state = DigestState.NO_IIM
        try:
            state = _digest_state(path, fields, problems)
        except Exception as exc:
            problems.append(f"internal error reading IPTCDigest: {_one_line(exc)}")
        _guarded(problems, "camera", lambda: _camera(md, fields))
        _guarded(problems, "exposure", lambda: _exposure(md, fields))
        _guarded(problems, "orientation", lambda: _orientation(md, fields))
        _guarded(problems, "GPS", lambda: _gps(md, fields))
        _guarded(problems, "capture time", lambda: _capture_time(md, fields, state))
        _guarded(problems, "descriptions", lambda: _descriptive(md, fields, state))
        _guarded(problems, "keywords", lambda: _keywords_and_people(md, fields, state))
        _guarded(problems, "rating", lambda: _rating(md, fields))
        _guarded(problems, "colour label", lambda: _color_label(md, fields))
    if any("Failed to decode XMP" in m for m in exiv2_messages):
        problems.append("XMP packet is not well-formed XML/RDF (or has a DOCTYPE); XMP ignored")
    messages = dedupe(f"exiv2: {m}" for m in exiv2_messages if m)
    if len(messages) > _MAX_EXIV2_MESSAGES:
        extra = len(messages) - _MAX_EXIV2_MESSAGES
        messages = [*messages[:_MAX_EXIV2_MESSAGES], f"exiv2: … and {extra} more messages"]
    md.warnings = dedupe([*problems, *messages])
    return md
