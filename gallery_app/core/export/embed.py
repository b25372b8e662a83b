"""The metadata bytes of an exported file, built from the catalog by allow-list.

Nothing here reads the original photo: every exported file says only what
:class:`~gallery_app.core.export.model.EmbeddedMetadata` holds (caption, title, alt text,
credit, copyright...), so GPS, serial numbers, maker notes, embedded thumbnails, edit history,
person names and face regions cannot leak by being forgotten in a strip list. The same text goes
to three places, because each reader looks somewhere else (``shared/research/metadata.md`` §1–§3):

* **XMP** (:func:`build_xmp`) is the master copy and the only home of alt text, extended
  description, event, usage terms and hierarchical keywords. Every format carries it.
* **EXIF IFD0** (:func:`build_exif`): ImageDescription, Artist, Copyright. MWG readers (exiftool
  ``-use MWG``, many DAMs) prefer ImageDescription over XMP, and WordPress falls back to it.
  Written as UTF-8 bytes: Pillow writes a ``str`` as ASCII and turns "Müller" into "M?ller".
  No Orientation tag: the pixels are already upright, and a stale tag would turn them again.
* **IPTC-IIM** in a Photoshop APP13 segment (:func:`build_iptc_app13`, :func:`insert_app13`),
  JPEG only (the IIM has no place in WebP or AVIF). WordPress 6.x reads title, caption, credit,
  copyright and keywords *only* from here (and EXIF), so without it a CMS upload arrives blank.
  It is built by hand (about 40 lines) because no maintained Python library writes IIM
  correctly: iptcinfo3 writes Latin-1 mojibake, drops the 1:90 UTF-8 marker and leaves a stale
  IPTCDigest (metadata.md §4.3); exiv2 would do it but only by rewriting a file on disk. The
  Photoshop IRB 0x0425 holds the MD5 of the IIM block, so MWG readers see IIM and XMP in sync.

Archive mode is not a flag here: people, release status, camera and capture time are written
only when the caller put them into the :class:`EmbeddedMetadata` (the preset decides).
"""

from __future__ import annotations

import hashlib
import re
import struct
from collections.abc import Iterable, Iterator
from datetime import datetime

from PIL import Image

from gallery_app.core.export.model import EmbeddedMetadata
from gallery_app.core.metadata.irb import (
    APP13,
    IRB_IPTC,
    IRB_IPTC_DIGEST,
    PHOTOSHOP_HEADER,
)

__all__ = [
    "IIM_LIMITS",
    "JPEG_SEGMENT_MAX",
    "XMP_NAMESPACES",
    "build_exif",
    "build_iptc_app13",
    "build_xmp",
    "dc_subjects",
    "insert_app13",
    "truncate_utf8",
]

JPEG_SEGMENT_MAX = 65533
"""Largest payload of one JPEG marker segment (the uint16 length counts its own two bytes)."""

# --- XMP ---------------------------------------------------------------------------------------

XMP_NAMESPACES: dict[str, str] = {
    "dc": "http://purl.org/dc/elements/1.1/",
    "photoshop": "http://ns.adobe.com/photoshop/1.0/",
    "Iptc4xmpCore": "http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/",
    "Iptc4xmpExt": "http://iptc.org/std/Iptc4xmpExt/2008-02-29/",
    "xmpRights": "http://ns.adobe.com/xap/1.0/rights/",
    "lr": "http://ns.adobe.com/lightroom/1.0/",
    "plus": "http://ns.useplus.org/ldf/xmp/1.0/",
    "exif": "http://ns.adobe.com/exif/1.0/",
    "tiff": "http://ns.adobe.com/tiff/1.0/",
    "aux": "http://ns.adobe.com/exif/1.0/aux/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "digiKam": "http://www.digikam.org/ns/1.0/",
}
"""Prefix → URI of every XMP schema we write, for the export builder and the write-back merge
alike, so the two can never disagree on a URI. :func:`build_xmp` declares only the prefixes its
packet uses."""

# Characters XML 1.0 cannot carry at all (even as references): C0 controls except tab/LF/CR,
# lone surrogates and the two non-characters. Dropped from every field in every block (so the
# three copies stay identical), so a pasted control byte cannot make the packet unreadable.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(value: str) -> str:
    """``value`` escaped for element content, so that a parser returns it unchanged.

    ``&``, ``<`` and ``>`` become entities; CR becomes ``&#xD;`` because XML parsers turn a
    literal CR (or CRLF) into LF. Quotes need no escaping in content but are escaped anyway,
    which costs nothing and keeps the function safe should a value ever go into an attribute.
    """
    return (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&apos;")
        .replace("\r", "&#xD;")
    )


def _clean(value: str | None) -> str | None:
    """The value without characters XML cannot hold; ``None`` if missing or blank.

    Empty fields are omitted, never written empty.
    """
    if value is None:
        return None
    value = _XML_INVALID.sub("", value)
    return value if value.strip() else None


def _lang_alt(name: str, value: str) -> str:
    return (
        f"   <{name}>\n    <rdf:Alt>\n"
        f'     <rdf:li xml:lang="x-default">{_xml_text(value)}</rdf:li>\n'
        f"    </rdf:Alt>\n   </{name}>\n"
    )


def _array(name: str, kind: str, values: Iterable[str]) -> str:
    items = "".join(f"     <rdf:li>{_xml_text(v)}</rdf:li>\n" for v in values)
    return f"   <{name}>\n    <rdf:{kind}>\n{items}    </rdf:{kind}>\n   </{name}>\n"


def _simple(name: str, value: str) -> str:
    return f"   <{name}>{_xml_text(value)}</{name}>\n"


def _unique(values: Iterable[str]) -> list[str]:
    """Cleaned, non-blank values, first occurrence kept, order kept."""
    seen: set[str] = set()
    out: list[str] = []
    for raw in values:
        value = _clean(raw)
        if value is not None and value not in seen:
            seen.add(value)
            out.append(value)
    return out


def _hierarchy(keyword: str) -> list[str] | None:
    """The non-empty levels of an ``"A|B|C"`` keyword (maybe none), or ``None`` if flat."""
    if "|" not in keyword:
        return None
    return [part.strip() for part in _XML_INVALID.sub("", keyword).split("|") if part.strip()]


def dc_subjects(keywords: Iterable[str]) -> list[str]:
    """Flat keywords plus the leaf of each hierarchical one, deduplicated, in order.

    This is what Lightroom writes to ``dc:subject`` next to ``lr:hierarchicalSubject``, and
    what goes to IIM 2:25 (which has no hierarchy): "Events|Summit 2025" is found as
    "Summit 2025" by readers that know only flat keywords. A keyword of bare separators
    ("|", " | ") says nothing and is dropped.
    """
    flat: list[str] = []
    for keyword in keywords:
        levels = _hierarchy(keyword)
        if levels is None:
            flat.append(keyword.strip())
        elif levels:
            flat.append(levels[-1])
    return _unique(flat)


def _xmp_date(iso: str) -> str:
    """An ISO 8601 date-time as XMP wants it (``T`` separator), or the text as given.

    XMP dates are a subset of ISO 8601, so a value that ``datetime`` can parse is normalised and
    anything else is passed through for the reader to judge rather than silently dropped.
    """
    try:
        parsed = datetime.fromisoformat(iso.strip())
    except ValueError:
        return iso.strip()
    return parsed.isoformat()


def build_xmp(metadata: EmbeddedMetadata) -> bytes:
    """A complete, well-formed XMP packet (UTF-8) with the allow-listed fields that are set.

    One ``rdf:Description`` in ``x:xmpmeta``/``rdf:RDF`` inside an ``<?xpacket?>`` wrapper,
    without padding (exported files are never edited in place) and without ``x:xmptk`` (it
    would only advertise our tool). Text is escaped, never interpolated raw, so a caption of
    ``<script>`` is stored as text. Returns ``b""`` when there is nothing to say, so that the
    caller writes no XMP at all.
    """
    md = metadata
    parts: list[str] = []
    if title := _clean(md.title):
        parts.append(_lang_alt("dc:title", title))
    if headline := _clean(md.headline):
        parts.append(_simple("photoshop:Headline", headline))
    if caption := _clean(md.caption):
        parts.append(_lang_alt("dc:description", caption))
    if alt := _clean(md.alt_text):
        parts.append(_lang_alt("Iptc4xmpCore:AltTextAccessibility", alt))
    if ext := _clean(md.ext_description):
        parts.append(_lang_alt("Iptc4xmpCore:ExtDescrAccessibility", ext))
    if creator := _clean(md.creator):
        parts.append(_array("dc:creator", "Seq", [creator]))
    if credit := _clean(md.credit):
        parts.append(_simple("photoshop:Credit", credit))
    if rights := _clean(md.copyright):
        parts.append(_lang_alt("dc:rights", rights))
        parts.append(_simple("xmpRights:Marked", "True"))
    if terms := _clean(md.usage_terms):
        parts.append(_lang_alt("xmpRights:UsageTerms", terms))
    if subjects := dc_subjects(md.keywords):
        parts.append(_array("dc:subject", "Bag", subjects))
    hierarchical = _unique("|".join(levels) for k in md.keywords if (levels := _hierarchy(k)))
    if hierarchical:
        parts.append(_array("lr:hierarchicalSubject", "Bag", hierarchical))
    if event := _clean(md.event):
        parts.append(_lang_alt("Iptc4xmpExt:Event", event))
    # Archive only: present when the preset put them into the metadata.
    if people := _unique(md.people):
        parts.append(_array("Iptc4xmpExt:PersonInImage", "Bag", people))
    if release := _clean(md.model_release_status):
        parts.append(_simple("plus:ModelReleaseStatus", release))
    if captured := _clean(md.captured_at):
        parts.append(_simple("exif:DateTimeOriginal", _xmp_date(captured)))
    if make := _clean(md.camera_make):
        parts.append(_simple("tiff:Make", make))
    if model := _clean(md.camera_model):
        parts.append(_simple("tiff:Model", model))
    if lens := _clean(md.lens):
        parts.append(_simple("aux:Lens", lens))
    if not parts:
        return b""
    body = "".join(parts)
    used = [p for p in XMP_NAMESPACES if f"<{p}:" in body]
    xmlns = "".join(f'\n    xmlns:{p}="{XMP_NAMESPACES[p]}"' for p in used)
    packet = (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        f'  <rdf:Description rdf:about=""{xmlns}>\n'
        f"{body}"
        "  </rdf:Description>\n"
        " </rdf:RDF>\n"
        "</x:xmpmeta>\n"
        '<?xpacket end="w"?>'
    )
    return packet.encode("utf-8")


# --- EXIF --------------------------------------------------------------------------------------

_IMAGE_DESCRIPTION = 0x010E
_MAKE = 0x010F
_MODEL = 0x0110
_ARTIST = 0x013B
_COPYRIGHT = 0x8298
_EXIF_IFD = 0x8769
_DATE_TIME_ORIGINAL = 0x9003


def _exif_text(value: str) -> bytes:
    """UTF-8 bytes for an EXIF ASCII tag (``value`` is cleaned: it holds no NUL)."""
    return value.encode("utf-8")


def _exif_date(iso: str) -> str | None:
    """``YYYY:MM:DD HH:MM:SS`` from ISO 8601, or ``None`` if it is not a date-time.

    EXIF has a fixed 19-character format; a value that does not parse is left out of EXIF
    (XMP still carries it as given) rather than written in a form readers reject.
    """
    try:
        parsed = datetime.fromisoformat(iso.strip())
    except ValueError:
        return None
    return parsed.strftime("%Y:%m:%d %H:%M:%S")


def build_exif(metadata: EmbeddedMetadata) -> bytes:
    """``Exif\\0\\0`` + a TIFF block with IFD0 ImageDescription, Artist and Copyright.

    Only the allow-listed tags, as UTF-8 (MWG's recommendation for these three, and what
    exiftool, exiv2 and PHP's ``exif_read_data`` decode). Make, Model and (in the EXIF
    sub-IFD) DateTimeOriginal are added when the metadata holds them, which only the archive
    preset does. Never an Orientation tag. Returns ``b""`` when there is nothing to write.
    """
    md = metadata
    exif = Image.Exif()
    if caption := _clean(md.caption):
        exif[_IMAGE_DESCRIPTION] = _exif_text(caption)
    if creator := _clean(md.creator):
        exif[_ARTIST] = _exif_text(creator)
    if rights := _clean(md.copyright):
        exif[_COPYRIGHT] = _exif_text(rights)
    if make := _clean(md.camera_make):
        exif[_MAKE] = _exif_text(make)
    if model := _clean(md.camera_model):
        exif[_MODEL] = _exif_text(model)
    if md.captured_at and (when := _exif_date(md.captured_at)):
        # A str, not bytes: in a sub-IFD Pillow would store bytes as BYTE, not ASCII.
        exif.get_ifd(_EXIF_IFD)[_DATE_TIME_ORIGINAL] = when
    if not exif:
        return b""
    return exif.tobytes()


# --- IPTC-IIM in a Photoshop APP13 segment ----------------------------------------------------

IIM_LIMITS: dict[int, int] = {
    5: 64,  # ObjectName
    25: 64,  # Keywords (each)
    80: 32,  # By-line
    105: 256,  # Headline
    110: 32,  # Credit
    116: 128,  # CopyrightNotice
    120: 2000,  # Caption-Abstract
}
"""Byte limits of the IIM datasets we write (record 2), from exiftool's IPTC table."""

_UTF8_ESCAPE = b"\x1b%G"  # 1:90 CodedCharacterSet = ISO 2022 escape for UTF-8
_RECORD_VERSION = 4


def truncate_utf8(text: str, limit: int) -> bytes:
    """``text`` in UTF-8, cut to at most ``limit`` bytes without splitting a character.

    IIM limits are in bytes, so "Müller" costs 7 of them; a cut inside a multi-byte sequence
    would leave an invalid byte that some readers turn into mojibake or reject.
    """
    data = text.encode("utf-8")
    if len(data) <= limit:
        return data
    cut = limit
    while cut > 0 and (data[cut] & 0xC0) == 0x80:  # data[cut] continues the previous character
        cut -= 1
    return data[:cut]


def _dataset(record: int, number: int, data: bytes) -> bytes:
    if len(data) > 0x7FFF:  # extended (long) datasets are never needed for our limits
        raise ValueError(f"IIM dataset {record}:{number} too long ({len(data)} bytes)")
    return struct.pack(">BBBH", 0x1C, record, number, len(data)) + data


def _irb(resource_id: int, data: bytes) -> bytes:
    """One Photoshop image resource block: 8BIM, id, empty Pascal name, size, data, pad."""
    pad = b"\x00" if len(data) & 1 else b""
    return b"8BIM" + struct.pack(">HHI", resource_id, 0, len(data)) + data + pad


def _iim_datasets(metadata: EmbeddedMetadata) -> Iterator[tuple[int, str]]:
    md = metadata
    if title := _clean(md.title):
        yield 5, title
    for keyword in dc_subjects(md.keywords):
        yield 25, keyword
    if creator := _clean(md.creator):
        yield 80, creator
    if headline := _clean(md.headline):
        yield 105, headline
    if credit := _clean(md.credit):
        yield 110, credit
    if rights := _clean(md.copyright):
        yield 116, rights
    if caption := _clean(md.caption):
        yield 120, caption


# Header, two IRB headers (12 bytes each), 16-byte digest, pad: what the IIM may not use.
_APP13_OVERHEAD = len(PHOTOSHOP_HEADER) + 12 + 1 + 12 + 16


def build_iptc_app13(metadata: EmbeddedMetadata) -> bytes:
    """The payload of a JPEG APP13 segment: Photoshop IRBs with the IIM and its digest.

    IIM record 1:90 says UTF-8, 2:00 is record version 4, then ObjectName (title), Keywords
    (flat keywords and hierarchy leaves, one dataset each), By-line, Headline, Credit,
    CopyrightNotice and Caption-Abstract, each cut at its byte limit on a character boundary
    (the full text stays in XMP). IRB 0x0425 is the MD5 of the IIM bytes (unpadded, as exiftool
    computes ``CurrentIPTCDigest``). Keywords that would push the segment past 64 KB are left
    out of the IIM (XMP keeps them all). Returns ``b""`` when there is no field to write.
    """
    fields = [
        _dataset(2, number, truncate_utf8(text, IIM_LIMITS[number]))
        for number, text in _iim_datasets(metadata)
    ]
    fields = [f for f in fields if len(f) > 5]  # a value truncated to nothing is no value
    if not fields:
        return b""
    iim = _dataset(1, 90, _UTF8_ESCAPE) + _dataset(2, 0, struct.pack(">H", _RECORD_VERSION))
    budget = JPEG_SEGMENT_MAX - _APP13_OVERHEAD
    for field in fields:
        if len(iim) + len(field) <= budget:
            iim += field
    digest = hashlib.md5(iim, usedforsecurity=False).digest()
    return PHOTOSHOP_HEADER + _irb(IRB_IPTC, iim) + _irb(IRB_IPTC_DIGEST, digest)


# --- inserting APP13 into a JPEG ----------------------------------------------------------------

_SOI = b"\xff\xd8"
_SOS = 0xDA
_EOI = 0xD9
_APP0 = 0xE0
_APP1 = 0xE1


def _standalone(code: int) -> bool:
    """Markers without a length field (TEM, RSTn) — not expected before SOS, but legal."""
    return code == 0x01 or 0xD0 <= code <= 0xD7


def insert_app13(jpeg_bytes: bytes, app13_payload: bytes) -> bytes:
    """``jpeg_bytes`` with an APP13 segment holding ``app13_payload`` in the right place.

    The header is walked marker by marker from SOI to SOS with every length checked; the
    segment goes after the leading APP0 (JFIF) and APP1 (EXIF, XMP) segments, where Photoshop
    and exiftool put it, and before everything else. A Photoshop APP13 already there is
    replaced (a file must not have two IIM blocks). The entropy-coded data from SOS on is
    copied byte for byte. An empty payload returns the input unchanged. Raises ``ValueError``
    for input that is not a well-formed JPEG header or a payload too large for one segment.
    """
    if not app13_payload:
        return jpeg_bytes
    if len(app13_payload) > JPEG_SEGMENT_MAX:
        raise ValueError(f"APP13 payload of {len(app13_payload)} bytes exceeds one JPEG segment")
    if not jpeg_bytes.startswith(_SOI):
        raise ValueError("not a JPEG (no SOI marker)")
    segment = b"\xff\xed" + struct.pack(">H", len(app13_payload) + 2) + app13_payload
    kept: list[bytes] = []
    insert_at: int | None = None  # index into ``kept``
    pos = 2
    end = len(jpeg_bytes)
    while True:
        if pos + 2 > end or jpeg_bytes[pos] != 0xFF:
            raise ValueError(f"JPEG marker expected at offset {pos}")
        start = pos
        pos += 1
        while pos < end and jpeg_bytes[pos] == 0xFF:  # fill bytes
            pos += 1
        if pos >= end:
            raise ValueError("JPEG header ends inside a marker")
        code = jpeg_bytes[pos]
        pos += 1
        if code == _SOS:
            if insert_at is None:
                insert_at = len(kept)
            kept.insert(insert_at, segment)
            return _SOI + b"".join(kept) + jpeg_bytes[start:]
        if code == _EOI:
            raise ValueError("JPEG ends before its first scan")
        if _standalone(code):
            kept.append(jpeg_bytes[start:pos])
            continue
        if pos + 2 > end:
            raise ValueError("JPEG header ends inside a segment length")
        length = int.from_bytes(jpeg_bytes[pos : pos + 2], "big")
        if length < 2 or pos + length > end:
            raise ValueError(f"JPEG segment 0xFF{code:02X} has impossible length {length}")
        payload = jpeg_bytes[pos + 2 : pos + length]
        pos += length
        if code == APP13 and payload.startswith(PHOTOSHOP_HEADER):
            continue  # replaced by ours
        if insert_at is None and code not in (_APP0, _APP1):
            insert_at = len(kept)
        kept.append(jpeg_bytes[start:pos])
