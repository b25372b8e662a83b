"""Per-project cache of grid thumbnails, first-paint EXIF thumbnails and screen previews.

Files are addressed by the photo's SHA-256 ``content_hash``, so identical photos share one
thumbnail, a renamed or moved photo keeps its thumbnail, and an edited photo (new hash) gets a new
one. Layout under the project's ``cache/`` folder (``ab`` = the first two hex digits, to keep
directories small)::

    thumbs/v1/ab/<hash>-256.jpg        grid thumbnail, long edge 256
    thumbs/v1/ab/<hash>-512.jpg        the same for HiDPI screens, from the same decode
    thumbs/v1/ab/<hash>-embedded.jpg   the camera's EXIF thumbnail, upright, bars cropped
    previews/v1/ab/<hash>-2048.jpg     screen-size preview, made on demand

``v1`` is :data:`THUMBNAIL_VERSION`: bump it when the rendering changes and every old file is
simply never looked at again (delete ``thumbs/v<old>`` at leisure).

The GUI's progression is placeholder → embedded thumbnail (about 1 ms a photo, no pixel decode)
→ real grid thumbnail (one JPEG decode at 1/8 or 1/4 scale, tens of ms); see
:func:`best_available_thumbnail`. Sources smaller than a size are never enlarged: a 160×120
photo has a 160×120 "256" and "512" thumbnail.

Every file is written atomically (temporary file + rename), so a reader, another worker or a
crash never sees half a JPEG. Decoding is in :mod:`gallery_app.core.imaging`; a damaged source
raises :class:`~gallery_app.core.imaging.ImageUnreadable`.
"""

from __future__ import annotations

import io
import os
import re
import warnings
from pathlib import Path

from PIL import ExifTags, Image, ImageStat

from gallery_app.core.imaging import (
    ImageUnreadable,
    apply_orientation,
    atomic_write_bytes,
    encode_jpeg,
    fit_within,
    load_display_image,
    open_image,
    to_srgb_rgb,
)
from gallery_app.core.resize import downscale

__all__ = [
    "EMBEDDED_QUALITY",
    "GRID_QUALITY",
    "GRID_SIZE",
    "GRID_SIZE_2X",
    "PREVIEW_LONG_EDGE",
    "PREVIEW_QUALITY",
    "THUMBNAIL_VERSION",
    "ImageUnreadable",
    "best_available_thumbnail",
    "embedded_thumbnail_path",
    "extract_embedded_thumbnail",
    "grid_thumbnail_paths",
    "make_grid_thumbnails",
    "make_preview",
    "preview_path",
    "read_exif_thumbnail",
    "thumbnail_path",
    "thumbnails_fresh",
    "write_embedded_thumbnail",
]

GRID_SIZE = 256
"""Long edge of grid thumbnails."""
GRID_SIZE_2X = 512
"""Long edge of the HiDPI grid thumbnail, made from the same decode as :data:`GRID_SIZE`."""
THUMBNAIL_VERSION = 1
"""Part of every cache path; bump to invalidate every cached thumbnail and preview."""
_GRID_SIZES = (GRID_SIZE, GRID_SIZE_2X)
PREVIEW_LONG_EDGE = 2048
GRID_QUALITY = 82
PREVIEW_QUALITY = 88
EMBEDDED_QUALITY = 85

_MIN_EMBEDDED_EDGE = 16
"""Smaller "thumbnails" (8×8 test files, 1×1 placeholders) are not worth showing."""
_MAX_EMBEDDED_EDGE = 2048
"""Larger ones are not an EXIF thumbnail (the whole APP1 is 64 KB) but garbage dimensions."""
_ASPECT_TOLERANCE = 0.05
"""Relative aspect mismatch still explained by rounding or a slightly squashed thumbnail."""

_HASH_RE = re.compile(r"[0-9a-f]{16,128}")


def _check_hash(content_hash: str) -> str:
    """Lower-cased hash, refusing anything that could escape the cache directory."""
    normalised = content_hash.lower()
    if not _HASH_RE.fullmatch(normalised):
        raise ValueError(f"content hash must be hexadecimal (SHA-256), not {content_hash!r}")
    return normalised


def _cache_file(cache_dir: Path, kind: str, content_hash: str, suffix: str) -> Path:
    digest = _check_hash(content_hash)
    return cache_dir / kind / f"v{THUMBNAIL_VERSION}" / digest[:2] / f"{digest}-{suffix}.jpg"


def thumbnail_path(cache_dir: Path, content_hash: str, size: int) -> Path:
    """Where the grid thumbnail with long edge ``size`` of this photo lives (may not exist)."""
    if size < 1:
        raise ValueError(f"thumbnail size must be positive, not {size}")
    return _cache_file(cache_dir, "thumbs", content_hash, str(size))


def grid_thumbnail_paths(cache_dir: Path, content_hash: str) -> dict[int, Path]:
    """``{GRID_SIZE: path, GRID_SIZE_2X: path}``."""
    return {size: thumbnail_path(cache_dir, content_hash, size) for size in _GRID_SIZES}


def embedded_thumbnail_path(cache_dir: Path, content_hash: str) -> Path:
    """Where the upright, cropped EXIF thumbnail of this photo lives (may not exist)."""
    return _cache_file(cache_dir, "thumbs", content_hash, "embedded")


def preview_path(cache_dir: Path, content_hash: str, long_edge: int) -> Path:
    """Where the screen preview with this long edge lives (may not exist).

    Previews sit in their own ``previews/`` tree because they are 20× larger than thumbnails
    and can be purged on their own when the cache grows.
    """
    if long_edge < 1:
        raise ValueError(f"preview long edge must be positive, not {long_edge}")
    return _cache_file(cache_dir, "previews", content_hash, str(long_edge))


def _source_mtime_ns(source: Path) -> int | None:
    try:
        return source.stat().st_mtime_ns
    except FileNotFoundError:
        return None


def _is_fresh(path: Path, source_mtime_ns: int | None) -> bool:
    """Exists, is not empty and is not older than the source (when the source is there)."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return False
    if stat.st_size == 0:
        return False
    return source_mtime_ns is None or stat.st_mtime_ns >= source_mtime_ns


def thumbnails_fresh(cache_dir: Path, content_hash: str, source: Path) -> bool:
    """Both grid thumbnails exist, are non-empty and are not older than ``source``'s mtime.

    The cache is keyed by content, so a missing source (an unplugged drive) does not make its
    thumbnails stale: they still show the right picture and nothing could remake them anyway.
    """
    source_mtime = _source_mtime_ns(source)
    return all(
        _is_fresh(path, source_mtime)
        for path in grid_thumbnail_paths(cache_dir, content_hash).values()
    )


def _write_cache_file(path: Path, data: bytes, source_mtime_ns: int | None) -> None:
    """Atomic write, then make sure the file does not look older than its source.

    A source with an mtime in the future (camera clock, copied with ``cp -p``) would otherwise
    make its thumbnails stale forever and remade on every import.
    """
    atomic_write_bytes(path, data)
    if source_mtime_ns is not None and path.stat().st_mtime_ns < source_mtime_ns:
        os.utime(path, ns=(source_mtime_ns, source_mtime_ns))


def make_grid_thumbnails(
    source: Path, cache_dir: Path, content_hash: str, orientation: int
) -> dict[int, Path]:
    """Make the 256 and 512 px grid thumbnails of ``source`` from a single decode.

    ``orientation`` is the EXIF Orientation (1–8) the metadata module read; it is applied after
    downscaling. (HEIF and AVIF use their container's rotation instead, see
    :func:`gallery_app.core.imaging.container_orientation`.) JPEGs decode at the smallest DCT
    scale covering 512 px, so a 24 MP photo costs about one 1/8-scale entropy decode. The
    256 px file is derived from the 512 px image, with its size computed from the full-size
    aspect so that rounding does not drift. Existing files are replaced atomically.

    Returns ``{256: path, 512: path}``. Raises ImageUnreadable for a damaged or unsupported
    file and OSError for file-system problems (missing source, full disk).
    """
    source_mtime = _source_mtime_ns(source)
    shown = load_display_image(source, GRID_SIZE_2X, orientation)
    large = shown.image
    small_size = fit_within(shown.full_size, GRID_SIZE)
    small = large if large.size == small_size else downscale(large, small_size)
    paths = grid_thumbnail_paths(cache_dir, content_hash)
    for size, image in ((GRID_SIZE_2X, large), (GRID_SIZE, small)):
        _write_cache_file(paths[size], encode_jpeg(image, GRID_QUALITY), source_mtime)
    return paths


def make_preview(
    source: Path,
    cache_dir: Path,
    content_hash: str,
    orientation: int,
    long_edge: int = PREVIEW_LONG_EDGE,
) -> Path:
    """Return a screen-size preview of ``source``, making it only if the cached one is stale.

    A 24 MP JPEG decodes at 1/2 scale for 2048 px (about 60 % of the time and a quarter of the
    memory of a full decode), never at full size: 100 % zoom needs the original anyway. JPEG
    q88. A missing source keeps serving its cached preview.
    """
    path = preview_path(cache_dir, content_hash, long_edge)
    source_mtime = _source_mtime_ns(source)
    if _is_fresh(path, source_mtime):  # a missing source keeps its (content-addressed) preview
        return path
    shown = load_display_image(source, long_edge, orientation)
    _write_cache_file(path, encode_jpeg(shown.image, PREVIEW_QUALITY), source_mtime)
    return path


def best_available_thumbnail(
    cache_dir: Path, content_hash: str, size: int = GRID_SIZE
) -> Path | None:
    """The best picture the GUI can draw right now for this photo, without decoding anything.

    The grid thumbnail of ``size`` if present, else the other grid size, else the embedded EXIF
    thumbnail, else None (draw a placeholder). Freshness is not checked here (no stat of the
    source, which may be on a slow or missing drive); the importer remakes stale thumbnails.
    """
    candidates = [thumbnail_path(cache_dir, content_hash, size)]
    candidates += [
        thumbnail_path(cache_dir, content_hash, other) for other in _GRID_SIZES if other != size
    ]
    candidates.append(embedded_thumbnail_path(cache_dir, content_hash))
    for path in candidates:
        if _is_fresh(path, None):
            return path
    return None


# --- first paint: the camera's own EXIF thumbnail --------------------------------------------


def read_exif_thumbnail(source: Path) -> tuple[bytes, tuple[int, int]] | None:
    """The raw JPEG bytes of the IFD1 thumbnail of a JPEG and the main image's stored size.

    Only the markers up to the start of scan are read (Pillow parses them on open, about
    0.1–0.4 ms), never the main image's pixels. The bytes are exactly what
    ``exiftool -b -ThumbnailImage`` prints. None for non-JPEG files, JPEGs without a thumbnail,
    uncompressed (TIFF-strip) thumbnails and offsets that point outside the EXIF block.

    Pillow rather than exiv2: on the real-camera corpus it matched exiftool on every file (exiv2
    returned a different length for a Ricoh file) and stays pure Python on hostile EXIF; exiv2 is
    faster on small EXIF blocks (0.05 vs 0.2 ms) but slower (up to 34 ms) on some maker notes.
    """
    try:
        with open_image(source) as image:
            return _exif_thumbnail_of(image)
    except ImageUnreadable:
        return None


def _exif_thumbnail_of(image: Image.Image) -> tuple[bytes, tuple[int, int]] | None:
    if image.format not in ("JPEG", "MPO"):
        return None
    raw = image.info.get("exif")
    if not isinstance(raw, bytes) or not raw.startswith(b"Exif\x00\x00"):
        return None
    ifd1 = image.getexif().get_ifd(ExifTags.IFD.IFD1)
    offset = ifd1.get(ExifTags.Base.JpegIFOffset)
    length = ifd1.get(ExifTags.Base.JpegIFByteCount)
    if not isinstance(offset, int) or not isinstance(length, int) or length <= 0 or offset < 0:
        return None
    start = 6 + offset  # offsets count from the TIFF header, after "Exif\0\0"
    data = raw[start : start + length]
    if len(data) != length or not data.startswith(b"\xff\xd8"):
        return None
    return data, image.size


def _decode_small_jpeg(data: bytes) -> Image.Image | None:
    """Decode an embedded thumbnail, or None if it is not a sane small JPEG."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            with Image.open(io.BytesIO(data), formats=("JPEG",)) as thumb:
                if not (
                    min(thumb.size) >= _MIN_EMBEDDED_EDGE and max(thumb.size) <= _MAX_EMBEDDED_EDGE
                ):
                    return None
                thumb.load()
                icc = thumb.info.get("icc_profile")
                return to_srgb_rgb(
                    thumb if thumb.mode in ("RGB", "L", "CMYK") else thumb.convert("RGB"),
                    icc if isinstance(icc, bytes) else None,
                )
    except Exception:  # garbage thumbnail: the real thumbnail will come, just show nothing yet
        return None


def _is_black_bar(image: Image.Image, box: tuple[int, int, int, int]) -> bool:
    """True if ``box`` is an empty (no area) or near-black, nearly uniform band."""
    if box[2] <= box[0] or box[3] <= box[1]:
        return True
    stat = ImageStat.Stat(image.crop(box).convert("L"))
    return stat.mean[0] <= 40 and stat.stddev[0] <= 12


def _match_photo_aspect(thumb: Image.Image, photo_size: tuple[int, int]) -> Image.Image | None:
    """Crop the letterbox bars a camera adds to fit a 3:2 or 16:9 photo into a 4:3 thumbnail.

    Both sizes are as stored (before orientation). When the aspect differs and the extra rows or
    columns are black bars they are cropped; a small mismatch (rounding, a slightly squashed
    thumbnail) is resized away. A large mismatch without bars means the thumbnail does not
    show this photo as it is now (an editor cropped it and kept the camera's thumbnail), so
    None: better a placeholder for a moment than the wrong picture.
    """
    thumb_w, thumb_h = thumb.size
    photo_w, photo_h = photo_size
    if min(photo_w, photo_h) < 1:
        return thumb
    photo_ratio = photo_w / photo_h
    thumb_ratio = thumb_w / thumb_h
    box: tuple[int, int, int, int]
    if thumb_ratio < photo_ratio:  # bars above and below
        content = thumb_w / photo_ratio
        margin = (thumb_h - content) / 2
        box = (0, round(margin), thumb_w, round(margin + content))
        # Leave out the row next to the picture: JPEG ringing bleeds into it.
        bars = [(0, 0, thumb_w, box[1] - 1), (0, box[3] + 1, thumb_w, thumb_h)]
    else:  # bars left and right
        content = thumb_h * photo_ratio
        margin = (thumb_w - content) / 2
        box = (round(margin), 0, round(margin + content), thumb_h)
        bars = [(0, 0, box[0] - 1, thumb_h), (box[2] + 1, 0, thumb_w, thumb_h)]
    if margin < 1:  # under a pixel on each side: rounding of a small thumbnail, not bars
        return thumb
    if min(box[2] - box[0], box[3] - box[1]) < 1:
        return None
    if all(_is_black_bar(thumb, bar) for bar in bars):
        return thumb.crop(box)
    if abs(thumb_ratio / photo_ratio - 1) <= _ASPECT_TOLERANCE:
        return thumb.resize(_fit_ratio(thumb.size, photo_ratio), Image.Resampling.LANCZOS)
    return None


def _fit_ratio(size: tuple[int, int], ratio: float) -> tuple[int, int]:
    """The largest size with aspect ``ratio`` (w/h) inside ``size``."""
    width, height = size
    if width / height > ratio:
        return max(1, round(height * ratio)), height
    return width, max(1, round(width / ratio))


def _heif_thumbnail_of(image: Image.Image) -> Image.Image | None:
    """The smallest thumbnail item of an open HEIF file, decoded and upright.

    pillow-heif's ``draft`` selects a thumbnail only if it is a true scaled copy of the primary
    image (same rotation, crop and colour profile), and libheif applies ``irot``/``imir``, so
    neither aspect fixing nor the EXIF orientation applies.
    """
    if image.draft("RGB", (1, 1)) is None:
        return None
    image.load()
    if min(image.size) < _MIN_EMBEDDED_EDGE:
        return None
    icc = image.info.get("icc_profile")
    pixels = image if image.mode in ("RGB", "RGBA", "L", "LA") else image.convert("RGB")
    return to_srgb_rgb(pixels, icc if isinstance(icc, bytes) else None)


def extract_embedded_thumbnail(source: Path, orientation: int) -> bytes | None:
    """First-paint JPEG bytes from the thumbnail the camera embedded, or None.

    JPEG: the EXIF (IFD1) thumbnail, letterbox bars cropped to the photo's aspect, turned upright
    by ``orientation``. HEIF/HEIC: the file's thumbnail item (already upright). Typically 160×120
    and about 1 ms, since the main image is never decoded. None for formats without one (PNG,
    WebP, AVIF...), for garbage thumbnails and for damaged files; OSError for a missing file.
    """
    try:
        with open_image(source) as image:
            if image.format == "HEIF":
                heif = _heif_thumbnail_of(image)
                return None if heif is None else encode_jpeg(heif, EMBEDDED_QUALITY)
            found = _exif_thumbnail_of(image)
    except ImageUnreadable:
        return None
    if found is None:
        return None
    data, photo_size = found
    thumb = _decode_small_jpeg(data)
    if thumb is None:
        return None
    fixed = _match_photo_aspect(thumb, photo_size)
    if fixed is None:
        return None
    return encode_jpeg(apply_orientation(fixed, orientation), EMBEDDED_QUALITY)


def write_embedded_thumbnail(
    source: Path, cache_dir: Path, content_hash: str, orientation: int
) -> Path | None:
    """Store :func:`extract_embedded_thumbnail`'s result in the cache; None if there is none."""
    data = extract_embedded_thumbnail(source, orientation)
    if data is None:
        return None
    path = embedded_thumbnail_path(cache_dir, content_hash)
    _write_cache_file(path, data, _source_mtime_ns(source))
    return path
