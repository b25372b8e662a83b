"""Export downscales: libvips gives the exact sizes asked for, at Pillow's quality."""

from __future__ import annotations

import io
import math
import random

import pytest
from PIL import Image, ImageChops, ImageStat

from gallery_app.core.resize import downscale, vips_available
from gallery_app.core.samples import make_benchmark_photo


def _psnr(a: Image.Image, b: Image.Image) -> float:
    assert a.size == b.size and a.mode == b.mode
    diff = ImageChops.difference(a, b)
    mse = sum(v * v for v in ImageStat.Stat(diff).rms) / len(diff.getbands())
    return math.inf if mse == 0 else 20 * math.log10(255 / math.sqrt(mse))


@pytest.fixture(scope="module")
def photo(tmp_path_factory: pytest.TempPathFactory) -> Image.Image:
    """A photographic 3000×2000 image: texture, edges and noise, as the export sees them."""
    path = make_benchmark_photo(tmp_path_factory.mktemp("resize") / "photo.jpg", 7, (3000, 2000))
    with Image.open(path) as image:
        return image.convert("RGB")


def test_libvips_is_installed() -> None:
    # The speed target of the export depends on it: a broken wheel must fail the suite, not
    # silently fall back to Pillow.
    assert vips_available()


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ((3000, 2000), (2400, 1600)),
        ((2999, 1999), (1601, 1067)),
        ((1001, 3), (7, 1)),
        ((640, 4801), (63, 479)),
        ((17, 17), (16, 16)),
    ],
)
def test_exact_sizes_for_odd_shapes(source: tuple[int, int], target: tuple[int, int]) -> None:
    rng = random.Random(source[0] * 31 + source[1])
    image = Image.frombytes("RGB", source, rng.randbytes(source[0] * source[1] * 3))
    assert downscale(image, target).size == target
    assert downscale(image.convert("L"), target).size == target


@pytest.mark.parametrize("width", [2400, 1600, 960, 480])
def test_quality_matches_pillow_lanczos(photo: Image.Image, width: int) -> None:
    size = (width, width * 2 // 3)
    reference = photo.resize(size, Image.Resampling.LANCZOS)
    ours = downscale(photo, size)
    # Measured against a plain LANCZOS: 53.5 dB at 2400 px, 48.5 dB at 480 px (libvips shrinks
    # by a whole factor first, as Pillow's reducing_gap does); 45 dB is far past visible.
    assert _psnr(ours, reference) > 45


def test_fractional_draft_box_covers_the_photo(photo: Image.Image) -> None:
    """A DCT-scaled decode of an odd-sized JPEG has a partial last block: the box says so."""
    odd = photo.crop((0, 0, 2997, 1999))
    buffer = io.BytesIO()
    odd.save(buffer, "JPEG", quality=92)
    buffer.seek(0)
    with Image.open(buffer) as image:
        mode_box = image.draft("RGB", (700, 466))
        assert mode_box is not None
        box = mode_box[1]
        assert box[2] != image.width  # 2997 / 4 is not whole: the point of this test
        image.load()
        ours = downscale(image, (700, 467), box)
        pillow = downscale(image, (700, 467), box, use_vips=False)
    assert ours.size == (700, 467)
    assert _psnr(ours, pillow) > 35


def test_modes_libvips_does_not_take_keep_the_pillow_path() -> None:
    rgba = Image.new("RGBA", (400, 300), (10, 200, 30, 128))
    resized = downscale(rgba, (200, 150))
    assert resized.mode == "RGBA"
    assert resized.size == (200, 150)
    pixel = resized.getpixel((100, 75))
    assert isinstance(pixel, tuple)
    assert all(abs(a - b) <= 1 for a, b in zip(pixel, (10, 200, 30, 128), strict=True))
