"""Rewriting a JPEG's metadata segments without touching anything else of the file.

The three blocks are produced differently, each for a measured reason (README "Write-back"):

* **IPTC-IIM** (APP13): exiv2 — the import's engine — merges our datasets into the file's IIM
  (other tools' datasets stay, re-encoded as UTF-8 with 1:90 = ESC % G), writing the result
  into a copy in memory; we take its APP13 from that copy. exiv2 leaves Photoshop's IRB 0x0425
  IPTCDigest stale, which would make MWG readers prefer the *old* IIM, so we set it.
* **EXIF** (APP1 ``Exif``): exiv2 would re-lay out the whole block (it broke a Nikon maker
  note's sub-IFD in the corpus), so IFD0 gets an append-only patch (:mod:`.tiffpatch`).
* **XMP** (APP1): merged as XML (:mod:`.xmp`) and written verbatim.

Everything from the first SOS on (the compressed image data and any trailer) is copied byte
for byte; other segments (JFIF, ICC, MPF, Ducky, COM, quantisation and Huffman tables ...)
stay in order. Multi-picture files (MPF) address their secondary images relative to the MPF
segment, so no segment after it may change size: such a file is refused rather than damaged.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass

import exiv2

from gallery_app.core.export.embed import (
    IIM_LIMITS,
    JPEG_SEGMENT_MAX,
    build_exif,
    dc_subjects,
    truncate_utf8,
)
from gallery_app.core.export.model import EmbeddedMetadata
from gallery_app.core.metadata import irb
from gallery_app.core.metadata.reader import capturing_exiv2_log
from gallery_app.core.metadata.values import decode_iim_text
from gallery_app.core.writeback import tiffpatch

__all__ = [
    "IIM_KEYS",
    "JpegTexts",
    "JpegWriteError",
    "iim_values",
    "kept_parts",
    "rewrite_jpeg",
    "scan_data",
]

_SOI = b"\xff\xd8"
_SOS = 0xDA
_EOI = 0xD9
APP0, APP1, APP2, APP13 = 0xE0, 0xE1, 0xE2, 0xED
EXIF_HEADER = b"Exif\x00\x00"
_EXIF = EXIF_HEADER
XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"
EXTENDED_XMP_HEADER = b"http://ns.adobe.com/xmp/extension/\x00"
_MPF_HEADER = b"MPF\x00"
_UTF8 = b"\x1b%G"

# exiv2 IIM keys → IIM dataset numbers (the limits table is keyed by number)
IIM_KEYS = {
    "Iptc.Application2.ObjectName": 5,
    "Iptc.Application2.Keywords": 25,
    "Iptc.Application2.Byline": 80,
    "Iptc.Application2.Headline": 105,
    "Iptc.Application2.Credit": 110,
    "Iptc.Application2.Copyright": 116,
    "Iptc.Application2.Caption": 120,
}
_IIM_ENVELOPE = {"Iptc.Envelope.CharacterSet", "Iptc.Application2.RecordVersion"}

IIM_DATASET_LIMITS: dict[tuple[int, int], int] = {
    # Envelope record (1:x) text datasets.
    (1, 5): 1024,  # Destination
    (1, 30): 10,  # ServiceIdentifier
    (1, 40): 8,  # EnvelopeNumber
    (1, 50): 32,  # ProductID
    (1, 60): 1,  # EnvelopePriority
    (1, 70): 8,  # DateSent
    (1, 80): 11,  # TimeSent
    (1, 100): 80,  # UniqueObjectName
    # Application record (2:x) text datasets.
    (2, 3): 67,  # ObjectTypeReference
    (2, 4): 68,  # ObjectAttributeReference
    (2, 5): 64,  # ObjectName
    (2, 7): 64,  # EditStatus
    (2, 8): 2,  # EditorialUpdate
    (2, 10): 1,  # Urgency
    (2, 12): 236,  # SubjectReference
    (2, 15): 3,  # Category
    (2, 20): 32,  # SupplementalCategories
    (2, 22): 32,  # FixtureIdentifier
    (2, 25): 64,  # Keywords
    (2, 26): 3,  # ContentLocationCode
    (2, 27): 64,  # ContentLocationName
    (2, 30): 8,  # ReleaseDate
    (2, 35): 11,  # ReleaseTime
    (2, 37): 8,  # ExpirationDate
    (2, 38): 11,  # ExpirationTime
    (2, 40): 256,  # SpecialInstructions
    (2, 42): 2,  # ActionAdvised
    (2, 45): 10,  # ReferenceService
    (2, 47): 8,  # ReferenceDate
    (2, 50): 8,  # ReferenceNumber
    (2, 55): 8,  # DateCreated
    (2, 60): 11,  # TimeCreated
    (2, 62): 8,  # DigitalCreationDate
    (2, 63): 11,  # DigitalCreationTime
    (2, 65): 32,  # OriginatingProgram
    (2, 70): 10,  # ProgramVersion
    (2, 75): 1,  # ObjectCycle
    (2, 80): 32,  # By-line
    (2, 85): 32,  # By-lineTitle
    (2, 90): 32,  # City
    (2, 92): 32,  # Sub-location
    (2, 95): 32,  # Province-State
    (2, 100): 3,  # Country-PrimaryLocationCode
    (2, 101): 64,  # Country-PrimaryLocationName
    (2, 103): 32,  # OriginalTransmissionReference
    (2, 105): 256,  # Headline
    (2, 110): 32,  # Credit
    (2, 115): 32,  # Source
    (2, 116): 128,  # CopyrightNotice
    (2, 118): 128,  # Contact
    (2, 120): 2000,  # Caption-Abstract
    (2, 121): 256,  # LocalCaption
    (2, 122): 32,  # Writer-Editor
    (2, 130): 2,  # ImageType
    (2, 131): 1,  # ImageOrientation
    (2, 135): 3,  # LanguageIdentifier
}
"""Byte limits of IIM text datasets (exiftool's IPTC tables, which ``-validate`` checks):
other tools' text recoded to UTF-8 is cut to them on a character boundary."""


class JpegWriteError(Exception):
    """This JPEG cannot be rewritten safely; the message says why in one line."""


@dataclass(frozen=True)
class JpegTexts:
    """What goes into EXIF IFD0 and the IIM (the XMP packet comes ready-made)."""

    metadata: EmbeddedMetadata
    rating: int
    """0-5 or -1 (rejected); mirrored to EXIF Rating only where Windows already put one."""


@dataclass
class _Segment:
    marker: int
    data: bytes
    """The whole segment including marker and length (or the marker alone)."""

    @property
    def payload(self) -> bytes:
        return self.data[4:]


def _split(jpeg: bytes) -> tuple[list[_Segment], int]:
    """Segments from SOI to the first SOS (exclusive) and the offset of that SOS."""
    if not jpeg.startswith(_SOI):
        raise JpegWriteError("not a JPEG (no SOI marker)")
    segments: list[_Segment] = []
    pos = 2
    end = len(jpeg)
    while True:
        if pos + 2 > end or jpeg[pos] != 0xFF:
            raise JpegWriteError(f"damaged JPEG: marker expected at offset {pos}")
        start = pos
        while pos < end and jpeg[pos] == 0xFF:
            pos += 1
        if pos >= end:
            raise JpegWriteError("damaged JPEG: header ends inside a marker")
        code = jpeg[pos]
        pos += 1
        if code == _SOS:
            return segments, start
        if code == _EOI:
            raise JpegWriteError("damaged JPEG: it ends before its image data")
        if code == 0x01 or 0xD0 <= code <= 0xD7:
            segments.append(_Segment(code, jpeg[start:pos]))
            continue
        if pos + 2 > end:
            raise JpegWriteError("damaged JPEG: header ends inside a segment length")
        length = int.from_bytes(jpeg[pos : pos + 2], "big")
        if length < 2 or pos + length > end:
            raise JpegWriteError(f"damaged JPEG: segment 0xFF{code:02X} has impossible length")
        pos += length
        # Normalise fill bytes away: the segment is rebuilt from marker, length and payload.
        segments.append(_Segment(code, bytes((0xFF, code)) + jpeg[pos - length : pos]))


def scan_data(jpeg: bytes) -> bytes:
    """Everything from the first SOS on: the compressed image, EOI and any trailer."""
    _, sos = _split(jpeg)
    return jpeg[sos:]


def _rewritten(seg: _Segment) -> bool:
    """A segment write-back replaces: EXIF, (Extended) XMP, the Photoshop resources."""
    payload = seg.payload
    if seg.marker == APP1:
        return payload.startswith((EXIF_HEADER, XMP_HEADER, EXTENDED_XMP_HEADER))
    return seg.marker == APP13 and payload.startswith(irb.PHOTOSHOP_HEADER)


def kept_parts(jpeg: bytes) -> list[bytes]:
    """Every segment write-back does not rewrite (tables, frame header, ICC profile, MPF,
    Adobe APP14, comments ...) in order, then the scan data: what must stay byte-identical."""
    segments, sos = _split(jpeg)
    return [s.data for s in segments if not _rewritten(s)] + [jpeg[sos:]]


def _segment(marker: int, payload: bytes) -> _Segment:
    if len(payload) > JPEG_SEGMENT_MAX:
        raise JpegWriteError(
            f"a metadata block would be {len(payload) // 1024} KB, more than a JPEG segment "
            "holds (64 KB); shorten the caption or keywords"
        )
    return _Segment(marker, bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload)


def existing_xmp(jpeg: bytes) -> bytes | None:
    """The payload of the file's main XMP packet, if any."""
    segments, _ = _split(jpeg)
    for seg in segments:
        if seg.marker == APP1 and seg.payload.startswith(XMP_HEADER):
            return seg.payload[len(XMP_HEADER) :]
    return None


# --- EXIF ----------------------------------------------------------------------------------------

_IMAGE_DESCRIPTION, _ARTIST, _COPYRIGHT = 0x010E, 0x013B, 0x8298
_XP_TITLE, _XP_KEYWORDS = 0x9C9B, 0x9C9E
_RATING, _RATING_PERCENT = 0x4746, 0x4749


def _exif_changes(texts: JpegTexts, present: dict[int, bytes]) -> dict[int, tiffpatch.IFD0Value]:
    md = texts.metadata
    changes: dict[int, tiffpatch.IFD0Value] = {}
    for tag, value in (
        (_IMAGE_DESCRIPTION, md.caption),
        (_ARTIST, md.creator),
        (_COPYRIGHT, md.copyright),
    ):
        if value:
            changes[tag] = tiffpatch.ascii_value(value)
        elif tag in present and present[tag].strip(b"\x00 "):
            # MWG readers trust EXIF first: a stale value would come back on the next import.
            changes[tag] = tiffpatch.ascii_value("")
    if _XP_TITLE in present:
        changes[_XP_TITLE] = tiffpatch.ucs2_value(md.title or "")
    if _XP_KEYWORDS in present:
        changes[_XP_KEYWORDS] = tiffpatch.ucs2_value(";".join(dc_subjects(md.keywords)))
    return changes


def _patch_exif(payload: bytes, texts: JpegTexts) -> bytes:
    block = payload[len(EXIF_HEADER) :]
    try:
        present = tiffpatch.ifd0_entries(block)
        changes = _exif_changes(texts, present)
        endian = "<" if block[:2] == b"II" else ">"
        stars = max(texts.rating, 0)
        if _RATING in present:
            changes[_RATING] = tiffpatch.IFD0Value(
                tiffpatch.SHORT, 1, struct.pack(endian + "H", stars)
            )
        if _RATING_PERCENT in present:
            percent = (0, 1, 25, 50, 75, 99)[stars]
            changes[_RATING_PERCENT] = tiffpatch.IFD0Value(
                tiffpatch.SHORT, 1, struct.pack(endian + "H", percent)
            )
        return EXIF_HEADER + tiffpatch.patch_ifd0(block, changes)
    except tiffpatch.TiffPatchError as exc:
        raise JpegWriteError(f"its EXIF block is damaged ({exc}); not changed") from exc


# --- IPTC-IIM ------------------------------------------------------------------------------------


def iim_values(md: EmbeddedMetadata) -> list[tuple[str, str]]:
    values: list[tuple[str, str | None]] = [
        ("Iptc.Application2.ObjectName", md.title),
        *(("Iptc.Application2.Keywords", k) for k in dc_subjects(md.keywords)),
        ("Iptc.Application2.Byline", md.creator),
        ("Iptc.Application2.Headline", md.headline),
        ("Iptc.Application2.Credit", md.credit),
        ("Iptc.Application2.Copyright", md.copyright),
        ("Iptc.Application2.Caption", md.caption),
    ]
    out: list[tuple[str, str]] = []
    for key, text in values:
        if text is None or not text.strip():
            continue
        cut = truncate_utf8(text, IIM_LIMITS[IIM_KEYS[key]]).decode("utf-8")
        if cut.strip():
            out.append((key, cut))
    return out


def _add(iptc: object, key: str, text: str) -> None:
    datum = exiv2.Iptcdatum(exiv2.IptcKey(key))
    datum.setValue(text)
    iptc.add(datum)  # type: ignore[attr-defined]


def _merged_app13(jpeg: bytes, md: EmbeddedMetadata) -> bytes | None:
    """The Photoshop IRB data (without the APP13 header) exiv2 writes, digest made current.

    ``None`` when the file has no IIM and we have nothing to put there.
    """
    ours = iim_values(md)
    # exiv2's complaints about maker notes it cannot parse are the import's business (it keeps
    # them with the photo); here they would only be noise on stderr.
    with capturing_exiv2_log():
        written = _exiv2_iim(jpeg, ours)
    if written is None:
        return None
    segments, _ = _split(written)
    parts = [
        s.payload[len(irb.PHOTOSHOP_HEADER) :]
        for s in segments
        if s.marker == APP13 and s.payload.startswith(irb.PHOTOSHOP_HEADER)
    ]
    if not parts:
        return None
    return _with_current_digest(b"".join(parts))


def _exiv2_iim(jpeg: bytes, ours: list[tuple[str, str]]) -> bytes | None:
    """The whole file as exiv2 writes it with our IIM merged in (only its APP13 is used)."""
    try:
        image = exiv2.ImageFactory.open(jpeg)
        image.readMetadata()
        iptc = image.iptcData()
        charset = b""
        kept: list[tuple[str, tuple[int, int], str, bytes | None, object]] = []
        for datum in iptc:
            key = str(datum.key())
            value = datum.value()
            data = bytes(value.data()) if hasattr(value, "data") else None
            if key == "Iptc.Envelope.CharacterSet":
                charset = (data or b"").strip()
            elif key not in IIM_KEYS and key not in _IIM_ENVELOPE:
                where = (int(datum.record()), int(datum.tag()))
                kept.append((key, where, str(datum.typeName()), data, datum.getValue()))
        if not ours and not kept and iptc.count() == 0:
            return None
        utf8 = charset == _UTF8
        iptc.clear()
        _add(iptc, "Iptc.Envelope.CharacterSet", "\x1b%G")
        _add(iptc, "Iptc.Application2.RecordVersion", "4")
        for key, where, type_name, data, original in kept:
            if type_name == "String" and data is not None:
                # Other tools' text, recoded so that 1:90 = UTF-8 is true for every dataset,
                # and cut to the dataset's byte limit (Latin-1 "ß" becomes two bytes).
                text, _ = decode_iim_text(data, utf8)
                limit = IIM_DATASET_LIMITS.get(where)
                recoded = text or ""
                if limit is not None:
                    recoded = truncate_utf8(recoded, limit).decode("utf-8")
                _add(iptc, key, recoded)
            else:
                # Binary and numeric datasets (previews, record versions) as they were.
                datum = exiv2.Iptcdatum(exiv2.IptcKey(key))
                datum.setValue(original)
                iptc.add(datum)
        for key, text in ours:
            _add(iptc, key, text)
        image.writeMetadata()
        return bytes(image.io().mmap())
    except (exiv2.Exiv2Error, ValueError, TypeError) as exc:
        raise JpegWriteError(
            f"its IPTC-IIM block could not be merged ({_one_line(exc)}); not changed"
        ) from exc


def _one_line(exc: BaseException) -> str:
    text = str(exc.args[1]) if len(exc.args) >= 2 else str(exc)
    return " ".join(text.split())[:200]


def _with_current_digest(irb_data: bytes) -> bytes:
    """The IRB set with 0x0425 = MD5 of the first 0x0404 block, other blocks kept verbatim."""
    blocks = _raw_blocks(irb_data)
    iim = next((data for rid, _, data in blocks if rid == irb.IRB_IPTC), None)
    if iim is None:
        return irb_data
    digest = hashlib.md5(iim, usedforsecurity=False).digest()
    out = b""
    placed = False
    for rid, header, block in blocks:
        data = block
        if rid == irb.IRB_IPTC_DIGEST:
            if placed:
                continue
            data = digest
            placed = True
        out += header + struct.pack(">I", len(data)) + data + (b"\x00" if len(data) & 1 else b"")
    if not placed:
        out += b"8BIM" + struct.pack(">HHI", irb.IRB_IPTC_DIGEST, 0, 16) + digest
    return out


def _raw_blocks(data: bytes) -> list[tuple[int, bytes, bytes]]:
    """(id, type+id+name header, data) for each IRB; stops at the first damaged block."""
    blocks: list[tuple[int, bytes, bytes]] = []
    pos = 0
    while pos + 12 <= len(data) and data[pos : pos + 4] in (b"8BIM", b"PHUT", b"DCSR", b"AgHg"):
        start = pos
        rid = int.from_bytes(data[pos + 4 : pos + 6], "big")
        name_len = data[pos + 6]
        pos += 7 + name_len + (0 if name_len & 1 else 1)
        if pos + 4 > len(data):
            break
        size = int.from_bytes(data[pos : pos + 4], "big")
        header = data[start:pos]
        pos += 4
        if pos + size > len(data):
            break
        blocks.append((rid, header, data[pos : pos + size]))
        pos += size + (size & 1)
    return blocks


# --- assembling ----------------------------------------------------------------------------------


def rewrite_jpeg(jpeg: bytes, texts: JpegTexts, xmp_packet: bytes) -> bytes:
    """The file with our EXIF IFD0 values, IIM and XMP; everything else byte for byte."""
    segments, sos = _split(jpeg)
    if any(s.marker == APP1 and s.payload.startswith(EXTENDED_XMP_HEADER) for s in segments):
        raise JpegWriteError(
            "it has Extended XMP (a packet larger than 64 KB), which is not rewritten; "
            "write an XMP sidecar instead (--sidecar)"
        )
    app13 = _merged_app13(jpeg, texts.metadata)
    new_exif: _Segment | None = None
    exif_index = next(
        (
            i
            for i, s in enumerate(segments)
            if s.marker == APP1 and s.payload.startswith(EXIF_HEADER)
        ),
        None,
    )
    if exif_index is not None:
        new_exif = _segment(APP1, _patch_exif(segments[exif_index].payload, texts))
    else:
        md = texts.metadata
        fresh = build_exif(
            EmbeddedMetadata(caption=md.caption, creator=md.creator, copyright=md.copyright)
        )
        if fresh:
            new_exif = _segment(APP1, fresh)
    new_xmp = _segment(APP1, XMP_HEADER + xmp_packet)
    new_app13 = _segment(APP13, irb.PHOTOSHOP_HEADER + app13) if app13 is not None else None

    out: list[_Segment] = []
    exif_done = xmp_done = app13_done = False
    for i, seg in enumerate(segments):
        if i == exif_index:
            assert new_exif is not None
            out.append(new_exif)
            exif_done = True
        elif seg.marker == APP1 and seg.payload.startswith(XMP_HEADER):
            if not xmp_done:
                out.append(new_xmp)
                xmp_done = True
        elif seg.marker == APP13 and seg.payload.startswith(irb.PHOTOSHOP_HEADER):
            if new_app13 is None:
                out.append(seg)  # no IIM either way: the other resources stay as they are
            elif not app13_done:
                out.append(new_app13)  # holds every resource of the group, merged by exiv2
            app13_done = True
        else:
            out.append(seg)
    # Blocks the file did not have go after the leading JFIF/EXIF/XMP segments, where
    # cameras, Photoshop and exiftool put them.
    insert_at = 0
    while insert_at < len(out) and out[insert_at].marker in (APP0, APP1):
        insert_at += 1
    missing = []
    if not exif_done and new_exif is not None:
        missing.append(new_exif)
    if not xmp_done:
        missing.append(new_xmp)
    if not app13_done and new_app13 is not None:
        missing.append(new_app13)
    if new_exif is not None and not exif_done:
        # EXIF must be the first APP1 (right after JFIF) for readers that only look there.
        jfif_end = 1 if out and out[0].marker == APP0 else 0
        out.insert(jfif_end, new_exif)
        missing.remove(new_exif)
        insert_at += 1
    out[insert_at:insert_at] = missing
    _check_mpf(segments, out)
    return _SOI + b"".join(s.data for s in out) + jpeg[sos:]


def _check_mpf(before: list[_Segment], after: list[_Segment]) -> None:
    """Refuse a change that would move the images an MPF index points to."""

    def tail(segments: list[_Segment]) -> int | None:
        for i, seg in enumerate(segments):
            if seg.marker == APP2 and seg.payload.startswith(_MPF_HEADER):
                return sum(len(s.data) for s in segments[i:])
        return None

    old, new = tail(before), tail(after)
    if old is not None and old != new:
        raise JpegWriteError(
            "it is a multi-picture JPEG (MPF) whose metadata sits after the picture index, so "
            "changing it would break the secondary images; write an XMP sidecar instead "
            "(--sidecar)"
        )
