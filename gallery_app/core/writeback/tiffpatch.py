"""An append-only patch of a TIFF/EXIF block's IFD0: change a few tags, move nothing.

Why: camera EXIF is full of absolute offsets nobody but the camera maker understands (maker
notes with their own sub-IFDs, Nikon's NikonScanIFD, preview images). Any writer that lays the
block out again — exiv2 included, as the Nikon COOLPIX P6000 in the corpus shows
(``exiftool -validate``: "Bad NikonScanIFD directory") — risks breaking one of them. Here every
existing byte stays where it is:

* an existing IFD0 entry is changed in place; a value that does not fit in the entry's four
  bytes goes where its old value was if it fits there and no other entry of any IFD (EXIF,
  GPS, interoperability, sub-IFDs, the thumbnail IFD) points into those bytes — some writers
  share one value between tags — else past the end of the block, and the entry points there;
* a tag IFD0 does not have yet needs a bigger directory: a copy of IFD0 with the new entries
  (sorted by tag, as TIFF requires) is appended and the header's IFD0 offset points to it. The
  old directory stays as unreferenced bytes; every offset in it and elsewhere still holds.

Only IFD0 is touched (ImageDescription, Artist, Copyright, XPTitle, XPKeywords, Rating): the
EXIF sub-IFD, GPS, maker notes and IFD1 (the embedded thumbnail) are never rewritten.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

__all__ = ["IFD0Value", "TiffPatchError", "ascii_value", "ifd0_entries", "patch_ifd0", "ucs2_value"]

ASCII = 2
BYTE = 1
SHORT = 3
_TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8}
_MAX_ENTRIES = 1000


class TiffPatchError(Exception):
    """The block is not a TIFF structure we can patch safely; one-line reason."""


@dataclass(frozen=True)
class IFD0Value:
    """A tag's new value: TIFF type, element count and the raw bytes (in the block's order)."""

    type: int
    count: int
    data: bytes


def ascii_value(text: str) -> IFD0Value:
    """An ASCII tag holding UTF-8 (MWG's recommendation; exiv2 and exiftool read it so)."""
    data = text.replace("\x00", "").encode("utf-8") + b"\x00"
    return IFD0Value(ASCII, len(data), data)


def ucs2_value(text: str) -> IFD0Value:
    """A Windows XP* tag: UCS-2 little-endian with a NUL terminator, stored as BYTE."""
    data = text.replace("\x00", "").encode("utf-16-le") + b"\x00\x00"
    return IFD0Value(BYTE, len(data), data)


@dataclass(frozen=True)
class _Entry:
    tag: int
    type: int
    count: int
    raw: bytes
    """The entry's last four bytes (inline value or offset)."""


def _header(block: bytes) -> tuple[str, int]:
    if len(block) < 8:
        raise TiffPatchError("EXIF block too short")
    order = block[:2]
    if order == b"II":
        endian = "<"
    elif order == b"MM":
        endian = ">"
    else:
        raise TiffPatchError("EXIF block has no TIFF byte-order mark")
    (magic, offset) = struct.unpack(endian + "HI", block[2:8])
    if magic != 42:
        raise TiffPatchError("EXIF block is not TIFF (bad magic number)")
    return endian, offset


def _read_ifd(block: bytes, endian: str, offset: int) -> tuple[list[_Entry], int]:
    if offset < 8 or offset + 2 > len(block):
        raise TiffPatchError("IFD0 offset points outside the EXIF block")
    (count,) = struct.unpack(endian + "H", block[offset : offset + 2])
    end = offset + 2 + 12 * count
    if count > _MAX_ENTRIES or end + 4 > len(block):
        raise TiffPatchError(f"IFD0 claims {count} entries, more than the block holds")
    entries = []
    for i in range(count):
        pos = offset + 2 + 12 * i
        tag, typ, n = struct.unpack(endian + "HHI", block[pos : pos + 8])
        entries.append(_Entry(tag, typ, n, block[pos + 8 : pos + 12]))
    (next_ifd,) = struct.unpack(endian + "I", block[end : end + 4])
    return entries, next_ifd


def ifd0_entries(block: bytes) -> dict[int, bytes]:
    """IFD0's tags and their value bytes (what :func:`patch_ifd0` would compare against)."""
    endian, offset = _header(block)
    entries, _ = _read_ifd(block, endian, offset)
    return {e.tag: _value_bytes(block, endian, e) for e in entries}


def _value_bytes(block: bytes, endian: str, entry: _Entry) -> bytes:
    size = _TYPE_SIZES.get(entry.type, 1) * entry.count
    if size <= 4:
        return entry.raw[:size]
    (pos,) = struct.unpack(endian + "I", entry.raw)
    return block[pos : pos + size]


def _out_of_line(entry: _Entry, endian: str) -> tuple[int, int] | None:
    """Offset and size of an entry's value stored outside the entry, else ``None``."""
    size = _TYPE_SIZES.get(entry.type, 1) * entry.count
    if size <= 4:
        return None
    (pos,) = struct.unpack(endian + "I", entry.raw)
    return pos, size


_SUB_IFD_TAGS = (0x8769, 0x8825, 0xA005, 0x014A)  # Exif, GPS, Interop, SubIFDs
_THUMBNAIL = (0x0201, 0x0202)  # JPEGInterchangeFormat offset and length


def _used_ranges(block: bytes, endian: str, first: int) -> list[tuple[int, int, int, int]] | None:
    """Every byte range some IFD uses, as (start, end, ifd offset, tag); ``None`` when the
    structure cannot be walked (then nothing may be reused in place)."""
    ranges: list[tuple[int, int, int, int]] = []
    todo = [first]
    seen: set[int] = set()
    try:
        while todo:
            offset = todo.pop()
            if offset == 0 or offset in seen:
                continue
            if len(seen) > 64:
                return None
            seen.add(offset)
            entries, next_ifd = _read_ifd(block, endian, offset)
            ranges.append((offset, offset + 2 + 12 * len(entries) + 4, offset, -1))
            by_tag: dict[int, _Entry] = {}
            for entry in entries:
                by_tag[entry.tag] = entry
                where = _out_of_line(entry, endian)
                if where is not None:
                    ranges.append((where[0], where[0] + where[1], offset, entry.tag))
                if entry.tag in _SUB_IFD_TAGS and entry.type in (4, 13):
                    values = _value_bytes(block, endian, entry)
                    count = len(values) // 4
                    todo.extend(struct.unpack(endian + "I" * count, values[: 4 * count]))
            thumb, length = (by_tag.get(t) for t in _THUMBNAIL)
            if thumb is not None and length is not None:
                (start,) = struct.unpack(endian + "I", thumb.raw)
                (size,) = struct.unpack(endian + "I", length.raw)
                ranges.append((start, start + size, offset, _THUMBNAIL[0]))
            todo.append(next_ifd)
    except (TiffPatchError, struct.error):
        return None
    return ranges


def _shared(
    ranges: list[tuple[int, int, int, int]] | None, ifd0: int, tag: int, start: int, end: int
) -> bool:
    """Whether bytes [start, end) of IFD0's ``tag`` value are used by anything else too."""
    if ranges is None:
        return True
    return any(
        (other_ifd, other_tag) != (ifd0, tag) and lo < end and hi > start
        for lo, hi, other_ifd, other_tag in ranges
    )


def patch_ifd0(block: bytes, changes: dict[int, IFD0Value]) -> bytes:
    """``block`` (a TIFF structure, without the ``Exif\\0\\0`` prefix) with IFD0 changed.

    Returns the input unchanged when every value is already what was asked. Values are given
    in the block's byte order by the caller only for multi-byte types (SHORT); ASCII and BYTE
    have none.
    """
    endian, ifd_offset = _header(block)
    entries, next_ifd = _read_ifd(block, endian, ifd_offset)
    by_tag = {e.tag: e for e in entries}
    out = bytearray(block)
    new_entries: dict[int, _Entry] = {}
    changed_in_place = False

    def append(data: bytes) -> int:
        if len(out) % 2:
            out.append(0)  # TIFF values start on a word boundary
        pos = len(out)
        out.extend(data)
        return pos

    ifd_end = ifd_offset + 2 + 12 * len(entries) + 4
    used = _used_ranges(block, endian, ifd_offset)

    def place(current: _Entry | None, data: bytes) -> tuple[int, int]:
        """Where an out-of-line value goes, and the bytes it may use there.

        Its old place if it fits (those bytes belong to this entry alone; the rest is NUL
        padding), so a file written again and again does not grow each time; an old value at
        the very end of the block is replaced; otherwise the end of the block.
        """
        old = _out_of_line(current, endian) if current is not None else None
        if old is not None:
            old_pos, old_size = old
            inside = old_pos >= 8 and old_pos + old_size <= len(out)
            overlaps_ifd = old_pos < ifd_end and old_pos + old_size > ifd_offset
            assert current is not None
            shared = _shared(used, ifd_offset, current.tag, old_pos, old_pos + old_size)
            if inside and not overlaps_ifd and not shared:
                if len(data) <= old_size:
                    out[old_pos : old_pos + old_size] = data.ljust(old_size, b"\x00")
                    return old_pos, old_size
                if old_pos + old_size + 1 >= len(out):
                    del out[old_pos:]
                    out.extend(data)
                    return old_pos, len(data)
        return append(data), len(data)

    for tag, value in sorted(changes.items()):
        current = by_tag.get(tag)
        if (
            current is not None
            and current.type == value.type
            and _value_bytes(block, endian, current).rstrip(b"\x00") == value.data.rstrip(b"\x00")
        ):
            continue  # the same text, perhaps in a larger (NUL-padded) place
        count = value.count
        if len(value.data) <= 4:
            raw = value.data.ljust(4, b"\x00")
        else:
            offset, room = place(current, value.data)
            raw = struct.pack(endian + "I", offset)
            if value.type in (ASCII, BYTE):
                count = room  # padded with NULs: the room stays this entry's for next time
        entry = _Entry(tag, value.type, count, raw)
        if current is not None:
            index = entries.index(current)
            pos = ifd_offset + 2 + 12 * index
            out[pos : pos + 12] = struct.pack(endian + "HHI", tag, value.type, count) + raw
            changed_in_place = True
        else:
            new_entries[tag] = entry
    if new_entries:
        # Entries changed in place above are re-read from ``out`` so the copy carries them.
        patched, _ = _read_ifd(bytes(out), endian, ifd_offset)
        merged = sorted([*patched, *new_entries.values()], key=lambda e: e.tag)
        directory = struct.pack(endian + "H", len(merged))
        for e in merged:
            directory += struct.pack(endian + "HHI", e.tag, e.type, e.count) + e.raw
        directory += struct.pack(endian + "I", next_ifd)
        new_offset = append(directory)
        out[4:8] = struct.pack(endian + "I", new_offset)
    elif not changed_in_place:
        return block
    if len(out) > 0xFFFFFFFF:
        raise TiffPatchError("EXIF block too large")
    return bytes(out)
