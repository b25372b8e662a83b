"""The per-file work of an import, run in worker processes.

Everything here touches one user file and nothing else of the project but the file's own staged
copy and thumbnails, so that a hostile file can at worst fail (or crash, or hang) the worker
that holds it: the importer gives every task a time limit and the pool replaces a dead worker.
Workers never see the catalog; they return plain, picklable results and the importer's main
thread writes them.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from gallery_app.core.model import PhotoMetadata

# Pillow format name → (canonical extension, catalog format name)
FORMATS: dict[str, tuple[str, str]] = {
    "JPEG": (".jpg", "jpeg"),
    "MPO": (".jpg", "jpeg"),  # multi-picture JPEG (phones, 3D cameras): the first frame is a JPEG
    "PNG": (".png", "png"),
    "TIFF": (".tif", "tiff"),
    "WEBP": (".webp", "webp"),
    "AVIF": (".avif", "avif"),
    "HEIF": (".heic", "heif"),
}
# Decoders of these containers apply the container's rotation themselves.
SELF_ORIENTING = frozenset({"avif", "heif"})
# 256 KiB: each chunk is still in the CPU cache when it is hashed and then written (9.7 ms
# against 17.5 ms per 7.7 MB photo with 1 MiB chunks).
_CHUNK = 256 << 10
WORKER_MEMORY_LIMIT = 4 << 30


class IngestError(Exception):
    """A file that cannot be imported; the message says why in one line."""


@dataclass
class IngestResult:
    """What a worker learned about one file, for the importer to record."""

    source: Path
    content_hash: str
    file_size: int
    file_mtime_ns: int
    staged: Path | None
    format: str
    extension: str
    width: int
    height: int
    orientation: int
    metadata: PhotoMetadata
    has_embedded_thumbnail: bool
    warnings: list[str] = field(default_factory=list)


def init_worker() -> None:
    """Make a fresh worker process ready and bounded.

    Registers the HEIF opener, caps the address space (a fuzzed file that makes a parser
    allocate wildly fails with MemoryError instead of taking the laptop down) and lowers the
    priority so the GUI stays responsive while all cores import.
    """
    import pillow_heif

    pillow_heif.register_heif_opener()
    try:
        import resource

        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = (
            WORKER_MEMORY_LIMIT
            if hard == resource.RLIM_INFINITY
            else min(hard, WORKER_MEMORY_LIMIT)
        )
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, ValueError, OSError):
        pass  # not on POSIX, or not allowed: the time limit still applies
    with contextlib.suppress(AttributeError, OSError):
        os.nice(5)


def ingest(source: Path, staging_dir: Path | None, cache_dir: Path) -> IngestResult:
    """Hash (and, in copy mode, copy) one file, identify it and read its metadata.

    In copy mode the file is read once: the same bytes feed the hash and the staged copy in
    ``staging_dir``, named after its hash so the importer can move it into place after the
    catalog row is committed (the importer syncs every copy before it returns).
    """
    try:
        stat = source.stat()
    except OSError as exc:
        raise IngestError(f"cannot be read: {exc.strerror or exc}") from None
    if stat.st_size == 0:
        raise IngestError("is empty (0 bytes)")
    content_hash, staged = _hash_and_stage(source, staging_dir)
    try:
        readable = staged or source
        fmt, extension, size, pixel_orientation_applies = _identify(readable)
        metadata = _read_metadata(readable, source)
        orientation = metadata.orientation if 1 <= metadata.orientation <= 8 else 1
        if not pixel_orientation_applies:
            orientation = 1
        width, height = size
        if orientation >= 5:
            width, height = height, width
        warnings: list[str] = []
        if source.suffix.lower() not in _extensions_for(fmt):
            warnings.append(
                f"file content is {fmt.upper()} although its name ends in {source.suffix}"
            )
        has_embedded = _embedded_thumbnail(readable, cache_dir, content_hash, orientation, fmt)
    except BaseException:
        if staged is not None:
            staged.unlink(missing_ok=True)
        raise
    return IngestResult(
        source=source,
        content_hash=content_hash,
        file_size=stat.st_size,
        file_mtime_ns=stat.st_mtime_ns,
        staged=staged,
        format=fmt,
        extension=extension,
        width=width,
        height=height,
        orientation=orientation,
        metadata=metadata,
        has_embedded_thumbnail=has_embedded,
        warnings=warnings,
    )


def _extensions_for(fmt: str) -> set[str]:
    return {
        "jpeg": {".jpg", ".jpeg", ".jpe"},
        "png": {".png"},
        "tiff": {".tif", ".tiff"},
        "webp": {".webp"},
        "avif": {".avif"},
        "heif": {".heic", ".heif", ".hif"},
    }[fmt]


def _hash_and_stage(source: Path, staging_dir: Path | None) -> tuple[str, Path | None]:
    digest = hashlib.sha256()
    try:
        with source.open("rb") as reader:
            if staging_dir is None:
                while chunk := reader.read(_CHUNK):
                    digest.update(chunk)
                return digest.hexdigest(), None
            part = staging_dir / f"{uuid.uuid4().hex}.part"
            try:
                with part.open("xb") as writer:
                    while chunk := reader.read(_CHUNK):
                        digest.update(chunk)
                        writer.write(chunk)
                # The hash first (recovery reads it back), then a unique part: two files with
                # the same content in one batch must not share a staged name, or one worker's
                # copy vanishes under the other when the first is moved into place.
                staged = staging_dir / f"{digest.hexdigest()}-{uuid.uuid4().hex}"
                os.replace(part, staged)
            except BaseException:
                part.unlink(missing_ok=True)
                raise
            return digest.hexdigest(), staged
    except OSError as exc:
        if exc.errno is not None and exc.strerror:
            raise IngestError(f"cannot be read: {exc.strerror}") from None
        raise


def _identify(path: Path) -> tuple[str, str, tuple[int, int], bool]:
    try:
        with Image.open(path) as image:
            pillow_format = image.format or ""
            size = image.size
    except UnidentifiedImageError:
        raise IngestError("is not an image Gallery Curator can read") from None
    except Image.DecompressionBombError as exc:
        raise IngestError(f"is too large to open safely ({exc})") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise IngestError(f"is damaged: {exc}") from None
    if pillow_format not in FORMATS:
        raise IngestError(f"is a {pillow_format or 'unknown'} image, not a photo format we import")
    extension, fmt = FORMATS[pillow_format]
    if size[0] <= 0 or size[1] <= 0:
        raise IngestError("has no pixels (width or height is 0)")
    return fmt, extension, size, fmt not in SELF_ORIENTING


def _read_metadata(path: Path, source: Path) -> PhotoMetadata:
    """The file's metadata; an XMP sidecar next to the *source* replaces its descriptions."""
    from gallery_app.core.metadata import MetadataUnreadable, apply_sidecar, read_metadata

    try:
        metadata = read_metadata(path)
    except MetadataUnreadable as exc:
        # Pillow could open the image, so it is a photo whose metadata blocks are beyond
        # reading: import it without metadata rather than lose it.
        metadata = PhotoMetadata(warnings=[f"metadata could not be read: {exc}"])
    return apply_sidecar(metadata, source)


def _embedded_thumbnail(
    path: Path, cache_dir: Path, content_hash: str, orientation: int, fmt: str
) -> bool:
    if fmt not in ("jpeg", "heif"):
        return False
    from gallery_app.core.thumbnails import write_embedded_thumbnail

    try:
        return write_embedded_thumbnail(path, cache_dir, content_hash, orientation) is not None
    except Exception:
        return False


def make_thumbnails(source: Path, cache_dir: Path, content_hash: str, orientation: int) -> None:
    """Generate the grid thumbnails of one photo (the expensive, decoding part of import)."""
    from gallery_app.core.thumbnails import make_grid_thumbnails

    make_grid_thumbnails(source, cache_dir, content_hash, orientation)
