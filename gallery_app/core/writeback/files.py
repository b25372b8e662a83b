"""Writing one photo's metadata into its file or its XMP sidecar, atomically and verified.

A write never touches the original until the new version is complete and checked:

1. the new file is built in a temporary file next to the original (same file system, so the
   final rename is atomic), created with a random name and ``O_EXCL`` (a planted symlink or a
   second writer cannot redirect it), locked while in use, and given the original's mode,
   owner (best effort) and extended attributes; a symlinked original is followed and the
   real file is written, so the link stays a link;
2. it is verified: the compressed image data hashes the same as the original's (JPEG scan
   data, PNG IDAT, WebP bitstream, TIFF strips or tiles) and the import's own reader
   (:func:`~gallery_app.core.metadata.read_metadata`) reads every field back as written;
3. it is flushed to disk (fsync), renamed over the original, and the folder is synced.

A kill or a failure at any moment leaves either the untouched original or the complete new
file, plus at worst a hidden ``.NAME.XXXX.gc-writeback.tmp`` that the next write of that photo
removes (only when no live writer holds its lock). JPEG: :mod:`.jpeg`. PNG, WebP and TIFF:
exiv2 (the import's engine) writes EXIF IFD0 text and our merged XMP packet verbatim.
HEIC/HEIF/AVIF cannot be written safely by exiv2 and get an XMP sidecar, as does any file
when the caller asks for one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import hashlib
import os
import re
import stat as stat_mod
import struct
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import exiv2

from gallery_app.core.export.embed import dc_subjects
from gallery_app.core.metadata import (
    MetadataUnreadable,
    is_placeholder,
    read_metadata,
    sidecar_candidates,
)
from gallery_app.core.metadata.reader import capturing_exiv2_log
from gallery_app.core.metadata.reconcile import merge_keywords
from gallery_app.core.metadata.sidecar import raw_sibling
from gallery_app.core.model import TEXT_FIELDS, PhotoMetadata
from gallery_app.core.writeback import jpeg
from gallery_app.core.writeback.fields import WriteFields
from gallery_app.core.writeback.xmp import XmpMergeError, XmpProperties, merge_xmp

__all__ = [
    "IN_PLACE_FORMATS",
    "READ_ONLY_ADVICE",
    "SIDECAR_NAMINGS",
    "WriteFailure",
    "WrittenFile",
    "image_data_hash",
    "remove_stale_temps",
    "sidecar_path",
    "sidecar_target",
    "update_sidecar",
    "write_into_file",
    "write_sidecar",
]

IN_PLACE_FORMATS = frozenset({"jpeg", "png", "webp", "tiff"})
SIDECAR_NAMINGS = ("name.ext.xmp", "name.xmp")
READ_ONLY_ADVICE = "Write an XMP sidecar instead"
"""The advice that ends the message for a file that is read-only (or in a read-only folder),
and only that message: the app recognises such failures by it and offers sidecars for them."""
_TMP_SUFFIX = ".gc-writeback.tmp"
_READ_ONLY_ERRNOS = {errno.EACCES, errno.EPERM, errno.EROFS}
_MISSING = "the original file is missing (moved, renamed or on a drive that is not connected)"
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class WriteFailure(Exception):
    """One photo could not be written; the message is one line for the failure list."""


PendingHook = Callable[["WrittenFile"], None]


@dataclass(frozen=True)
class WrittenFile:
    """The file that now holds the metadata (the original or its sidecar)."""

    path: Path
    content_hash: str
    size: int
    mtime_ns: int


def _props(fields: WriteFields) -> XmpProperties:
    return XmpProperties(
        metadata=fields.embedded(),
        rating=fields.xmp_rating,
        color_label=fields.color_label,
        keywords=fields.keywords,
        people=fields.people,
        metadata_date=dt.datetime.now(dt.UTC).astimezone().isoformat(timespec="seconds"),
    )


# --- checks ---------------------------------------------------------------------------------------


def read_only_reason(path: Path) -> str | None:
    """Why ``path`` must not be changed in place, or ``None``.

    Permission bits count even for a user who could override them (an administrator, root in a
    container): a file or folder someone marked read-only is meant to stay as it is.
    """
    try:
        if not path.stat().st_mode & 0o222:
            return "the file is read-only"
        folder = path.parent
        if not folder.stat().st_mode & 0o222 or not os.access(folder, os.W_OK):
            return "its folder is read-only"
    except OSError as exc:
        return f"it cannot be checked ({exc.strerror or exc})"
    return None


def _read_only_message(reason: str) -> str:
    return f"cannot be changed: {reason}. {READ_ONLY_ADVICE} (--sidecar)"


# --- image data hashes ----------------------------------------------------------------------------


def image_data_hash(data: bytes, fmt: str) -> str:
    """SHA-256 of the bytes that hold the picture itself, for a format we write in place."""
    digest = hashlib.sha256()
    for part in _image_parts(data, fmt):
        digest.update(part)
    return digest.hexdigest()


def _image_parts(data: bytes, fmt: str) -> Iterator[bytes]:
    if fmt == "jpeg":
        try:
            yield from jpeg.kept_parts(data)
        except jpeg.JpegWriteError as exc:
            raise WriteFailure(str(exc)) from exc
    elif fmt == "png":
        yield from _png_parts(data)
    elif fmt == "webp":
        yield from _webp_parts(data)
    elif fmt == "tiff":
        yield from _tiff_parts(data)
    else:
        raise WriteFailure(f"{fmt} files are not written in place")


_PNG_IMAGE_CHUNKS = {b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"acTL", b"fcTL", b"fdAT"}


def _png_parts(data: bytes) -> Iterator[bytes]:
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise WriteFailure("damaged PNG (no signature)")
    pos = 8
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        if pos + 12 + length > len(data):
            raise WriteFailure("damaged PNG (a chunk runs past the end)")
        if kind in _PNG_IMAGE_CHUNKS:
            yield kind + data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IEND":
            break


_WEBP_IMAGE_CHUNKS = {b"VP8 ", b"VP8L", b"ALPH", b"ANIM", b"ANMF"}


def _webp_parts(data: bytes) -> Iterator[bytes]:
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise WriteFailure("damaged WebP (no RIFF/WEBP header)")
    pos = 12
    while pos + 8 <= len(data):
        kind = data[pos : pos + 4]
        (length,) = struct.unpack("<I", data[pos + 4 : pos + 8])
        if pos + 8 + length > len(data):
            raise WriteFailure("damaged WebP (a chunk runs past the end)")
        if kind in _WEBP_IMAGE_CHUNKS:
            yield kind + data[pos + 8 : pos + 8 + length]
        pos += 8 + length + (length & 1)


def _tiff_parts(data: bytes) -> Iterator[bytes]:
    """Every page's size and strips or tiles (a multi-page TIFF has more than one IFD)."""
    import io

    from PIL import Image

    pages: list[tuple[tuple[int, int], list[int], list[int]]] = []
    try:
        with Image.open(io.BytesIO(data)) as image:
            for index in range(getattr(image, "n_frames", 1)):
                image.seek(index)
                tags = image.tag_v2  # type: ignore[attr-defined]
                offsets = tags.get(273) or tags.get(324)
                counts = tags.get(279) or tags.get(325)
                if not offsets or not counts or len(offsets) != len(counts):
                    raise WriteFailure("TIFF without readable strip or tile offsets")
                pages.append((image.size, list(offsets), list(counts)))
    except WriteFailure:
        raise
    except Exception as exc:
        raise WriteFailure(f"damaged TIFF ({exc})") from exc
    for size, offsets, counts in pages:
        yield struct.pack(">II", *size)
        for offset, count in zip(offsets, counts, strict=True):
            if offset + count > len(data):
                raise WriteFailure("damaged TIFF (image data runs past the end)")
            yield data[offset : offset + count]


# --- verification ---------------------------------------------------------------------------------


def _norm(value: str | None) -> str | None:
    if value is None:
        return None
    text = _XML_INVALID.sub("", value).strip()
    return text or None


def expected_keywords(keywords: tuple[str, ...]) -> list[str]:
    """The keyword list the import's reader makes out of what we write (order aside)."""
    paths = ["|".join(p.strip() for p in k.split("|") if p.strip()) for k in keywords if "|" in k]
    return merge_keywords([p for p in paths if p], [], dc_subjects(keywords))


def mismatches(read: PhotoMetadata, fields: WriteFields) -> list[str]:
    """Fields the reader does not read back as written (empty when all agree)."""
    problems: list[str] = []
    make, model = read.camera_make, read.camera_model
    for name in TEXT_FIELDS:
        want = _norm(getattr(fields, name))
        if want is not None and is_placeholder(want, make, model):
            continue  # the reader ignores camera boilerplate on purpose
        got = _norm(getattr(read, name))
        if want != got:
            problems.append(name.replace("_", " "))
    if sorted(set(read.keywords)) != sorted(set(expected_keywords(fields.keywords))):
        problems.append("keywords")
    if set(fields.people) != set(read.people):
        problems.append("people")  # equal: a removed person must not stay in the file
    if fields.rejected:
        if "rejected" not in read.sources:
            problems.append("reject flag")
    elif (read.rating or 0) != fields.rating:
        problems.append("rating")
    if (read.color_label or None) != fields.color_label:
        problems.append("colour label")
    return problems


_LANG_PREFIX = re.compile(r'^lang="[^"]*"\s*')


def raw_mismatches(path: Path, fields: WriteFields, *, in_file: bool, fmt: str) -> list[str]:
    """What the import's reader does not look at, checked in the blocks themselves: the event
    and release status (XMP), EXIF IFD0's caption/creator/copyright, and the JPEG's IIM."""
    with capturing_exiv2_log():
        image = exiv2.ImageFactory.open(os.fspath(path))
        image.readMetadata()
    xmp: dict[str, str] = {}
    for datum in image.xmpData():
        xmp.setdefault(str(datum.key()), _LANG_PREFIX.sub("", str(datum.toString())))
    problems: list[str] = []
    if fields.event and xmp.get("Xmp.iptcExt.Event") != fields.event.strip():
        problems.append("event")
    release = fields.model_release_status
    if release and xmp.get("Xmp.plus.ModelReleaseStatus") != release:
        problems.append("model release status")
    if in_file:
        exif: dict[str, str] = {}
        for datum in image.exifData():
            value = datum.value()
            raw = bytes(value.data()) if hasattr(value, "data") else b""
            exif[str(datum.key())] = raw.rstrip(b"\x00 ").decode("utf-8", "replace")
        for key, want, name in (
            ("Exif.Image.ImageDescription", fields.caption, "EXIF description"),
            ("Exif.Image.Artist", fields.creator, "EXIF artist"),
            ("Exif.Image.Copyright", fields.copyright, "EXIF copyright"),
        ):
            expected = (want or "").replace("\x00", "").rstrip(" ")
            if exif.get(key, "") != expected:
                problems.append(name)
        if fmt == "jpeg":
            read_iim: list[tuple[str, str]] = [
                (str(d.key()), str(d.toString()))
                for d in image.iptcData()
                if str(d.key()) in jpeg.IIM_KEYS
            ]
            if sorted(read_iim) != sorted(jpeg.iim_values(fields.embedded())):
                problems.append("IPTC-IIM")
    del image
    return problems


def _verify_metadata(
    path: Path, fields: WriteFields, *, in_file: bool = False, fmt: str = "xmp"
) -> None:
    try:
        read = read_metadata(path)
        wrong = raw_mismatches(path, fields, in_file=in_file, fmt=fmt)
    except (MetadataUnreadable, exiv2.Exiv2Error) as exc:
        raise WriteFailure(
            f"the written file could not be read back ({exc}); not replaced"
        ) from exc
    wrong = mismatches(read, fields) + wrong
    if wrong:
        raise WriteFailure(
            f"verification failed: {', '.join(wrong)} did not read back as written; not replaced"
        )


# --- atomic replacement ---------------------------------------------------------------------------


def _temp_pattern(target: Path) -> tuple[str, str]:
    return f".{target.name}.", _TMP_SUFFIX


class _TempFile:
    """A fresh temporary file beside ``target``: random name, ``O_EXCL``, locked while alive.

    ``mkstemp`` never opens an existing name, so a symlink planted under a predictable name
    cannot redirect the write, and two writers never share a file. The descriptor keeps an
    exclusive ``flock`` until :meth:`close`, so :func:`remove_stale_temps` can tell a live
    writer's file from one left by a killed process.
    """

    def __init__(self, target: Path) -> None:
        prefix, suffix = _temp_pattern(target)
        fd, name = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=target.parent)
        self.fd: int | None = fd
        self.path = Path(name)
        _lock(fd, blocking=True)

    def write(self, data: bytes) -> None:
        assert self.fd is not None
        os.ftruncate(self.fd, 0)
        os.lseek(self.fd, 0, os.SEEK_SET)
        view = memoryview(data)
        while view:
            written = os.write(self.fd, view)
            view = view[written:]

    def close(self) -> None:
        """Remove the file (if it is still there, i.e. not renamed) and release the lock."""
        with contextlib.suppress(OSError):
            self.path.unlink(missing_ok=True)
        if self.fd is not None:
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.fd = None


def _lock(fd: int, *, blocking: bool) -> bool:
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; stale files are judged by age instead
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
    except OSError:
        return False
    return True


_STALE_AGE_S = 3600  # only where locks do not exist (Windows)
try:
    import fcntl as _fcntl  # noqa: F401

    _HAVE_FLOCK = True
except ImportError:
    _HAVE_FLOCK = False


_swept_folders: set[str] = set()
"""Folders whose leftovers this process has already removed."""


def remove_stale_temps(target: Path) -> None:
    """Delete the temporary files in ``target``'s folder that no live writer holds (left by
    a killed write-back), the first time this process writes into that folder.

    Once per folder, not once per file: a project's copied originals share one folder, and
    listing 20,000 names for each of 20,000 photos made a whole-project write-back quadratic
    (minutes). Leftovers come from a process that died before this one wrote there; while it
    runs, the project lock keeps other writers out, and its own temporary files never outlive
    their write.
    """
    folder = str(target.parent)
    if folder in _swept_folders:
        return
    try:
        names = os.listdir(target.parent)
    except OSError:
        return
    _swept_folders.add(folder)
    for name in names:
        if not (name.startswith(".") and name.endswith(_TMP_SUFFIX)):
            continue
        candidate = target.parent / name
        try:
            fd = os.open(candidate, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            continue  # a symlink or something we cannot open is not ours to delete
        try:
            if not stat_mod.S_ISREG(os.fstat(fd).st_mode):
                continue
            if not _HAVE_FLOCK:
                if time.time() - os.fstat(fd).st_mtime < _STALE_AGE_S:
                    continue
            elif not _lock(fd, blocking=False):
                continue  # a writer is still working on it
            with contextlib.suppress(OSError):
                candidate.unlink()
        finally:
            os.close(fd)


def _copy_attributes(original: Path, before: os.stat_result, tmp: Path) -> None:
    """Owner (best effort), mode and extended attributes of the original onto the new file."""
    with contextlib.suppress(OSError):
        os.chown(tmp, before.st_uid, before.st_gid)
    os.chmod(tmp, stat_mod.S_IMODE(before.st_mode))  # after chown, which may clear set-id bits
    if hasattr(os, "listxattr"):
        try:
            names = os.listxattr(original)
        except OSError:
            return
        for name in names:
            with contextlib.suppress(OSError):
                os.setxattr(tmp, name, os.getxattr(original, name))


def _fsync_dir(folder: Path) -> None:
    if hasattr(os, "O_DIRECTORY"):
        with contextlib.suppress(OSError):
            fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _commit(
    tmp: Path,
    target: Path,
    before: os.stat_result | None,
    on_ready: PendingHook | None = None,
) -> WrittenFile:
    """fsync ``tmp``, check ``target`` did not change meanwhile, rename, sync the folder.

    ``on_ready`` learns the new file's hash, size and time before the rename, so a crash
    between the rename and the caller's record still leaves a note of what the file became.
    """
    _fsync_file(tmp)
    data = tmp.read_bytes()
    info = tmp.stat()
    written = WrittenFile(target, hashlib.sha256(data).hexdigest(), info.st_size, info.st_mtime_ns)
    if on_ready is not None:
        on_ready(written)
    if before is not None:  # checked last, to keep the window before the rename small
        now = target.stat()
        if (now.st_size, now.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
            raise WriteFailure("the file changed on disk while it was being written; not replaced")
    os.replace(tmp, target)
    _fsync_dir(target.parent)
    return written


def _os_failure(exc: OSError, what: str) -> WriteFailure:
    if exc.errno in _READ_ONLY_ERRNOS:
        return WriteFailure(_read_only_message(f"{what} is read-only ({exc.strerror})"))
    if exc.errno == errno.ENOSPC:
        return WriteFailure("the disk is full; nothing was changed")
    return WriteFailure(f"cannot be written: {exc.strerror or exc}")


# --- in place -------------------------------------------------------------------------------------


def write_into_file(
    path: Path, fields: WriteFields, fmt: str, on_ready: PendingHook | None = None
) -> WrittenFile:
    """Write the fields into ``path`` (JPEG, PNG, WebP or TIFF) atomically and verified.

    A symlink is followed: the real file is rewritten and the link stays a link.
    """
    if fmt not in IN_PLACE_FORMATS:
        raise WriteFailure(f"{fmt.upper()} files are not changed; write an XMP sidecar instead")
    try:
        path = Path(os.path.realpath(path, strict=True))
        before = path.stat()
        original = path.read_bytes()
    except FileNotFoundError:
        raise WriteFailure(_MISSING) from None
    except OSError as exc:
        raise WriteFailure(f"cannot be read: {exc.strerror or exc}") from exc
    reason = read_only_reason(path)
    if reason:
        raise WriteFailure(_read_only_message(reason))
    image_hash = image_data_hash(original, fmt)
    remove_stale_temps(path)
    tmp: _TempFile | None = None
    try:
        try:
            tmp = _TempFile(path)
            if fmt == "jpeg":
                tmp.write(_jpeg_bytes(original, fields))
            else:
                tmp.write(original)
                _write_with_exiv2(tmp.path, fields)
            _copy_attributes(path, before, tmp.path)
        except OSError as exc:
            raise _os_failure(exc, "its folder") from exc
        if image_data_hash(tmp.path.read_bytes(), fmt) != image_hash:
            raise WriteFailure("verification failed: the image data changed; not replaced")
        _verify_metadata(tmp.path, fields, in_file=True, fmt=fmt)
        try:
            return _commit(tmp.path, path, before, on_ready)
        except OSError as exc:
            raise _os_failure(exc, "the file") from exc
    finally:
        if tmp is not None:
            tmp.close()


def _jpeg_bytes(original: bytes, fields: WriteFields) -> bytes:
    try:
        packet = merge_xmp(jpeg.existing_xmp(original), _props(fields))
        return jpeg.rewrite_jpeg(
            original, jpeg.JpegTexts(fields.embedded(), fields.xmp_rating), packet
        )
    except (XmpMergeError, jpeg.JpegWriteError) as exc:
        raise WriteFailure(str(exc)) from exc


def _exiv2_message(exc: BaseException) -> str:
    text = str(exc.args[1]) if len(exc.args) >= 2 else str(exc)
    return " ".join(text.split())[:200]


def _write_with_exiv2(tmp: Path, fields: WriteFields) -> None:
    with capturing_exiv2_log():
        _exiv2_write(tmp, fields)


def _exiv2_write(tmp: Path, fields: WriteFields) -> None:
    try:
        image = exiv2.ImageFactory.open(os.fspath(tmp))
        image.readMetadata()
        existing = str(image.xmpPacket() or "").encode("utf-8")
        packet = merge_xmp(existing or None, _props(fields), max_bytes=None)
        exif = image.exifData()
        present = {str(d.key()) for d in exif}
        for key, value in (
            ("Exif.Image.ImageDescription", fields.caption),
            ("Exif.Image.Artist", fields.creator),
            ("Exif.Image.Copyright", fields.copyright),
        ):
            if value:
                exif[key] = value
            elif key in present:
                exif[key] = ""  # a stale value would win on the next import (MWG reads EXIF first)
        image.setXmpPacket(packet.decode("utf-8"))
        image.writeXmpFromPacket(True)
        image.writeMetadata()
        del image
    except XmpMergeError as exc:
        raise WriteFailure(str(exc)) from exc
    except exiv2.Exiv2Error as exc:
        raise WriteFailure(
            f"exiv2 could not write the file ({_exiv2_message(exc)}); not replaced"
        ) from exc


# --- sidecars -------------------------------------------------------------------------------------


def sidecar_path(original: Path, naming: str, folder: Path | None = None) -> Path:
    """``photo.heic.xmp`` (digiKam, darktable) or ``photo.xmp`` (Lightroom), optionally in
    another folder (the project's ``sidecars/`` when the original's folder is read-only)."""
    if naming not in SIDECAR_NAMINGS:
        raise ValueError(f"sidecar naming must be one of {', '.join(SIDECAR_NAMINGS)}")
    name = f"{original.name}.xmp" if naming == "name.ext.xmp" else f"{original.stem}.xmp"
    return (folder or original.parent) / name


def folder_writable(folder: Path) -> bool:
    try:
        return bool(folder.stat().st_mode & 0o222) and os.access(folder, os.W_OK)
    except OSError:
        return False


def sidecar_target(
    original: Path, naming: str, fallback: Path | None = None
) -> tuple[Path | None, bool]:
    """Where the sidecar of ``original`` goes, and whether that is the fallback.

    Beside the original when its folder is writable, else ``fallback`` (a path chosen by the
    caller, unique per photo: two originals named alike must never share one). ``None`` when
    neither is possible.
    """
    if folder_writable(original.parent):
        return sidecar_path(original, naming), False
    return fallback, True


def _embedded_xmp(original: Path) -> bytes | None:
    """The original's own XMP packet, where the sidecar starts from (HEIF via libheif too)."""
    try:
        with capturing_exiv2_log():
            image = exiv2.ImageFactory.open(os.fspath(original))
            image.readMetadata()
        packet = str(image.xmpPacket() or "")
        del image
        if packet.strip():
            return packet.encode("utf-8")
    except (exiv2.Exiv2Error, OSError):
        pass
    try:
        import pillow_heif

        heif = pillow_heif.open_heif(os.fspath(original), convert_hdr_to_8bit=False)
        blob = heif.info.get("xmp")
        if isinstance(blob, bytes | bytearray) and blob.strip():
            return bytes(blob)
    except Exception:
        return None
    return None


def write_sidecar(
    original: Path,
    fields: WriteFields,
    naming: str,
    fallback: Path | None = None,
    on_ready: PendingHook | None = None,
) -> WrittenFile:
    """Write (or update) the XMP sidecar of ``original``, atomically and verified.

    The packet starts from the existing sidecar, else from the original's embedded XMP, so a
    sidecar never says less than the file did. When the original's folder is read-only the
    sidecar goes to ``fallback`` (a full path, if given): the catalog's own copy of what it
    would have written, which other tools and a fresh import do not look for.
    """
    if not original.exists():
        raise WriteFailure(_MISSING)
    target, is_fallback = sidecar_target(original, naming, fallback)
    if target is None:
        raise WriteFailure("cannot write a sidecar: the original's folder is read-only")
    raw = raw_sibling(original) if naming == "name.xmp" and not is_fallback else None
    if raw is not None:
        raise WriteFailure(
            f"{target.name} is the sidecar of the raw file {raw.name} (Lightroom); not mixed "
            "with this photo's metadata. Use the name.ext.xmp naming (--sidecar-naming "
            "name.ext.xmp)"
        )
    if is_fallback:
        target.parent.mkdir(parents=True, exist_ok=True)
    return _write_sidecar_at(original, target, fields, on_ready)


def update_sidecar(
    original: Path, sidecar: Path, fields: WriteFields, on_ready: PendingHook | None = None
) -> WrittenFile:
    """Rewrite an existing sidecar of ``original`` (one this catalog wrote) with ``fields``."""
    if not sidecar.is_file():
        raise WriteFailure(f"the sidecar {sidecar} is gone")
    return _write_sidecar_at(original, sidecar, fields, on_ready)


def _write_sidecar_at(
    original: Path, target: Path, fields: WriteFields, on_ready: PendingHook | None
) -> WrittenFile:
    if target.is_symlink():
        target = Path(os.path.realpath(target))  # write the real file; the link stays a link
    existing: bytes | None = None
    if target.exists():
        existing = target.read_bytes()
    else:
        nearby = sidecar_candidates(original)
        existing = nearby[0].read_bytes() if nearby else _embedded_xmp(original)
    try:
        packet = merge_xmp(existing, _props(fields), padding=False, max_bytes=None)
    except XmpMergeError as exc:
        raise WriteFailure(str(exc)) from exc
    before = target.stat() if target.exists() else None
    remove_stale_temps(target)
    tmp: _TempFile | None = None
    try:
        try:
            tmp = _TempFile(target)
            tmp.write(packet)
            if before is not None:
                _copy_attributes(target, before, tmp.path)
            else:
                os.chmod(tmp.path, 0o644)  # mkstemp's 0600 would hide it from other users
        except OSError as exc:
            raise _os_failure(exc, "the sidecar's folder") from exc
        _verify_metadata(tmp.path, fields)
        try:
            return _commit(tmp.path, target, before, on_ready)
        except OSError as exc:
            raise _os_failure(exc, "the sidecar") from exc
    finally:
        if tmp is not None:
            tmp.close()
