"""Turn one photo into its web renditions: decode once, orient, sRGB, cascade of widths, encode.

Why it is built this way (figures in ``shared/research/performance.md`` §4):

* **One decode, as small as possible.** A 24 MP JPEG decoded at full size costs about 300 ms
  and 72 MB; libjpeg-turbo can decode at 1/2, 1/4 or 1/8 scale (``Image.draft``) for a fraction
  of that. We ask for the smallest DCT scale whose result still covers the largest output
  width *as displayed* (orientations 5–8 swap width and height). Other formats decode at full
  size: HEIF's ``draft`` would pick an embedded thumbnail, which is not export quality.
* **Rotate after the downscale.** A transpose of a 2400 px image is nearly free; of 24 MP it is
  not. The same holds for the sRGB conversion and alpha flattening.
* **Cascade.** Each smaller width is resized from the previous one (2400 → 1600 → 960 → 480),
  not from the decode: measured to cost ≤ 0.12 dB PSNR, and far cheaper.
* **Resize in libvips** (:mod:`~gallery_app.core.resize`): the same Lanczos-3 class of
  filter as Pillow's, about 4× faster; Pillow keeps decoding, colour, encoders and metadata.
* **Sharpen a copy.** Light unsharp masking counters the softening of a LANCZOS downscale, but
  it is applied to the image being encoded only, never to the one the next width is made from
  (sharpening would compound down the cascade).
* **Colour.** Pixels are converted from the photo's ICC profile (Display P3, Adobe RGB) to sRGB
  and every file is tagged with one compact sRGB profile, explicitly: Pillow's JPEG and WebP
  writers drop the profile unless told, AVIF keeps the source's (metadata.md §7).
* **Metadata** is never copied from the source: it is built by
  :mod:`gallery_app.core.export.embed` from the catalog, so nothing the camera wrote (GPS,
  serials, maker notes, thumbnails) can leak.
* **Encoders dominate** the cost, so their settings come from the preset
  (:class:`~gallery_app.core.export.model.EncoderSettings`): baseline JPEG q85 is nearly free,
  WebP method 2 is 2× faster than method 4 for +4 % bytes, AVIF speed 8 runs single-threaded
  because the exporter already runs one photo per core.

Every file is encoded in memory and written atomically (temporary name in the same folder, then
``os.replace``), so a cancelled export never leaves half a file under a final name.
"""

from __future__ import annotations

import hashlib
import io
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from PIL import Image, ImageCms, ImageFilter

from gallery_app.core.export.embed import build_exif, build_iptc_app13, build_xmp, insert_app13
from gallery_app.core.export.model import (
    EmbeddedMetadata,
    EncoderSettings,
    RenderedFile,
    RenditionSpec,
)
from gallery_app.core.imaging import (
    ImageUnreadable,
    apply_orientation,
    atomic_write_bytes,
    container_orientation,
    open_image,
    oriented_size,
    resizable,
    to_srgb_rgb,
)
from gallery_app.core.resize import downscale

__all__ = [
    "EXTENSIONS",
    "FORMATS",
    "ImageUnreadable",
    "output_size",
    "render_photo",
    "srgb_icc_profile",
]

FORMATS: tuple[str, ...] = ("jpeg", "webp", "avif")
"""The output formats :func:`render_photo` can write (PNG is not an export format)."""
EXTENSIONS: dict[str, str] = {"jpeg": "jpg", "webp": "webp", "avif": "avif"}

SHARPEN_UP_TO = 1280
"""Output sharpening is for the sizes a downscale visibly softens (thumbnails, grid and
inline sizes). The large renditions keep most of the original's detail, and at 2400 px the
filter would cost more than encoding them (measured: ~100 ms per 2400 px image)."""

_SHARPEN = ImageFilter.Kernel((3, 3), (-1, -2, -1, -2, 44, -2, -1, -2, -1), scale=32)
"""Light output sharpening: an unsharp mask with a 3×3 binomial blur (a Gaussian of sigma 0.7)
and amount 50 %, folded into one convolution: ``(1 + a)·x − a·blur(x)`` with ``a = 0.5``.

It restores the edge contrast a LANCZOS downscale loses, without halos. Pillow's
``UnsharpMask(radius=0.8, percent=50, threshold=2)`` does nearly the same (50.7 dB PSNR apart on
a 2400×1600 photo) but costs 260 ms there, three times a resize step, against 100 ms for this
kernel; at this amount the threshold it adds (do not sharpen differences under 2 levels) made
no visible difference, so it is not worth doubling a JPEG-only export for."""

_JPEG_FULL_CHROMA_QUALITY = 90
"""From this JPEG quality on, chroma is kept at full resolution (4:4:4); below it 4:2:0, which
saves about a third of the bytes at no visible cost in photos."""

_DRAFTABLE = ("JPEG", "MPO")


@cache
def srgb_icc_profile() -> bytes:
    """The compact sRGB profile every rendition is tagged with (LittleCMS's built-in, ~0.6 KB).

    Untagged files are also shown as sRGB by browsers, but tagging removes the guess for
    colour-managed viewers and keeps JPEG, WebP and AVIF consistent.
    """
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def output_size(full_size: tuple[int, int], width: int) -> tuple[int, int]:
    """The upright size of a rendition ``width`` wide, from the photo's full upright size.

    Heights are always derived from the full size (never from the previous, rounded step), so
    the cascade does not drift. A width at or above the photo's own is the photo's size.
    """
    full_w, full_h = full_size
    if width >= full_w:
        return full_size
    return width, max(1, round(full_h * width / full_w))


def _stored(size: tuple[int, int], turn: int) -> tuple[int, int]:
    """A displayed size back in the stored (pre-orientation) frame."""
    return oriented_size(size, turn)  # the swap for 5–8 is its own inverse


@dataclass(frozen=True)
class _Plan:
    """What to make from one photo, all sizes upright."""

    full_size: tuple[int, int]
    chain: tuple[int, ...]
    """Widths of the cascade, largest first; the first is what the decode is resized to."""
    encoded: frozenset[int]
    """The chain widths that become files (the others only feed the square thumbnail)."""
    square_from: int | None
    """The chain width the square thumbnail is cropped from."""
    square_size: int | None


def _plan(full_size: tuple[int, int], spec: RenditionSpec) -> _Plan:
    full_w, full_h = full_size
    if spec.full_resolution:
        widths = [full_w]
    else:
        requested = list(spec.widths)
        if spec.fit == "long_edge" and full_h > full_w:
            longest = max(requested)
            limit = max(1, longest * full_w // full_h)
            requested = [min(w, limit) for w in requested]
        widths = sorted({w for w in requested if w <= full_w}, reverse=True) or [full_w]
    chain = list(widths)
    square_from: int | None = None
    square_size: int | None = None
    if spec.crop_square is not None:
        side = min(spec.crop_square, full_w, full_h)
        covering = [w for w in chain if min(output_size(full_size, w)) >= side]
        if covering:
            square_from = min(covering)
        else:  # the square needs more pixels than the largest width: decode for it first
            square_from = min(full_w, math.ceil(full_w * side / min(full_w, full_h)))
            while min(output_size(full_size, square_from)) < side:  # rounding of the height
                square_from += 1
            chain.insert(0, square_from)
        square_size = side
    return _Plan(full_size, tuple(chain), frozenset(widths), square_from, square_size)


def _check_spec(spec: RenditionSpec, basename: str) -> None:
    unknown = [f for f in spec.formats if f not in EXTENSIONS]
    if unknown:
        raise ValueError(f"unknown export format(s) {unknown}; expected any of {list(FORMATS)}")
    if not spec.formats and spec.crop_square is None:
        raise ValueError("no output format requested")
    if not spec.full_resolution and not spec.widths:
        raise ValueError("no output width requested")
    if spec.fit not in ("width", "long_edge"):
        raise ValueError(f"fit must be 'width' or 'long_edge', not {spec.fit!r}")
    if any(w < 1 for w in spec.widths):
        raise ValueError(f"widths must be positive, not {spec.widths}")
    if spec.crop_square is not None and spec.crop_square < 1:
        raise ValueError(f"square size must be positive, not {spec.crop_square}")
    if basename in ("", ".", "..") or "/" in basename or "\\" in basename or "\0" in basename:
        raise ValueError(f"basename must be a plain file name stem, not {basename!r}")


def _decode(source: Path, orientation: int, spec: RenditionSpec) -> tuple[_Plan, Image.Image]:
    """Decode ``source`` once and return the plan and an upright sRGB RGB image at chain[0].

    Everything that touches the file's content runs inside :func:`open_image`, so any decoder
    failure (truncated data, garbage, decompression bomb) is :class:`ImageUnreadable`.
    """
    with open_image(source) as image:
        stored_full = image.size
        turn = container_orientation(image, orientation)
        plan = _plan(oriented_size(stored_full, turn), spec)
        target = _stored(output_size(plan.full_size, plan.chain[0]), turn)
        box: tuple[float, float, float, float] | None = None
        if target != stored_full and image.format in _DRAFTABLE:
            drafted = image.draft("RGB", target)
            if drafted is not None:
                box = drafted[1]
        image.load()
        icc = image.info.get("icc_profile")
        pixels = resizable(image)
        if pixels.size != target:
            pixels = downscale(pixels, target, box)
        pixels = to_srgb_rgb(pixels, icc if isinstance(icc, bytes) else None)
        return plan, apply_orientation(pixels, turn)


def _encode(
    image: Image.Image, fmt: str, encoder: EncoderSettings, *, exif: bytes, xmp: bytes, iim: bytes
) -> bytes:
    """One file's bytes, with our metadata and the sRGB tag, and nothing from the source."""
    out = io.BytesIO()
    params: dict[str, Any] = {"icc_profile": srgb_icc_profile(), "exif": exif, "xmp": xmp}
    if fmt == "jpeg":
        image.save(
            out,
            "JPEG",
            quality=encoder.jpeg_quality,
            optimize=encoder.jpeg_optimize,
            progressive=encoder.jpeg_progressive,
            subsampling=0 if encoder.jpeg_quality >= _JPEG_FULL_CHROMA_QUALITY else 2,
            **params,
        )
        return insert_app13(out.getvalue(), iim)
    if fmt == "webp":
        image.save(out, "WEBP", quality=encoder.webp_quality, method=encoder.webp_method, **params)
    else:
        image.save(
            out,
            "AVIF",
            quality=encoder.avif_quality,
            speed=encoder.avif_speed,
            max_threads=1,  # one photo per core already; more threads only contend
            **params,
        )
    return out.getvalue()


def _write(
    out_dir: Path, name: str, data: bytes, *, fmt: str, size: tuple[int, int], role: str
) -> RenderedFile:
    atomic_write_bytes(out_dir / name, data)
    return RenderedFile(
        path=name,
        format=fmt,
        width=size[0],
        height=size[1],
        bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        role=role,
    )


def _centre_square(image: Image.Image, size: int, sharpen: bool) -> Image.Image:
    """The centre square of ``image``, scaled to ``size`` (and sharpened if it was scaled)."""
    width, height = image.size
    side = min(width, height)
    left, top = (width - side) // 2, (height - side) // 2
    square = image.crop((left, top, left + side, top + side))
    if side == size:
        return square
    square = downscale(square, (size, size))
    return square.filter(_SHARPEN) if sharpen else square


def render_photo(  # noqa: PLR0917 (the worker-pool contract passes these positionally)
    source: Path,
    orientation: int,
    out_dir: Path,
    basename: str,
    spec: RenditionSpec,
    metadata: EmbeddedMetadata,
) -> list[RenderedFile]:
    """Write the renditions of ``source`` into ``out_dir`` and describe them.

    ``orientation`` is the EXIF Orientation the metadata module read (HEIF/AVIF use their
    container's rotation instead, see :func:`~gallery_app.core.imaging.container_orientation`).
    Files: ``{basename}-{width}.{ext}`` per width and format (widths wider than the photo are
    skipped, never upscaled; if all are, the photo's own width is used), or
    ``{basename}.{ext}`` at full size with ``spec.full_resolution``, plus
    ``{basename}-sq{N}.jpg`` (role ``"thumb"``) with ``spec.crop_square``. Existing files are
    replaced atomically. Returned largest width first, formats in ``spec.formats`` order, the
    square last; paths are relative to ``out_dir``.

    Raises :class:`ImageUnreadable` for sources that cannot be decoded, ``ValueError`` for an
    invalid spec or metadata too large for its container, ``OSError`` for file-system errors.
    """
    _check_spec(spec, basename)
    exif = build_exif(metadata)
    xmp = build_xmp(metadata)
    iim = build_iptc_app13(metadata)
    plan, current = _decode(source, orientation, spec)
    out_dir.mkdir(parents=True, exist_ok=True)
    files: list[RenderedFile] = []
    square_source: Image.Image | None = None
    for width in plan.chain:
        size = output_size(plan.full_size, width)
        if current.size != size:
            current = downscale(current, size)
        if width == plan.square_from:
            square_source = current
        if width not in plan.encoded:
            continue
        shown = current
        if spec.encoder.sharpen and size != plan.full_size and max(size) <= SHARPEN_UP_TO:
            shown = current.filter(_SHARPEN)
        for fmt in spec.formats:
            name = (
                f"{basename}.{EXTENSIONS[fmt]}"
                if spec.full_resolution
                else f"{basename}-{width}.{EXTENSIONS[fmt]}"
            )
            data = _encode(shown, fmt, spec.encoder, exif=exif, xmp=xmp, iim=iim)
            files.append(_write(out_dir, name, data, fmt=fmt, size=size, role="image"))
    if square_source is not None and plan.square_size is not None:
        square = _centre_square(square_source, plan.square_size, spec.encoder.sharpen)
        name = f"{basename}-sq{spec.crop_square}.jpg"
        data = _encode(square, "jpeg", spec.encoder, exif=exif, xmp=xmp, iim=iim)
        files.append(_write(out_dir, name, data, fmt="jpeg", size=square.size, role="thumb"))
    return files
