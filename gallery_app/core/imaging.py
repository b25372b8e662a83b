"""Open an image of any supported format safely and turn it into display-ready pixels.

Everything that draws a photo on screen (grid thumbnails, previews, the first-paint EXIF
thumbnail) needs the same few steps, and each has a trap that is easy to get wrong in one place
and right in another, so they live here once:

* **Which decoder may run.** ``Image.open`` would otherwise try every Pillow plugin, including
  EPS (which shells out to Ghostscript). We only accept the formats in :data:`SUPPORTED_FORMATS`.
* **What counts as a damaged file.** Pillow reports broken data through a zoo of exception types
  (``OSError``, ``SyntaxError``, ``ValueError``, ``EOFError``, ``struct.error``,
  ``DecompressionBombError``...). The import must survive any of them, so they all become one
  :class:`ImageUnreadable` with a one-line reason the GUI can show. ``OSError`` that carries an
  ``errno`` (file missing, permission denied, I/O error) is a file-system problem, not a property of
  the bytes, and is left alone. ``ImageFile.LOAD_TRUNCATED_IMAGES`` stays off (a half-grey
  thumbnail would hide the damage) and Pillow's decompression-bomb limit stays on.
* **Cheap decoding.** JPEG can decode at 1/2, 1/4 or 1/8 scale inside libjpeg-turbo
  (``Image.draft``), which skips most of the IDCT and the memory of a full-size decode;
  pillow-heif's ``draft`` picks an embedded HEIF thumbnail that is large enough. Orientation is
  applied after downscaling, where a transpose costs almost nothing.
* **Who owns the rotation.** JPEG, TIFF, PNG and WebP store pixels unrotated and the EXIF
  Orientation tag (read by the metadata module and passed in) says how to show them. HEIF and
  AVIF carry the rotation in the container (``irot``/``imir``), which is authoritative: libheif
  has already applied it, and Pillow's AVIF plugin reports it as the EXIF orientation. Applying
  the EXIF value again would rotate iPhone photos twice.
* **Colour.** Phone photos are often Display P3, some cameras shoot Adobe RGB; shown as if they
  were sRGB they look dull. Pixels are converted to sRGB with LittleCMS when the file carries a
  non-sRGB ICC profile, and every mode (CMYK, grey, palette, alpha, 16-bit grey) ends up as 8-bit
  RGB, with transparency flattened onto :data:`BACKGROUND_RGB`.
"""

from __future__ import annotations

import io
import logging
import os
import re
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from PIL import Image, ImageCms, ImageFile, UnidentifiedImageError

from gallery_app.core.errors import GalleryError
from gallery_app.core.resize import downscale

log = logging.getLogger(__name__)

SUPPORTED_FORMATS: tuple[str, ...] = (
    "JPEG",  # also yields MPO: phone JPEGs with a multi-picture (depth, gain map) segment
    "PNG",
    "TIFF",
    "WEBP",
    "AVIF",
    "HEIF",
    "GIF",
    "BMP",
)
"""Pillow format ids that :func:`open_image` lets decode; anything else is "not an image"."""

BACKGROUND_RGB = (255, 255, 255)
"""What transparent pixels are flattened onto (thumbnails are JPEG, which has no alpha).

White, like a browser page: dark logos and line art on transparent backgrounds, the common
case at events, stay legible.
"""

EXIF_ORIENTATION_TAG = 0x0112

_FORMAT_OF_SUFFIX = {"JPG": "JPEG", "JPE": "JPEG", "TIF": "TIFF", "HEIC": "HEIF", "HIF": "HEIF"}

_TRANSPOSE: dict[int, Image.Transpose] = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


class ImageUnreadable(GalleryError):
    """The file's bytes cannot be decoded as an image; the message is a one-line reason.

    Examples: ``"empty file"``, ``"not an image (or not a supported format)"``,
    ``"truncated JPEG data"``, ``"image too large (200 megapixels)"``. The original Pillow
    exception is chained as ``__cause__`` for logs.
    """


@cache
def register_heif_opener() -> None:
    """Teach Pillow to open HEIF/HEIC (pillow-heif), once per process.

    Cached so that worker processes and tests can call it before every open for free.
    AVIF is left to Pillow's own plugin.
    """
    import pillow_heif

    pillow_heif.register_heif_opener()


def normalise_orientation(orientation: int) -> int:
    """EXIF orientation clamped to 1–8; anything else (0, 9, junk) means "as stored"."""
    return orientation if orientation in _TRANSPOSE or orientation == 1 else 1


def apply_orientation(image: Image.Image, orientation: int) -> Image.Image:
    """Return ``image`` turned upright for EXIF ``orientation`` (same as ``exif_transpose``)."""
    method = _TRANSPOSE.get(normalise_orientation(orientation))
    return image if method is None else image.transpose(method)


def oriented_size(size: tuple[int, int], orientation: int) -> tuple[int, int]:
    """The displayed size of a stored ``size`` once ``orientation`` is applied."""
    return (size[1], size[0]) if normalise_orientation(orientation) >= 5 else size


def fit_within(size: tuple[int, int], long_edge: int) -> tuple[int, int]:
    """``size`` scaled so that its long edge is exactly ``long_edge``, aspect kept.

    Never upscales: a source already within ``long_edge`` keeps its size, because enlarging a tiny
    image only costs disk and blurs it further (the GUI scales it up when it draws it anyway).
    """
    width, height = size
    if long_edge < 1:
        raise ValueError(f"long edge must be positive, not {long_edge}")
    if max(width, height) <= long_edge:
        return width, height
    if width >= height:
        return long_edge, max(1, round(height * long_edge / width))
    return max(1, round(width * long_edge / height)), long_edge


def _unreadable_reason(exc: BaseException, fmt: str) -> str:
    """One line that says what is wrong, without Pillow's internals where we can."""
    text = " ".join(str(exc).split())
    if isinstance(exc, Image.DecompressionBombError):
        match = re.search(r"\((\d+) pixels\)", text)
        if match:
            return f"image too large ({int(match.group(1)) / 1e6:.0f} megapixels)"
        return "image too large"
    if isinstance(exc, UnidentifiedImageError):
        return "not an image (or not a supported format)"
    if isinstance(exc, MemoryError):
        return "image too large to decode (out of memory)"
    if isinstance(exc, EOFError) or "truncated" in text.lower():
        return f"truncated {fmt} data"
    if not text:
        text = type(exc).__name__
    if len(text) > 120:
        text = text[:117] + "..."
    return f"damaged {fmt} data ({text})"


def _is_filesystem_error(exc: BaseException) -> bool:
    """True for OSErrors that come from the OS (they carry an errno), not from a decoder."""
    return isinstance(exc, OSError) and exc.errno is not None


@contextmanager
def open_image(path: Path) -> Iterator[ImageFile.ImageFile]:
    """Open ``path`` for decoding; every decoding failure inside the block is ImageUnreadable.

    The block may call ``draft``, ``load``, ``convert``, ``resize``... on the image: whatever
    Pillow raises there because of the file's content is turned into :class:`ImageUnreadable`.
    ``OSError`` with an errno (missing file, permission, disk I/O) propagates unchanged, and so do
    exceptions that are already :class:`GalleryError`.

    Pillow's ``UserWarning``\\s about corrupt EXIF are silenced inside the block: they concern
    metadata, which the metadata module reports, and they would otherwise flood a worker's stderr
    on a folder of damaged files. (``warnings.catch_warnings`` is process-global; we run decodes
    in worker processes, where that is harmless.)
    """
    register_heif_opener()
    suffix = path.suffix.lstrip(".").upper()
    fmt = _FORMAT_OF_SUFFIX.get(suffix, suffix or "image")  # until Pillow has recognised it
    with path.open("rb") as fp:
        if os.fstat(fp.fileno()).st_size == 0:
            raise ImageUnreadable("empty file")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                with Image.open(fp, formats=SUPPORTED_FORMATS) as image:
                    fmt = image.format or fmt
                    yield image
        except GalleryError:
            raise
        except Exception as exc:
            if _is_filesystem_error(exc):
                raise
            raise ImageUnreadable(_unreadable_reason(exc, fmt)) from exc


def container_orientation(image: Image.Image, exif_orientation: int) -> int:
    """The orientation to apply to ``image``'s decoded pixels.

    JPEG/TIFF/PNG/WebP: the caller's EXIF value. HEIF: 1, libheif has already applied the
    container's ``irot``/``imir``. AVIF: Pillow's plugin leaves the pixels as stored and reports
    ``irot``/``imir`` as the EXIF orientation, which wins over whatever the EXIF block says.
    """
    if image.format == "HEIF":
        return 1
    if image.format == "AVIF":
        try:
            value = image.getexif().get(EXIF_ORIENTATION_TAG, 1)
        except Exception:  # a broken EXIF block must not make the pixels unreadable
            return 1
        return normalise_orientation(value) if isinstance(value, int) else 1
    return normalise_orientation(exif_orientation)


def _high_depth_to_l(image: Image.Image) -> Image.Image:
    """8-bit grey from 16/32-bit integer or float grey, scaled rather than clipped.

    Pillow's ``convert("L")`` clips ``I;16`` at 255, which turns a 16-bit scan white.
    """
    mode = image.mode
    if mode == "F":
        _, high = image.getextrema()
        assert isinstance(high, (int, float))
        scale = 255.0 if high <= 1.0 else (1 / 257 if high <= 65535 else 255.0 / high)
        return image.point(lambda v: v * scale).convert("L")
    if mode != "I":
        image = image.convert("I")
        scale = 1 / 257  # I;16 and friends are 16-bit by definition
    else:
        _, high = image.getextrema()
        assert isinstance(high, (int, float))
        scale = 1.0 if high <= 255 else (1 / 257 if high <= 65535 else 255.0 / high)
    return image.point(lambda v: v * scale).convert("L")


def resizable(image: Image.Image) -> Image.Image:
    """Convert to an 8-bit mode that LANCZOS resizes correctly, keeping alpha and CMYK.

    Palette and 1-bit images would be resized with NEAREST; 16-bit grey would be clipped; LAB and
    friends cannot be flattened later. CMYK and grey stay as they are so that their ICC profile
    can still be applied after the (cheaper) downscale.
    """
    mode = image.mode
    if mode in ("RGB", "RGBA", "L", "LA", "CMYK"):
        return image
    if mode in ("P", "PA"):
        has_alpha = mode == "PA" or "transparency" in image.info
        return image.convert("RGBA" if has_alpha else "RGB")
    if mode == "1":
        return image.convert("L")
    if mode.startswith("I") or mode == "F":
        return _high_depth_to_l(image)
    if mode in ("La", "RGBa"):
        return image.convert({"La": "LA", "RGBa": "RGBA"}[mode])
    if mode == "LAB":
        lab = ImageCms.createProfile("LAB")
        srgb = ImageCms.createProfile("sRGB")
        converted = ImageCms.profileToProfile(image, lab, srgb, outputMode="RGB")
        assert converted is not None
        return converted
    return image.convert("RGB")


def _flatten_alpha(image: Image.Image) -> Image.Image:
    """Composite RGBA/LA onto :data:`BACKGROUND_RGB` (after resizing, so on few pixels)."""
    if image.mode == "RGBA":
        flat = Image.new("RGB", image.size, BACKGROUND_RGB)
        flat.paste(image.convert("RGB"), mask=image.getchannel("A"))
        return flat
    if image.mode == "LA":
        grey = round(sum(BACKGROUND_RGB) / 3)
        flat = Image.new("L", image.size, grey)
        flat.paste(image.getchannel("L"), mask=image.getchannel("A"))
        return flat
    return image


_PROFILE_SPACE = {"RGB": "RGB ", "L": "GRAY", "CMYK": "CMYK"}


@lru_cache(maxsize=32)
def _srgb_transform(icc: bytes, mode: str) -> ImageCms.ImageCmsTransform | None:
    """A cached LittleCMS transform from ``icc`` to sRGB, or None when none is needed or possible.

    A camera's whole card shares one profile, so building the transform once per profile
    (a few ms) instead of once per photo matters. None means "treat as sRGB": the profile is
    already sRGB, cannot be parsed, or describes another colour space than the pixels.
    """
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        space = profile.profile.xcolor_space
        if space != _PROFILE_SPACE.get(mode):
            log.debug("ICC profile colour space %r does not match mode %s", space, mode)
            return None
        description = (ImageCms.getProfileDescription(profile) or "").lower()
        if mode == "RGB" and "srgb" in description:
            return None
        return ImageCms.buildTransform(
            profile,
            ImageCms.createProfile("sRGB"),
            mode,
            "RGB",
            renderingIntent=ImageCms.Intent.PERCEPTUAL,
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError) as exc:
        log.debug("ignoring unusable ICC profile: %s", exc)
        return None


def to_srgb_rgb(image: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """8-bit sRGB RGB from a (resized) RGB/RGBA/L/LA/CMYK image and its ICC profile, if any.

    A broken profile is ignored rather than making the photo unreadable: wrong colours are
    better than no picture.
    """
    image = _flatten_alpha(image)
    if icc_profile and image.mode in _PROFILE_SPACE:
        transform = _srgb_transform(bytes(icc_profile), image.mode)
        if transform is not None:
            try:
                converted = transform.apply(image)
            except (ImageCms.PyCMSError, ValueError, OSError) as exc:
                log.debug("ICC transform failed, showing unconverted: %s", exc)
            else:
                return converted
    return image if image.mode == "RGB" else image.convert("RGB")


@dataclass(frozen=True)
class DisplayImage:
    """A decoded, downscaled, upright, sRGB RGB image and what it was made from."""

    image: Image.Image
    full_size: tuple[int, int]
    """Upright size of the whole photo at full resolution (for deriving smaller sizes exactly)."""
    format: str
    """Pillow's format id of the source, e.g. ``"JPEG"``."""


def load_display_image(path: Path, long_edge: int, orientation: int = 1) -> DisplayImage:
    """Decode ``path`` once, at the cheapest scale whose long edge still covers ``long_edge``.

    JPEG: ``draft`` picks the smallest DCT scale (1/8, 1/4, 1/2) that is still at least the
    target in both directions, so the final Lanczos step only ever shrinks. Others decode at full
    size (HEIF may use a large-enough embedded thumbnail). The shrink is
    :func:`gallery_app.core.resize.downscale` (libvips where it can). Then: flatten alpha,
    convert to sRGB, and rotate/flip last, when the image is small. Sources within
    ``long_edge`` are never enlarged.

    Raises :class:`ImageUnreadable` for any content problem (see :func:`open_image`).
    """
    with open_image(path) as image:
        fmt = image.format or "image"
        stored_size = image.size
        target = fit_within(stored_size, long_edge)
        box: tuple[float, float, float, float] | None = None
        if target != stored_size:
            drafted = image.draft("RGB", target)
            if drafted is not None:
                box = drafted[1]
        image.load()
        icc = image.info.get("icc_profile")
        turn = container_orientation(image, orientation)
        pixels = resizable(image)
        if pixels.size != target:
            pixels = downscale(pixels, target, box)
        pixels = to_srgb_rgb(pixels, icc if isinstance(icc, bytes) else None)
        pixels = apply_orientation(pixels, turn)
    return DisplayImage(pixels, oriented_size(stored_size, turn), fmt)


def displayed_size(path: Path, orientation: int = 1) -> tuple[int, int]:
    """The photo's full size as shown (after orientation), from its header alone."""
    with open_image(path) as image:
        return oriented_size(image.size, container_orientation(image, orientation))


def load_original(path: Path, orientation: int = 1) -> DisplayImage:
    """The whole photo at full resolution, upright and sRGB: for viewing at 100 %."""
    return load_display_image(path, _NO_DOWNSCALE, orientation)


_NO_DOWNSCALE = 1 << 30
"""A long edge no photo reaches: :func:`fit_within` then keeps the full size."""


def encode_jpeg(image: Image.Image, quality: int) -> bytes:
    """Baseline JPEG bytes, 4:2:0, no metadata (so nothing downstream re-applies an orientation)."""
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half.

    The bytes go to a hidden temporary file in the same directory (same file system, so
    ``os.replace`` is an atomic rename) and replace ``path`` only once complete. No fsync: these
    are caches that can be rebuilt, and fsync would cost more than the encode on slow disks. The
    price is that a power cut right after a write can leave an empty file, which the freshness
    checks treat as missing. A killed process can leave a ``.<name>.*.tmp`` file behind; they
    are never read and can be swept.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as tmp:
            tmp.write(data)
        os.replace(tmp_name, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
