"""Thumbnail cache: sizes, orientation, colour, damaged input, atomicity, freshness.

Everything runs on real files: JPEG/PNG/TIFF/WebP/AVIF/HEIC written by Pillow and pillow-heif in
``tmp_path`` (deterministic content, EXIF and ICC profiles built byte by byte here so the tests do
not trust the code under test to describe them), plus the real camera corpus when
``GALLERY_TEST_CORPUS`` is set.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import random
import shutil
import signal
import struct
import subprocess
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageChops, ImageCms, ImageDraw, ImageOps, ImageStat

from gallery_app.core import thumbnails as th
from gallery_app.core.imaging import ImageUnreadable, register_heif_opener

HASH = "ab" + "0123456789abcdef" * 3 + "0123456789abcd"
ORIENTATION_TAG = 0x0112

# Inverse of each EXIF orientation's display transform: what a camera stores for an upright scene.
STORE_FOR_ORIENTATION: dict[int, Image.Transpose | None] = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


# --- building test files --------------------------------------------------------------------


def scene(width: int, height: int, seed: int = 1) -> Image.Image:
    """A deterministic, textured, asymmetric picture: any flip or turn changes it a lot."""
    rnd = random.Random(seed)
    tile_w, tile_h = 48, 32
    texture = Image.frombytes("RGB", (tile_w, tile_h), rnd.randbytes(tile_w * tile_h * 3))
    texture = texture.resize((width, height), Image.Resampling.BICUBIC)
    ramp = Image.linear_gradient("L").rotate(90).resize((width, height)).convert("RGB")
    image = Image.blend(texture, ramp, 0.5)
    draw = ImageDraw.Draw(image)
    draw.rectangle([width * 0.05, height * 0.05, width * 0.35, height * 0.4], fill=(220, 30, 30))
    draw.ellipse([width * 0.6, height * 0.55, width * 0.9, height * 0.95], fill=(30, 40, 220))
    draw.rectangle([0, 0, width, height * 0.03], fill=(20, 200, 40))
    return image


def exif_block(
    orientation: int | None = None,
    thumbnail: bytes | None = None,
    *,
    thumbnail_offset_delta: int = 0,
) -> bytes:
    """An APP1 EXIF payload (``Exif\\0\\0`` + little-endian TIFF) with IFD0 and an IFD1 thumbnail.

    Hand-built (Pillow cannot write IFD1) so that tests can also produce broken offsets.
    """
    ifd0 = []
    if orientation is not None:
        ifd0.append(struct.pack("<HHI", 0x0112, 3, 1) + struct.pack("<HH", orientation, 0))
    ifd0_offset = 8
    ifd1_offset = ifd0_offset + 2 + 12 * len(ifd0) + 4
    tiff = bytearray(b"II*\x00" + struct.pack("<I", ifd0_offset))
    tiff += struct.pack("<H", len(ifd0)) + b"".join(ifd0)
    tiff += struct.pack("<I", ifd1_offset if thumbnail is not None else 0)
    if thumbnail is not None:
        data_offset = ifd1_offset + 2 + 12 * 3 + 4
        tiff += struct.pack("<H", 3)
        tiff += struct.pack("<HHI", 0x0103, 3, 1) + struct.pack("<HH", 6, 0)  # JPEG compression
        tiff += struct.pack("<HHI", 0x0201, 4, 1) + struct.pack(
            "<I", data_offset + thumbnail_offset_delta
        )
        tiff += struct.pack("<HHI", 0x0202, 4, 1) + struct.pack("<I", len(thumbnail))
        tiff += struct.pack("<I", 0)
        tiff += thumbnail
    return b"Exif\x00\x00" + bytes(tiff)


def jpeg_bytes(image: Image.Image, quality: int = 85, **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, **params)
    return out.getvalue()


def letterboxed_thumbnail(stored: Image.Image, size: tuple[int, int] = (160, 120)) -> bytes:
    """A camera-style 4:3 thumbnail of ``stored`` with black bars top and bottom."""
    content = ImageOps.contain(stored, size)
    canvas = Image.new("RGB", size, (0, 0, 0))
    canvas.paste(content, ((size[0] - content.width) // 2, (size[1] - content.height) // 2))
    return jpeg_bytes(canvas, 80)


def write_camera_jpeg(
    path: Path,
    upright: Image.Image,
    orientation: int = 1,
    *,
    thumbnail: bool = True,
    quality: int = 90,
) -> Path:
    """Store ``upright`` the way a camera would for ``orientation``, EXIF and thumbnail included."""
    method = STORE_FOR_ORIENTATION[orientation]
    stored = upright if method is None else upright.transpose(method)
    thumb = letterboxed_thumbnail(stored) if thumbnail else None
    stored.save(path, "JPEG", quality=quality, exif=exif_block(orientation, thumb))
    return path


def _s15(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def rgb_icc_profile(
    name: str,
    red: tuple[float, float, float],
    green: tuple[float, float, float],
    blue: tuple[float, float, float],
    gamma: float,
) -> bytes:
    """A minimal ICC v2 matrix/TRC display profile (D50 colorants, one gamma for all channels)."""

    def xyz(values: tuple[float, float, float]) -> bytes:
        return b"XYZ \0\0\0\0" + b"".join(_s15(v) for v in values)

    curve = b"curv\0\0\0\0" + struct.pack(">IH", 1, round(gamma * 256)) + b"\0\0"
    ascii_name = name.encode("ascii") + b"\0"
    desc = b"desc\0\0\0\0" + struct.pack(">I", len(ascii_name)) + ascii_name + b"\0" * 78
    tags = [
        (b"desc", desc),
        (b"cprt", b"text\0\0\0\0test data\0"),
        (b"wtpt", xyz((0.9642, 1.0, 0.8249))),
        (b"rXYZ", xyz(red)),
        (b"gXYZ", xyz(green)),
        (b"bXYZ", xyz(blue)),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
    ]
    offset = 128 + 4 + 12 * len(tags)
    entries, data = b"", b""
    for signature, body in tags:
        data += b"\0" * (-(offset + len(data)) % 4)
        entries += signature + struct.pack(">II", offset + len(data), len(body))
        data += body
    header = struct.pack(">I", offset + len(data)) + b"\0" * 4 + bytes([2, 0x10, 0, 0])
    header += b"mntrRGB XYZ " + b"\0" * 12 + b"acsp" + b"\0" * 28
    header += _s15(0.9642) + _s15(1.0) + _s15(0.8249)
    header += b"\0" * (128 - len(header))
    return header + struct.pack(">I", len(tags)) + entries + data


# Adobe RGB (1998), colorants adapted to D50 as in Adobe's own profile; gamma 563/256.
ADOBE_RED = (0.60974, 0.31111, 0.01947)
ADOBE_GREEN = (0.20528, 0.62567, 0.06087)
ADOBE_BLUE = (0.14919, 0.06322, 0.74457)
ADOBE_GAMMA = 563 / 256
# sRGB colorants adapted to D50 (what LittleCMS's built-in sRGB uses).
SRGB_RED = (0.43607, 0.22249, 0.01392)
SRGB_GREEN = (0.38515, 0.71687, 0.09708)
SRGB_BLUE = (0.14307, 0.06061, 0.71410)


def adobe_to_srgb(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    """Reference conversion by hand: Adobe RGB → XYZ (D50) → linear sRGB → sRGB, clipped."""
    linear = [(c / 255) ** ADOBE_GAMMA for c in rgb]
    adobe = (ADOBE_RED, ADOBE_GREEN, ADOBE_BLUE)
    xyz = [sum(col[i] * v for col, v in zip(adobe, linear, strict=True)) for i in range(3)]
    m = [[SRGB_RED[i], SRGB_GREEN[i], SRGB_BLUE[i]] for i in range(3)]

    def cofactor(r: int, c: int) -> float:
        rows = [(r + 1) % 3, (r + 2) % 3]
        cols = [(c + 1) % 3, (c + 2) % 3]
        return m[rows[0]][cols[0]] * m[rows[1]][cols[1]] - m[rows[0]][cols[1]] * m[rows[1]][cols[0]]

    det = sum(m[0][c] * cofactor(0, c) for c in range(3))
    inverse = [[cofactor(c, r) / det for c in range(3)] for r in range(3)]
    out = []
    for row in inverse:
        value = min(1.0, max(0.0, sum(a * b for a, b in zip(row, xyz, strict=True))))
        encoded = 12.92 * value if value <= 0.0031308 else 1.055 * value ** (1 / 2.4) - 0.055
        out.append(round(encoded * 255))
    return out[0], out[1], out[2]


def rgb_at(image: Image.Image, xy: tuple[int, int]) -> tuple[int, int, int]:
    value = image.convert("RGB").getpixel(xy)
    assert isinstance(value, tuple)
    return value[0], value[1], value[2]


def near(got: tuple[int, ...], expected: tuple[int, ...], tolerance: int) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(got, expected, strict=True))


def mean_difference(a: Image.Image, b: Image.Image) -> float:
    """Mean absolute difference per channel, 0–255."""
    assert a.size == b.size, (a.size, b.size)
    return sum(ImageStat.Stat(ImageChops.difference(a.convert("RGB"), b.convert("RGB"))).mean) / 3


def opened(path: Path) -> Image.Image:
    """The decoded file, closed again (so Windows-style locking cannot interfere), format kept."""
    with Image.open(path) as image:
        image.load()
        copy = image.copy()
        copy.format = image.format
        return copy


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Fail instead of hanging (pytest-timeout may not be installed)."""

    def expire(_signum: int, _frame: object) -> None:
        raise TimeoutError(f"took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="session")
def big_jpeg(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """6000×4000 q92 with EXIF orientation 1 and a letterboxed 160×120 thumbnail."""
    path = tmp_path_factory.mktemp("big") / "big.jpg"
    return write_camera_jpeg(path, scene(6000, 4000), 1, quality=92)


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


@pytest.fixture(scope="session")
def camera_corpus() -> Path:
    value = os.environ.get("GALLERY_TEST_CORPUS")
    if not value:
        pytest.skip("GALLERY_TEST_CORPUS is not set")
    path = Path(value)
    if not (path / "jpg").is_dir():
        pytest.fail(f"GALLERY_TEST_CORPUS={value} has no jpg/ folder")
    return path


# --- paths ----------------------------------------------------------------------------------


def test_paths_are_content_addressed_and_versioned(tmp_path: Path) -> None:
    v = f"v{th.THUMBNAIL_VERSION}"
    assert (
        th.thumbnail_path(tmp_path, HASH, 256) == tmp_path / "thumbs" / v / "ab" / f"{HASH}-256.jpg"
    )
    assert th.embedded_thumbnail_path(tmp_path, HASH).parent == tmp_path / "thumbs" / v / "ab"
    assert th.preview_path(tmp_path, HASH, 2048).name == f"{HASH}-2048.jpg"
    assert th.preview_path(tmp_path, HASH, 2048).parent == tmp_path / "previews" / v / "ab"
    assert th.thumbnail_path(tmp_path, HASH.upper(), 512) == th.thumbnail_path(tmp_path, HASH, 512)


def test_paths_refuse_nonsense_sizes(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        th.thumbnail_path(tmp_path, HASH, 0)
    with pytest.raises(ValueError):
        th.preview_path(tmp_path, HASH, -1)


@pytest.mark.parametrize("bad", ["", "../../etc/passwd", "ab/../../x" + "0" * 20, "zz" * 32])
def test_paths_refuse_non_hex_hashes(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ValueError):
        th.thumbnail_path(tmp_path, bad, 256)


# --- grid thumbnails: size, quality, orientation --------------------------------------------


def test_big_jpeg_gives_exact_long_edges_from_one_draft_decode(big_jpeg: Path, cache: Path) -> None:
    paths = th.make_grid_thumbnails(big_jpeg, cache, HASH, 1)
    assert set(paths) == {256, 512}
    large, small = opened(paths[512]), opened(paths[256])
    assert (large.format, large.mode, large.size) == ("JPEG", "RGB", (512, 341))
    assert small.size == (256, 171)
    assert th.thumbnails_fresh(cache, HASH, big_jpeg)
    # Drafting at 1/8 and finishing with LANCZOS looks like a full decode + LANCZOS.
    with Image.open(big_jpeg) as full:
        reference = full.convert("RGB").resize((512, 341), Image.Resampling.LANCZOS)
    assert mean_difference(large, reference) < 3


def test_odd_sized_progressive_jpeg_has_no_edge_artefacts(tmp_path: Path, cache: Path) -> None:
    """Pillow #3419: a draft of a size that is not a multiple of the MCU can smear the last row."""
    source = tmp_path / "odd.jpg"
    upright = scene(3001, 1999, seed=3)
    upright.save(source, "JPEG", quality=90, progressive=True)
    large = opened(th.make_grid_thumbnails(source, cache, HASH, 1)[512])
    reference = upright.resize(large.size, Image.Resampling.LANCZOS)
    assert large.size == (512, 341)
    for box in [(0, 0, 512, 3), (0, 338, 512, 341), (0, 0, 3, 341), (509, 0, 512, 341)]:
        assert mean_difference(large.crop(box), reference.crop(box)) < 12, box


@pytest.mark.parametrize(
    ("size", "expected_512", "expected_256"),
    [
        ((160, 120), (160, 120), (160, 120)),  # never upscaled: a tiny photo stays tiny
        ((300, 200), (300, 200), (256, 171)),
        ((2000, 3000), (341, 512), (171, 256)),
        ((5000, 40), (512, 4), (256, 2)),
        ((512, 512), (512, 512), (256, 256)),
    ],
)
def test_sizes_keep_aspect_and_never_upscale(
    tmp_path: Path,
    cache: Path,
    size: tuple[int, int],
    expected_512: tuple[int, int],
    expected_256: tuple[int, int],
) -> None:
    source = tmp_path / "photo.png"
    scene(*size).save(source, compress_level=1)
    paths = th.make_grid_thumbnails(source, cache, HASH, 1)
    assert opened(paths[512]).size == expected_512
    assert opened(paths[256]).size == expected_256


@pytest.fixture(scope="module")
def orientation_files(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    folder = tmp_path_factory.mktemp("orientation")
    upright = scene(3000, 2000, seed=7)
    return {n: write_camera_jpeg(folder / f"o{n}.jpg", upright, n, quality=88) for n in range(1, 9)}


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_orientation_comes_out_upright(
    orientation_files: dict[int, Path], cache: Path, orientation: int
) -> None:
    source = orientation_files[orientation]
    with Image.open(source) as stored:  # the fixture really is stored rotated, per Pillow
        assert stored.getexif()[ORIENTATION_TAG] == orientation
        reference = ImageOps.exif_transpose(stored).resize((512, 341), Image.Resampling.LANCZOS)
    paths = th.make_grid_thumbnails(source, cache, HASH, orientation)
    large = opened(paths[512])
    assert large.size == (512, 341)
    assert opened(paths[256]).size == (256, 171)
    assert mean_difference(large, reference) < 4
    upright_1 = opened(th.make_grid_thumbnails(orientation_files[1], cache, "cd" * 32, 1)[512])
    assert mean_difference(large, upright_1) < 4


@pytest.mark.parametrize("orientation", [0, 9, -1, 300])
def test_invalid_orientation_means_as_stored(
    orientation_files: dict[int, Path], cache: Path, orientation: int
) -> None:
    large = opened(th.make_grid_thumbnails(orientation_files[1], cache, HASH, orientation)[512])
    assert large.size == (512, 341)


@pytest.mark.corpus
@pytest.mark.parametrize("kind", ["landscape", "portrait"])
def test_corpus_orientations_all_match_orientation_1(
    camera_corpus: Path, tmp_path: Path, kind: str
) -> None:
    folder = camera_corpus / "jpg" / "orientation"
    thumbs = {}
    for n in range(1, 9):
        source = folder / f"{kind}_{n}.jpg"
        with Image.open(source) as image:
            orientation = image.getexif().get(ORIENTATION_TAG, 1)
        assert orientation == n
        paths = th.make_grid_thumbnails(source, tmp_path, file_hash(source), orientation)
        thumbs[n] = (opened(paths[512]), opened(paths[256]))
    expected = (512, 384) if kind == "landscape" else (384, 512)
    for n, (large, small) in thumbs.items():
        assert large.size == expected, n
        assert max(small.size) == 256
        assert mean_difference(large, thumbs[1][0]) < 6, n
        assert mean_difference(small, thumbs[1][1]) < 6, n


# --- modes, formats, colour -----------------------------------------------------------------


def _png_rgb16(width: int, height: int) -> bytes:
    """A 16-bit-per-channel RGB PNG (Pillow cannot write one), red ramp left to right."""
    rows = b"".join(
        b"\x00"
        + b"".join(struct.pack(">HHH", x * 65535 // (width - 1), 40000, 1000) for x in range(width))
        for _ in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 16, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def test_rgba_png_is_flattened_onto_white(tmp_path: Path, cache: Path) -> None:
    image = Image.new("RGBA", (800, 600), (0, 0, 0, 0))
    ImageDraw.Draw(image).rectangle([400, 0, 800, 600], fill=(200, 20, 20, 255))
    source = tmp_path / "logo.png"
    image.save(source)
    large = opened(th.make_grid_thumbnails(source, cache, HASH, 1)[512])
    assert large.mode == "RGB"
    assert near(rgb_at(large, (20, 20)), (255, 255, 255), 3)
    assert near(rgb_at(large, (490, 300)), (200, 20, 20), 6)


def test_palette_with_transparency_and_la_and_bilevel(tmp_path: Path, cache: Path) -> None:
    palette = Image.new("P", (300, 300), 0)
    palette.putpalette([0, 0, 0, 0, 128, 255] + [0] * 762)
    ImageDraw.Draw(palette).rectangle([150, 0, 300, 300], fill=1)
    palette.save(tmp_path / "p.png", transparency=0)
    grey_alpha = Image.new("LA", (300, 300), (0, 0))
    ImageDraw.Draw(grey_alpha).rectangle([150, 0, 300, 300], fill=(60, 255))
    grey_alpha.save(tmp_path / "la.png")
    Image.new("1", (300, 300), 1).save(tmp_path / "bilevel.png")
    for name, left, right in [
        ("p.png", (255, 255, 255), (0, 128, 255)),
        ("la.png", (255, 255, 255), (60, 60, 60)),
        ("bilevel.png", (255, 255, 255), (255, 255, 255)),
    ]:
        large = opened(th.make_grid_thumbnails(tmp_path / name, cache, HASH, 1)[512])
        assert large.size == (300, 300), name
        for x, expected in ((20, left), (280, right)):
            got = rgb_at(large, (x, 150))
            assert near(got, expected, 4), (name, got)


def test_16_bit_grey_png_and_tiff_are_scaled_not_clipped(tmp_path: Path, cache: Path) -> None:
    grey16 = Image.new("I;16", (600, 100))
    grey16.putdata([(x % 600) * 65535 // 599 for x in range(600 * 100)])
    for name in ("g16.png", "g16.tif"):
        grey16.save(tmp_path / name)
        with Image.open(tmp_path / name) as check:
            assert check.mode.startswith("I")
        large = opened(th.make_grid_thumbnails(tmp_path / name, cache, HASH, 1)[512])
        assert large.size == (512, 85)
        middle = rgb_at(large, (256, 40))
        assert 110 <= middle[0] <= 145, (name, middle)  # half of 65535 → about 128, not 255


def test_16_bit_rgb_png(tmp_path: Path, cache: Path) -> None:
    source = tmp_path / "rgb16.png"
    source.write_bytes(_png_rgb16(64, 16))
    large = opened(th.make_grid_thumbnails(source, cache, HASH, 1)[512])
    assert large.size == (64, 16)
    right = rgb_at(large, (62, 8))
    assert right[0] > 240 and 140 < right[1] < 170 and right[2] < 20


def test_cmyk_and_grey_jpeg(tmp_path: Path, cache: Path) -> None:
    Image.new("CMYK", (900, 600), (255, 0, 0, 0)).save(tmp_path / "cmyk.jpg", quality=95)
    Image.new("L", (900, 600), 90).save(tmp_path / "grey.jpg", quality=95)
    cyan = opened(th.make_grid_thumbnails(tmp_path / "cmyk.jpg", cache, HASH, 1)[512])
    assert cyan.size == (512, 341) and cyan.mode == "RGB"
    red, green, blue = rgb_at(cyan, (200, 200))
    assert red < 20 and green > 235 and blue > 235
    grey = opened(th.make_grid_thumbnails(tmp_path / "grey.jpg", cache, HASH, 1)[256])
    assert grey.mode == "RGB" and grey.size == (256, 171)
    assert near(rgb_at(grey, (100, 100)), (90, 90, 90), 3)


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("photo.tif", {"compression": "tiff_lzw"}),
        ("photo.webp", {"quality": 80}),
        ("photo.avif", {"quality": 70}),
        ("photo.heic", {"quality": 70}),
        ("photo.gif", {}),
        ("photo.bmp", {}),
    ],
)
def test_other_formats(tmp_path: Path, cache: Path, name: str, params: dict[str, Any]) -> None:
    register_heif_opener()
    upright = scene(1200, 800, seed=5)
    upright.save(tmp_path / name, **params)
    large = opened(th.make_grid_thumbnails(tmp_path / name, cache, HASH, 1)[512])
    assert large.size == (512, 341)
    limit = 12 if name.endswith(".gif") else 6  # GIF is a 256-colour palette
    assert mean_difference(large, upright.resize((512, 341), Image.Resampling.LANCZOS)) < limit


def test_lab_tiff(tmp_path: Path, cache: Path) -> None:
    red = Image.new("RGB", (700, 300), (200, 40, 40))
    srgb, lab = ImageCms.createProfile("sRGB"), ImageCms.createProfile("LAB")
    as_lab = ImageCms.profileToProfile(red, srgb, lab, outputMode="LAB")
    assert as_lab is not None and as_lab.mode == "LAB"
    as_lab.save(tmp_path / "lab.tif")
    large = opened(th.make_grid_thumbnails(tmp_path / "lab.tif", cache, HASH, 1)[512])
    assert large.size == (512, 219)
    assert near(rgb_at(large, (100, 100)), (200, 40, 40), 5)


@pytest.mark.parametrize("name", ["rotated.avif", "rotated.heic"])
def test_heif_and_avif_use_their_container_rotation_not_exif(
    tmp_path: Path, cache: Path, name: str
) -> None:
    """Pillow/pillow-heif turn EXIF orientation 6 into irot; applying EXIF again would double it."""
    register_heif_opener()
    upright = scene(600, 400, seed=9)
    exif = Image.Exif()
    exif[ORIENTATION_TAG] = 6
    source = tmp_path / name
    # As bytes: then both writers turn the EXIF orientation into the container's irot, as phones do.
    upright.transpose(Image.Transpose.ROTATE_90).save(source, quality=80, exif=exif.tobytes())
    with Image.open(source) as check:
        if check.format == "HEIF":  # libheif applies irot while decoding
            assert check.size == (600, 400)
        else:  # Pillow's AVIF leaves the pixels as stored and reports irot as EXIF orientation
            assert (check.size, check.getexif().get(ORIENTATION_TAG)) == ((400, 600), 6)
    reference = upright.resize((512, 341), Image.Resampling.LANCZOS)
    for caller_orientation in (1, 6):
        paths = th.make_grid_thumbnails(source, cache, HASH, caller_orientation)
        large = opened(paths[512])
        assert large.size == (512, 341)
        assert mean_difference(large, reference) < 8


def test_adobe_rgb_is_converted_to_srgb(tmp_path: Path, cache: Path) -> None:
    adobe = rgb_icc_profile(
        "Adobe RGB (1998) test", ADOBE_RED, ADOBE_GREEN, ADOBE_BLUE, ADOBE_GAMMA
    )
    patches = [(60, 200, 60), (200, 100, 50), (0, 255, 0), (128, 128, 128)]
    image = Image.new("RGB", (400, 100))
    for i, colour in enumerate(patches):
        image.paste(colour, (i * 100, 0, i * 100 + 100, 100))
    image.save(tmp_path / "adobe.jpg", quality=98, subsampling=0, icc_profile=adobe)
    image.save(tmp_path / "untagged.jpg", quality=98, subsampling=0)
    tagged = opened(th.make_grid_thumbnails(tmp_path / "adobe.jpg", cache, HASH, 1)[512])
    plain = opened(th.make_grid_thumbnails(tmp_path / "untagged.jpg", cache, "ef" * 32, 1)[512])
    for i, colour in enumerate(patches):
        got = rgb_at(tagged, (i * 100 + 50, 50))
        expected = adobe_to_srgb(colour)
        assert near(got, expected, 4), (colour, got, expected)
        assert near(rgb_at(plain, (i * 100 + 50, 50)), colour, 3)
    # The mid-saturation green moves a lot (it is more saturated than sRGB can show at that
    # level); the fully saturated (0, 255, 0) is outside sRGB and clips to sRGB green.
    moved = rgb_at(tagged, (50, 50))
    assert moved[0] < 20 and moved[2] < 50
    assert sum(abs(a - b) for a, b in zip(moved, patches[0], strict=True)) > 60


def test_unusable_icc_profile_is_ignored(tmp_path: Path, cache: Path) -> None:
    source = tmp_path / "badicc.jpg"
    scene(600, 400).save(source, quality=90, icc_profile=b"\x00" * 200 + b"not a profile")
    assert opened(th.make_grid_thumbnails(source, cache, HASH, 1)[512]).size == (512, 341)


# --- damaged input --------------------------------------------------------------------------


def _damaged_files(folder: Path, big: Path) -> dict[str, Path]:
    good = jpeg_bytes(scene(640, 480), 90)
    files = {
        "empty.jpg": b"",
        "text.jpg": b"This is a text file pretending to be a JPEG.\n" * 20,
        "truncated.jpg": good[: len(good) * 6 // 10],
        "header_only.jpg": good[:600],
        "garbage_after_soi.jpg": b"\xff\xd8\xff" + random.Random(4).randbytes(5000),
        "truncated_big.jpg": big.read_bytes()[: big.stat().st_size * 7 // 10],
    }
    png = io.BytesIO()
    scene(300, 200).save(png, "PNG")
    files["truncated.png"] = png.getvalue()[: len(png.getvalue()) // 2]
    paths = {}
    for name, data in files.items():
        paths[name] = folder / name
        paths[name].write_bytes(data)
    return paths


def test_damaged_files_raise_image_unreadable_with_a_reason(
    tmp_path: Path, cache: Path, big_jpeg: Path
) -> None:
    reasons = {}
    with deadline(20):
        for name, path in _damaged_files(tmp_path, big_jpeg).items():
            with pytest.raises(ImageUnreadable) as caught:
                th.make_grid_thumbnails(path, cache, HASH, 1)
            reasons[name] = str(caught.value)
            assert "\n" not in reasons[name]
            with pytest.raises(ImageUnreadable):
                th.make_preview(path, cache, HASH, 1, 1024)
            embedded = th.extract_embedded_thumbnail(path, 1)
            # Only the big file's header, with its EXIF thumbnail, survived the cut.
            assert (embedded is not None) == (name == "truncated_big.jpg"), name
    assert reasons["empty.jpg"] == "empty file"
    assert reasons["text.jpg"] == "not an image (or not a supported format)"
    assert reasons["truncated.jpg"] == "truncated JPEG data"
    assert reasons["truncated_big.jpg"] == "truncated JPEG data"
    assert reasons["truncated.png"] == "truncated PNG data"
    assert not list(cache.rglob("*.jpg"))
    assert not list(cache.rglob("*.tmp"))


def test_missing_source_is_a_file_system_error(tmp_path: Path, cache: Path) -> None:
    with pytest.raises(FileNotFoundError):
        th.make_grid_thumbnails(tmp_path / "gone.jpg", cache, HASH, 1)


def test_decompression_bomb_limit_stays_on(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "wide.jpg"
    scene(3000, 2000).save(source, quality=70)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 2_000_000)  # error above 2×: 4 MP
    with pytest.raises(ImageUnreadable, match=r"^image too large \(6 megapixels\)$"):
        th.make_grid_thumbnails(source, cache, HASH, 1)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 4_000_000)  # only Pillow's warning
    with pytest.warns(Image.DecompressionBombWarning):
        th.make_grid_thumbnails(source, cache, HASH, 1)


@pytest.fixture(scope="module")
def small_camera_jpeg() -> bytes:
    upright = scene(96, 64, seed=11)
    thumb = letterboxed_thumbnail(upright, (48, 36))
    return jpeg_bytes(upright, 85, exif=exif_block(6, thumb))


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_fuzzed_jpegs_never_raise_anything_else(
    tmp_path: Path, small_camera_jpeg: bytes, data: st.DataObject
) -> None:
    raw = bytearray(small_camera_jpeg)
    for _ in range(data.draw(st.integers(1, 12), label="flips")):
        index = data.draw(st.integers(0, len(raw) - 1), label="index")
        raw[index] ^= 1 << data.draw(st.integers(0, 7), label="bit")
    cut = data.draw(st.integers(1, len(raw)), label="cut")
    source = tmp_path / "fuzz.jpg"
    source.write_bytes(bytes(raw[:cut]))
    cache_dir = tmp_path / "fuzzcache"
    with deadline(10):
        try:
            paths = th.make_grid_thumbnails(source, cache_dir, HASH, 6)
        except ImageUnreadable as exc:
            assert str(exc) and "\n" not in str(exc)
        else:
            assert opened(paths[256]).mode == "RGB"
        embedded = th.extract_embedded_thumbnail(source, 6)
        if embedded is not None:
            assert opened_bytes(embedded).format == "JPEG"


def opened_bytes(data: bytes) -> Image.Image:
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        copy = image.copy()
        copy.format = image.format
        return copy


@pytest.mark.corpus
def test_corpus_invalid_files_give_unreadable_or_a_thumbnail(
    camera_corpus: Path, tmp_path: Path
) -> None:
    files = sorted((camera_corpus / "jpg" / "invalid").glob("*.jpg"))
    assert files
    with deadline(30):
        for source in files:
            try:
                paths = th.make_grid_thumbnails(source, tmp_path, file_hash(source), 1)
            except ImageUnreadable:
                continue
            large = opened(paths[512])
            with Image.open(source) as original:
                assert max(large.size) == min(512, max(original.size))
            th.extract_embedded_thumbnail(source, 1)


# --- writing: atomic, fresh ------------------------------------------------------------------


def test_existing_thumbnail_survives_a_failed_remake(tmp_path: Path, cache: Path) -> None:
    source = tmp_path / "photo.jpg"
    scene(900, 600).save(source, quality=90)
    paths = th.make_grid_thumbnails(source, cache, HASH, 1)
    before = paths[256].read_bytes()
    source.write_bytes(source.read_bytes()[:3000])  # the file is damaged later
    with pytest.raises(ImageUnreadable):
        th.make_grid_thumbnails(source, cache, HASH, 1)
    assert paths[256].read_bytes() == before
    assert {p.name for p in paths[256].parent.iterdir()} == {paths[256].name, paths[512].name}


def test_readers_never_see_a_partial_thumbnail(tmp_path: Path, cache: Path) -> None:
    """Replace one thumbnail 40 times while another thread reads it: only whole files appear."""
    first, second = tmp_path / "a.png", tmp_path / "b.png"
    scene(600, 400, seed=1).save(first, compress_level=1)
    Image.new("RGB", (600, 400), (10, 20, 30)).save(second)
    target = th.make_grid_thumbnails(first, cache, HASH, 1)[512]
    versions = {target.read_bytes()}
    th.make_grid_thumbnails(second, cache, HASH, 1)
    versions.add(target.read_bytes())
    assert len(versions) == 2
    seen: set[bytes] = set()
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            seen.add(target.read_bytes())

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for i in range(40):
            th.make_grid_thumbnails(first if i % 2 else second, cache, HASH, 1)
    finally:
        stop.set()
        reader.join()
    assert seen and seen <= versions
    assert not [p for p in target.parent.iterdir() if p.name.startswith(".")]


def test_freshness_follows_the_source_mtime(tmp_path: Path, cache: Path) -> None:
    source = tmp_path / "photo.jpg"
    scene(900, 600).save(source, quality=90)
    assert not th.thumbnails_fresh(cache, HASH, source)
    paths = th.make_grid_thumbnails(source, cache, HASH, 1)
    assert th.thumbnails_fresh(cache, HASH, source)
    later = time.time() + 60
    os.utime(source, (later, later))
    assert not th.thumbnails_fresh(cache, HASH, source)
    th.make_grid_thumbnails(source, cache, HASH, 1)
    assert th.thumbnails_fresh(cache, HASH, source)  # a future mtime does not make it stale forever
    paths[256].write_bytes(b"")
    assert not th.thumbnails_fresh(cache, HASH, source)
    paths[256].unlink()
    assert not th.thumbnails_fresh(cache, HASH, source)
    th.make_grid_thumbnails(source, cache, HASH, 1)
    source.unlink()  # unplugged drive: the content-addressed thumbnails still show the photo
    assert th.thumbnails_fresh(cache, HASH, source)


def test_preview_is_cached_until_the_source_changes(
    tmp_path: Path, cache: Path, big_jpeg: Path
) -> None:
    path = th.make_preview(big_jpeg, cache, HASH, 1)
    assert path == th.preview_path(cache, HASH, 2048)
    assert opened(path).size == (2048, 1365)
    source = tmp_path / "photo.jpg"
    write_camera_jpeg(source, scene(3000, 2000), 8)
    preview = th.make_preview(source, cache, "cd" * 32, 8, long_edge=1024)
    assert opened(preview).size == (1024, 683)  # stored portrait, shown landscape
    stamp = preview.stat().st_mtime_ns
    os.utime(preview, ns=(stamp - 10**9, stamp - 10**9))
    old = preview.stat().st_mtime_ns
    os.utime(source, ns=(old - 2 * 10**9, old - 2 * 10**9))
    assert th.make_preview(source, cache, "cd" * 32, 8, long_edge=1024).stat().st_mtime_ns == old
    os.utime(source, ns=(old + 10**9, old + 10**9))
    assert th.make_preview(source, cache, "cd" * 32, 8, long_edge=1024).stat().st_mtime_ns > old
    source.unlink()  # offline source: the cached preview is still the right picture
    assert th.make_preview(source, cache, "cd" * 32, 8, long_edge=1024) == preview
    with pytest.raises(FileNotFoundError):
        th.make_preview(source, cache, "cd" * 32, 8, long_edge=800)


# --- embedded EXIF thumbnail ----------------------------------------------------------------


def test_embedded_thumbnail_is_cropped_and_turned_upright(tmp_path: Path) -> None:
    upright = scene(2000, 3000, seed=2)  # portrait, stored as 3000×2000 landscape, orientation 6
    source = write_camera_jpeg(tmp_path / "p.jpg", upright, 6)
    with Image.open(source) as stored:
        assert stored.size == (3000, 2000)
    data = th.extract_embedded_thumbnail(source, 6)
    assert data is not None
    thumb = opened_bytes(data)
    assert thumb.format == "JPEG" and thumb.mode == "RGB"
    assert thumb.width in (106, 107) and thumb.height == 160  # bars gone, portrait
    for box in [(0, 0, thumb.width, 1), (0, thumb.height - 1, thumb.width, thumb.height)]:
        assert ImageStat.Stat(thumb.crop(box).convert("L")).mean[0] > 30  # no black bar left
    # Compare the layout (coarse), not the texture: the camera's rounding of the bars shifts it
    # by up to a pixel.
    coarse = (20, 30)
    small = thumb.resize(coarse, Image.Resampling.BOX)
    assert mean_difference(small, upright.resize(coarse, Image.Resampling.BOX)) < 10
    for wrong in (Image.Transpose.ROTATE_180, Image.Transpose.FLIP_LEFT_RIGHT):
        mirrored = upright.transpose(wrong).resize(coarse, Image.Resampling.BOX)
        assert mean_difference(small, mirrored) > 25


def test_embedded_thumbnail_without_bars_and_squashed(tmp_path: Path) -> None:
    stored = scene(3000, 2000, seed=4)
    exact = jpeg_bytes(stored.resize((150, 100)), 85)
    squashed = jpeg_bytes(stored.resize((150, 96)), 85)  # 4 % off: resized back
    wrong = jpeg_bytes(scene(120, 120, seed=8), 85)  # square, no bars: not this photo
    results = {}
    for name, thumb in {"exact": exact, "squashed": squashed, "wrong": wrong}.items():
        source = tmp_path / f"{name}.jpg"
        stored.save(source, quality=80, exif=exif_block(1, thumb))
        results[name] = th.extract_embedded_thumbnail(source, 1)
    assert results["exact"] is not None and opened_bytes(results["exact"]).size == (150, 100)
    assert results["squashed"] is not None
    assert opened_bytes(results["squashed"]).size == (144, 96)
    assert results["wrong"] is None


def test_embedded_thumbnail_absent_or_garbage_is_none(tmp_path: Path) -> None:
    stored = scene(600, 400)
    thumb = letterboxed_thumbnail(stored)
    cases = {
        "none.jpg": exif_block(1, None),
        "past_end.jpg": exif_block(1, thumb, thumbnail_offset_delta=10_000),
        "not_jpeg.jpg": exif_block(1, b"\xff\xd8" + b"\x00" * 500),
        "shifted.jpg": exif_block(1, thumb, thumbnail_offset_delta=7),
    }
    for name, exif in cases.items():
        stored.save(tmp_path / name, quality=80, exif=exif)
        assert th.extract_embedded_thumbnail(tmp_path / name, 1) is None, name
    stored.save(tmp_path / "no_exif.jpg", quality=80)
    stored.save(tmp_path / "photo.png")
    assert th.extract_embedded_thumbnail(tmp_path / "no_exif.jpg", 1) is None
    assert th.extract_embedded_thumbnail(tmp_path / "photo.png", 1) is None
    assert th.write_embedded_thumbnail(tmp_path / "photo.png", tmp_path / "c", HASH, 1) is None


def test_embedded_thumbnail_of_a_big_jpeg_is_fast(big_jpeg: Path) -> None:
    th.extract_embedded_thumbnail(big_jpeg, 1)
    start = time.perf_counter()
    for _ in range(20):
        data = th.extract_embedded_thumbnail(big_jpeg, 1)
    per_photo = (time.perf_counter() - start) / 20
    assert data is not None and opened_bytes(data).size in ((160, 106), (160, 107))
    assert per_photo < 0.02  # ~1 ms measured; generous for a loaded CI machine


def test_first_paint_progression(tmp_path: Path, cache: Path) -> None:
    source = write_camera_jpeg(tmp_path / "p.jpg", scene(3000, 2000), 1)
    assert th.best_available_thumbnail(cache, HASH) is None
    embedded = th.write_embedded_thumbnail(source, cache, HASH, 1)
    assert embedded == th.embedded_thumbnail_path(cache, HASH)
    assert th.best_available_thumbnail(cache, HASH) == embedded
    paths = th.make_grid_thumbnails(source, cache, HASH, 1)
    assert th.best_available_thumbnail(cache, HASH) == paths[256]
    assert th.best_available_thumbnail(cache, HASH, th.GRID_SIZE_2X) == paths[512]
    paths[256].unlink()
    assert th.best_available_thumbnail(cache, HASH) == paths[512]


def test_mpo_phone_jpeg(tmp_path: Path, cache: Path) -> None:
    upright = scene(1600, 1200, seed=6)
    source = tmp_path / "phone.jpg"
    upright.save(
        source,
        "MPO",
        save_all=True,
        append_images=[upright.resize((400, 300))],
        exif=exif_block(1, jpeg_bytes(upright.resize((160, 120)))),
    )
    with Image.open(source) as check:
        assert check.format == "MPO"
    assert opened(th.make_grid_thumbnails(source, cache, HASH, 1)[512]).size == (512, 384)
    data = th.extract_embedded_thumbnail(source, 1)
    assert data is not None and opened_bytes(data).size == (160, 120)


@pytest.mark.corpus
def test_corpus_embedded_thumbnails_match_exiftool(camera_corpus: Path) -> None:
    exiftool = shutil.which("exiftool")
    if exiftool is None:
        pytest.skip("exiftool is not on PATH")
    listing = subprocess.run(
        [exiftool, "-j", "-b", "-ThumbnailImage", "-r", "-ext", "jpg", "-ext", "jpeg", "."],
        cwd=camera_corpus / "jpg",
        capture_output=True,
        check=False,
        text=True,
    ).stdout
    records = json.loads(listing)
    assert len(records) >= 50
    with_thumbnail = 0
    for record in records:
        source = camera_corpus / "jpg" / record["SourceFile"]
        value = record.get("ThumbnailImage", "")
        expected = base64.b64decode(value[len("base64:") :]) if value else b""
        found = th.read_exif_thumbnail(source)
        data = th.extract_embedded_thumbnail(source, 1)
        if not expected:
            assert found is None and data is None, source.name
            continue
        assert found is not None and found[0] == expected, source.name
        if min(opened_bytes(expected).size) >= 16:
            with_thumbnail += 1
            assert data is not None, source.name
            thumb = opened_bytes(data)
            with Image.open(source) as photo:
                ratio = photo.width / photo.height
            assert abs(thumb.width / thumb.height / ratio - 1) < 0.06, source.name
    assert with_thumbnail >= 20


@pytest.mark.corpus
def test_corpus_heif_and_avif(camera_corpus: Path, tmp_path: Path) -> None:
    register_heif_opener()
    spring = camera_corpus / "heic" / "spring_1440x960.heic"
    paths = th.make_grid_thumbnails(spring, tmp_path, file_hash(spring), 1)
    assert opened(paths[512]).size == (512, 341)
    data = th.extract_embedded_thumbnail(spring, 1)
    assert data is not None and opened_bytes(data).size == (240, 160)
    for name, expected in [
        ("heic/samplefilehub.heif", (512, 341)),
        ("avif/mountains.avif", (512, 288)),
    ]:
        source = camera_corpus / name
        large = opened(th.make_grid_thumbnails(source, tmp_path, file_hash(source), 1)[512])
        assert large.size == expected, name
