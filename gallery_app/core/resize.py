"""High-quality downscales, done in libvips where it can, in Pillow otherwise.

Every picture the app makes is a downscale: grid thumbnails and screen previews at import and
on demand, and the renditions of an export. Why not Pillow alone: its LANCZOS reduce is plain C,
and libvips' LANCZOS3 reduce is 2-4× faster on the same pixels (performance.md: 27 ms against
110 ms for 3000 → 2048 px; 3.3 against 7.0 ms for a 750 → 512 px grid thumbnail after a 1/8
DCT-scaled decode). In the export the resizes were 46 % of the work the one-process baseline
does not share; in the import they are most of what a thumbnail costs beyond the JPEG decode.
Decoding, colour management, encoders and metadata stay in Pillow: they are what the rest of
the app is built and tested on.

Quality is the same class: both are separable Lanczos-3 reductions. Measured against a LANCZOS
resize of the full decode, libvips is within 0.05 dB PSNR of Pillow at 2400 px and within 0.9 dB
at 480 px, all above 46 dB (``tests/core/test_resize.py`` keeps a bound on it).

libvips runs with one thread per call and without its operation cache: the import and the
export already run one photo per core, and a cache would only hold on to pixels we never ask
for again. Only 8-bit RGB and grey images go through libvips; other modes (alpha, CMYK) are rare
in event photos and keep the Pillow path, whose alpha handling the renditions rely on.
"""

from __future__ import annotations

import logging
import math
from functools import cache
from types import ModuleType

from PIL import Image

log = logging.getLogger(__name__)

REDUCING_GAP = 3.0
"""Pillow first shrinks by an integer factor with a box filter while the remaining ratio stays
at least this large, then runs LANCZOS: 3.0 is indistinguishable from a plain LANCZOS and much
faster on full-size decodes (PNG, HEIC, TIFF)."""

_VIPS_BANDS = {"RGB": 3, "L": 1}


@cache
def _pyvips() -> ModuleType | None:
    """libvips, set up for one thread and no cache; None where the wheel is missing or broken."""
    try:
        import pyvips
    except (ImportError, OSError) as exc:  # OSError: the shared library failed to load
        log.debug("libvips unavailable, resizing with Pillow: %s", exc)
        return None
    pyvips.cache_set_max(0)
    pyvips.cache_set_max_mem(0)
    pyvips.concurrency_set(1)
    return pyvips  # type: ignore[no-any-return]


def vips_available() -> bool:
    """Whether thumbnails, previews and exports resize with libvips on this installation."""
    return _pyvips() is not None


def downscale(
    image: Image.Image,
    size: tuple[int, int],
    box: tuple[float, float, float, float] | None = None,
    *,
    use_vips: bool = True,
) -> Image.Image:
    """``image`` (or its ``box`` region) resized to exactly ``size`` with a Lanczos-3 filter.

    ``box`` is the region of ``image`` that stands for the whole photo, as ``Image.draft``
    reports it after a DCT-scaled decode (its right and bottom edges may be fractional).
    """
    pyvips = _pyvips() if use_vips else None
    if pyvips is not None and image.mode in _VIPS_BANDS:
        resized = _vips_downscale(pyvips, image, size, box)
        if resized is not None:
            return resized
    return image.resize(size, Image.Resampling.LANCZOS, box=box, reducing_gap=REDUCING_GAP)


def _vips_downscale(
    pyvips: ModuleType,
    image: Image.Image,
    size: tuple[int, int],
    box: tuple[float, float, float, float] | None,
) -> Image.Image | None:
    left, top, right, bottom = box or (0.0, 0.0, float(image.width), float(image.height))
    if left != 0 or top != 0:
        return None  # draft boxes start at the origin; anything else is not ours to handle
    region_w, region_h = right - left, bottom - top
    if size[0] > region_w or size[1] > region_h:
        return None  # libvips would upscale with another kernel: never asked for, not ours
    bands = _VIPS_BANDS[image.mode]
    source = pyvips.Image.new_from_memory(
        image.tobytes(), image.width, image.height, bands, "uchar"
    )
    # Scale factors from the (possibly fractional) region, so that a drafted decode's partial
    # last block is resized as the part of the photo it is, then cut to the exact size.
    hscale, vscale = size[0] / region_w, size[1] / region_h
    resized = source.resize(hscale, vscale=vscale, kernel="lanczos3")
    if resized.width < size[0] or resized.height < size[1]:
        # Rounding gave one pixel too few: pad from the edge rather than distort the scale.
        resized = resized.embed(
            0, 0, max(size[0], resized.width), max(size[1], resized.height), extend="copy"
        )
    if (resized.width, resized.height) != size:
        resized = resized.crop(0, 0, size[0], size[1])
    data = resized.write_to_memory()
    if len(data) != size[0] * size[1] * bands or math.prod(size) == 0:
        return None
    return Image.frombytes(image.mode, size, data)
