"""Photoshop image resource blocks (IRBs): the stored and the current IPTC digest.

MWG 2.0 decides between XMP and IPTC-IIM with the *IPTCDigest*: Photoshop IRB 0x0425 holds the
MD5 of the IIM block as it was when the XMP was last synchronised with it. If the digest is
missing or still matches the IIM, the XMP is authoritative; if it does not match, an old tool
edited the IIM after the XMP was written and the IIM wins. exiv2 reads the IIM itself but does
not expose IRB 0x0425, so this module finds it:

* JPEG: the APP13 ``Photoshop 3.0`` segment(s) before the first SOS, read with a bounded,
  length-checked walk over the marker segments (:func:`jpeg_segments`; nothing after SOS is
  ever read, other segments are skipped with ``seek``).
* TIFF: exiv2 hands us the raw ``ImageResources`` (0x8649) and ``IPTCNAA`` (0x83BB) tags.

The current digest is computed exactly as exiftool computes ``File:CurrentIPTCDigest``: the MD5
of the data of the first 0x0404 resource (without the even-length pad byte), or of the whole
IPTCNAA tag value in a TIFF (which includes the padding to a multiple of 4 bytes). Because
exiftool's own ``-IPTCDigest=new`` hashes a TIFF's IIM *without* that padding, a digest matching
the IIM with trailing NUL padding removed also counts as a match.

Everything here treats its input as hostile: every length is checked against the data that is
really there, loops are bounded, and malformed data ends the walk (with a note) instead of
raising.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import BinaryIO

PHOTOSHOP_HEADER = b"Photoshop 3.0\x00"
_OLD_PHOTOSHOP_HEADER = b"Adobe_Photoshop2.5:"
_RESOURCE_TYPES = (b"8BIM", b"PHUT", b"DCSR", b"AgHg", b"MeSa")
APP1 = 0xE1
APP13 = 0xED
IRB_IPTC = 0x0404
IRB_IPTC_DIGEST = 0x0425

# Bounds for the JPEG marker walk. Metadata segments sit before the first SOS; a file with more
# segments than this, or with metadata this far in, is not one a camera or DAM wrote.
_MAX_SEGMENTS = 512
_MAX_HEADER_BYTES = 32 * 1024 * 1024
_MAX_IRB_BLOCKS = 4096


@dataclass(frozen=True)
class IptcDigests:
    """The IPTCDigest stored in the file and the digest of the IIM block as it is now."""

    stored: bytes | None = None
    """The 16 bytes of IRB 0x0425, or ``None`` if the file has none."""
    current: bytes | None = None
    """MD5 of the IIM block (exiftool's ``CurrentIPTCDigest``); ``None`` without IIM."""
    current_unpadded: bytes | None = None
    """MD5 of the IIM with trailing NUL padding removed, when that differs from ``current``."""
    notes: tuple[str, ...] = field(default_factory=tuple)
    """Problems met while parsing (truncated blocks and the like)."""

    @property
    def stored_matches(self) -> bool:
        """True when the stored digest equals the current one (padded or not)."""
        if self.stored is None:
            return False
        return self.stored in (self.current, self.current_unpadded)


def iter_irb(data: bytes, notes: list[str] | None = None) -> list[tuple[int, bytes]]:
    """Split Photoshop image resource blocks into ``(resource id, data)`` pairs.

    Layout of each block: 4-byte type (``8BIM``), uint16 id, Pascal name padded to an even
    length, uint32 size, data padded to an even length (all big-endian). Parsing stops at the
    first block that does not fit; what was read until then is returned.
    """
    blocks: list[tuple[int, bytes]] = []
    pos = 0
    end = len(data)
    while pos + 8 < end and len(blocks) < _MAX_IRB_BLOCKS:
        if data[pos : pos + 4] not in _RESOURCE_TYPES:
            if notes is not None:
                notes.append(f"bad Photoshop resource type at offset {pos}")
            break
        res_id = int.from_bytes(data[pos + 4 : pos + 6], "big")
        name_len = data[pos + 6]
        pos += 7 + name_len
        if not name_len & 1:  # length byte + name are padded to an even count
            pos += 1
        if pos + 4 > end:
            if notes is not None:
                notes.append("truncated Photoshop resource block")
            break
        size = int.from_bytes(data[pos : pos + 4], "big")
        pos += 4
        if pos + size > end:
            if notes is not None:
                notes.append(f"Photoshop resource 0x{res_id:04X} claims {size} bytes past the end")
            break
        blocks.append((res_id, data[pos : pos + size]))
        pos += size + (size & 1)
    return blocks


def jpeg_segments(
    stream: BinaryIO, wanted: frozenset[int], notes: list[str] | None = None
) -> list[tuple[int, bytes | None]]:
    """The marker segments of a JPEG up to the first SOS, as ``(marker, payload)`` pairs.

    Payloads are read only for the markers in ``wanted`` (``None`` for the others, which are
    skipped with ``seek``); a payload cut short by the end of the file is returned as far as it
    goes. Returns ``[]`` when the stream does not start with SOI.
    """
    if stream.read(2) != b"\xff\xd8":
        return []
    segments: list[tuple[int, bytes | None]] = []
    offset = 2
    while len(segments) < _MAX_SEGMENTS and offset < _MAX_HEADER_BYTES:
        byte = stream.read(1)
        if not byte:
            break
        offset += 1
        if byte != b"\xff":
            if notes is not None:
                notes.append(f"JPEG marker expected at offset {offset - 1}")
            break
        marker = stream.read(1)
        offset += 1
        while marker == b"\xff":  # fill bytes
            marker = stream.read(1)
            offset += 1
        if not marker:
            break
        code = marker[0]
        if code in (0xD9, 0xDA):  # EOI, SOS: the metadata is over
            break
        if code == 0x01 or 0xD0 <= code <= 0xD7:  # standalone markers carry no length
            continue
        length_bytes = stream.read(2)
        if len(length_bytes) < 2:
            break
        length = int.from_bytes(length_bytes, "big")
        offset += 2
        if length < 2:
            if notes is not None:
                notes.append(f"JPEG segment with impossible length {length}")
            break
        payload_len = length - 2
        if code in wanted:
            payload = stream.read(payload_len)
            if len(payload) < payload_len and notes is not None:
                notes.append(f"JPEG segment 0xFF{code:02X} cut short by the end of the file")
            segments.append((code, payload))
        else:
            stream.seek(payload_len, 1)
            segments.append((code, None))
        offset += payload_len
    return segments


def read_jpeg_photoshop_segment(stream: BinaryIO, notes: list[str] | None = None) -> bytes | None:
    """Return the Photoshop IRB data of a JPEG's first APP13 group, or ``None``.

    Consecutive APP13 ``Photoshop 3.0`` segments are concatenated (a large IRB set is split
    across several segments, as exiftool and Photoshop do).
    """
    parts: list[bytes] = []
    for code, payload in jpeg_segments(stream, frozenset({APP13}), notes):
        if code == APP13 and payload is not None and payload.startswith(PHOTOSHOP_HEADER):
            parts.append(payload[len(PHOTOSHOP_HEADER) :])
            continue
        if parts:
            break  # the group is complete
        if code == APP13 and payload is not None and payload.startswith(_OLD_PHOTOSHOP_HEADER):
            return payload[len(_OLD_PHOTOSHOP_HEADER) :]
    return b"".join(parts) if parts else None


def digests_from_irb(irb: bytes | None, iim: bytes | None = None) -> IptcDigests:
    """Stored and current IPTC digest from an IRB set (and, for TIFF, the IPTCNAA bytes).

    Without ``iim`` the IIM is taken from the first 0x0404 resource of ``irb`` (JPEG, PSD).
    """
    notes: list[str] = []
    stored: bytes | None = None
    blocks = iter_irb(irb, notes) if irb else []
    for res_id, data in blocks:
        if res_id == IRB_IPTC_DIGEST and stored is None:
            if len(data) == 16:
                stored = data
            else:
                notes.append(f"IPTCDigest resource has {len(data)} bytes, not 16")
        elif res_id == IRB_IPTC and iim is None:
            iim = data
    if iim is None:
        return IptcDigests(stored=stored, notes=tuple(notes))
    current = hashlib.md5(iim, usedforsecurity=False).digest()
    unpadded_iim = iim.rstrip(b"\x00")
    unpadded = (
        hashlib.md5(unpadded_iim, usedforsecurity=False).digest() if unpadded_iim != iim else None
    )
    return IptcDigests(
        stored=stored, current=current, current_unpadded=unpadded, notes=tuple(notes)
    )


def jpeg_iptc_digests(stream: BinaryIO) -> IptcDigests:
    """Digests of a JPEG, reading only its marker segments up to the first SOS."""
    notes: list[str] = []
    irb = read_jpeg_photoshop_segment(stream, notes)
    result = digests_from_irb(irb)
    if notes:
        return IptcDigests(
            stored=result.stored,
            current=result.current,
            current_unpadded=result.current_unpadded,
            notes=tuple(notes) + result.notes,
        )
    return result
