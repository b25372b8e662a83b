"""Pixels of exported renditions: sizes, orientation, colour, cascade quality, failures.

Sources are generated here with Pillow (and exiftool for what Pillow cannot write: an IFD1
thumbnail and IPTC-IIM), shaped like real camera files: 24 and 12 MP, EXIF orientation, an
Adobe RGB profile, GPS, serial numbers, a maker-note blob, people in XMP. exiftool is the
independent reader of every output's tags; pixel checks decode with Pillow and compare against a
reference made the slow, obviously-right way (full decode, ImageCms, one LANCZOS step).

The source builders are imported by ``test_embed.py`` too.
"""

from __future__ import annotations

import io
import json
import math
import os
import random
import struct
import subprocess
import zlib
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageChops, ImageCms, ImageDraw, ImageStat, JpegImagePlugin

from gallery_app.core import imaging
from gallery_app.core.export.model import EmbeddedMetadata, EncoderSettings, RenditionSpec
from gallery_app.core.export.renditions import render_photo
from gallery_app.core.imaging import ImageUnreadable

# --- source builders --------------------------------------------------------------------------

ADOBE_GREEN = (60, 180, 90)
"""An Adobe RGB colour that is visibly different in sRGB, about (0, 181, 83) (metadata.md §7)."""
MARKER = (255, 0, 0)
"""Painted into the *stored* top-left corner, to see where orientation puts it."""
SECRETS = (
    b"SN-4711-SECRET",
    b"Camera Owner Jo",
    b"Secret Person",
    b"Secretville",
    b"Staff Writer",
    b"MAKERNOTE-BLOB",
    b"Firmware 9.9",
)
"""Strings planted in the sources that must not appear anywhere in any export's bytes."""


def _s15(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def _tag_xyz(x: float, y: float, z: float) -> bytes:
    return b"XYZ \0\0\0\0" + _s15(x) + _s15(y) + _s15(z)


def adobe_rgb_icc() -> bytes:
    """A minimal ICC v2 matrix/TRC display profile with the Adobe RGB (1998) primaries.

    Built here so that the test depends on no system profile file: primaries adapted to D50 and
    gamma 563/256 as in Adobe's own profile.
    """
    ascii_desc = b"Adobe RGB (1998) test\0"
    desc = (
        b"desc\0\0\0\0"
        + struct.pack(">I", len(ascii_desc))
        + ascii_desc
        + b"\0" * 4  # Unicode language code
        + b"\0" * 4  # Unicode count
        + b"\0" * 2  # ScriptCode code
        + b"\0"  # ScriptCode count
        + b"\0" * 67
    )
    cprt = b"text\0\0\0\0" + b"public domain test profile\0"
    curve = b"curv\0\0\0\0" + struct.pack(">IH", 1, 563) + b"\0\0"
    tags = [
        (b"desc", desc),
        (b"cprt", cprt),
        (b"wtpt", _tag_xyz(0.9505, 1.0, 1.0891)),
        (b"rXYZ", _tag_xyz(0.60974, 0.31111, 0.01947)),
        (b"gXYZ", _tag_xyz(0.20528, 0.62567, 0.06087)),
        (b"bXYZ", _tag_xyz(0.14919, 0.06322, 0.74457)),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table = struct.pack(">I", len(tags))
    data = b""
    for signature, content in tags:
        body = content + b"\0" * (-len(content) % 4)
        table += signature + struct.pack(">II", offset + len(data), len(body))
        data += body
    size = offset + len(data)
    header = (
        struct.pack(">I", size)
        + b"\0\0\0\0"
        + struct.pack(">I", 0x02100000)
        + b"mntrRGB XYZ "
        + struct.pack(">6H", 2026, 1, 1, 0, 0, 0)
        + b"acsp"
        + b"\0" * 4  # platform
        + b"\0" * 4  # flags
        + b"\0" * 8  # manufacturer, model
        + b"\0" * 8  # attributes
        + b"\0" * 4  # intent
        + _s15(0.9642)
        + _s15(1.0)
        + _s15(0.8249)
        + b"\0" * 4  # creator
        + b"\0" * 16  # profile id
        + b"\0" * 28
    )
    assert len(header) == 128
    return header + table + data


def textured(size: tuple[int, int], seed: int = 0) -> Image.Image:
    """A photo-like RGB image: soft shapes plus fine grain, cheap to make at 24 MP."""
    rng = random.Random(seed)
    width, height = size
    small = Image.new("RGB", (max(8, width // 8), max(8, height // 8)), (110, 120, 140))
    draw = ImageDraw.Draw(small)
    for _ in range(40):
        x, y = rng.randrange(small.width), rng.randrange(small.height)
        w, h = rng.randrange(4, small.width // 2 + 5), rng.randrange(4, small.height // 2 + 5)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        draw.ellipse((x, y, x + w, y + h), fill=colour)
    image = small.resize(size, Image.Resampling.BICUBIC)
    tile_side = min(512, width, height)
    tile = Image.effect_noise((tile_side, tile_side), 48)
    grain = Image.new("L", size)
    for x in range(0, width, tile_side):
        for y in range(0, height, tile_side):
            grain.paste(tile, (x, y))
    return Image.blend(image, Image.merge("RGB", (grain, grain, grain)), 0.15)


def paint_patches(image: Image.Image) -> Image.Image:
    """A flat Adobe-green centre (a ninth of the picture) and a red stored top-left corner."""
    width, height = image.size
    draw = ImageDraw.Draw(image)
    draw.rectangle((width // 3, height // 3, 2 * width // 3, 2 * height // 3), fill=ADOBE_GREEN)
    draw.rectangle((0, 0, width // 8, height // 8), fill=MARKER)
    return image


_SOURCE_XMP = """<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
    xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"
    xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/"
    xmlns:mwg-rs="http://www.metadataworkinggroup.com/schemas/regions/"
    xmlns:stArea="http://ns.adobe.com/xmp/sType/Area#"
    xmlns:stDim="http://ns.adobe.com/xap/1.0/sType/Dimensions#">
   <Iptc4xmpExt:PersonInImage><rdf:Bag><rdf:li>Secret Person</rdf:li></rdf:Bag>
   </Iptc4xmpExt:PersonInImage>
   <photoshop:City>Secretville</photoshop:City>
   <xmpMM:DocumentID>xmp.did:SECRET-HISTORY</xmpMM:DocumentID>
   <mwg-rs:Regions rdf:parseType="Resource">
    <mwg-rs:AppliedToDimensions stDim:w="6000" stDim:h="4000" stDim:unit="pixel"/>
    <mwg-rs:RegionList><rdf:Bag><rdf:li rdf:parseType="Resource">
     <mwg-rs:Name>Secret Person</mwg-rs:Name><mwg-rs:Type>Face</mwg-rs:Type>
     <mwg-rs:Area stArea:x="0.5" stArea:y="0.4" stArea:w="0.1" stArea:h="0.2"
       stArea:unit="normalized"/>
    </rdf:li></rdf:Bag></mwg-rs:RegionList>
   </mwg-rs:Regions>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""


def camera_exif(orientation: int) -> Image.Exif:
    """EXIF as a camera writes it, with everything the export must never carry."""
    exif = Image.Exif()
    exif[0x010F] = "Canon"  # Make
    exif[0x0110] = "Canon EOS R6"  # Model
    exif[0x0131] = "Firmware 9.9"  # Software
    exif[0x013B] = "Camera Owner Jo"  # Artist (the camera owner, not the credited creator)
    exif[0x010E] = "IMG_0001 source description"
    exif[0x0112] = orientation
    sub = exif.get_ifd(0x8769)
    sub[0x9003] = "2026:05:14 10:00:00"  # DateTimeOriginal
    sub[0xA430] = "Camera Owner Jo"  # CameraOwnerName
    sub[0xA431] = "SN-4711-SECRET"  # BodySerialNumber
    sub[0x927C] = b"MAKERNOTE-BLOB\0" + bytes(range(64))  # MakerNote
    exif.get_ifd(0x8825).update(
        {1: "N", 2: (52.0, 31.0, 12.5), 3: "E", 4: (13.0, 24.0, 36.0), 5: 0, 6: 34.0}
    )
    return exif


def exiftool_run(*args: str) -> str:
    result = subprocess.run(
        ["exiftool", *args], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode in (0, 1), result.stderr
    return result.stdout


def exiftool_tags(*paths: Path, extra: tuple[str, ...] = ()) -> dict[str, dict[str, Any]]:
    """``exiftool -j -a -G1 -n`` of each file, keyed by file name."""
    out = exiftool_run("-j", "-a", "-G1", "-n", *extra, *map(str, paths))
    return {Path(item["SourceFile"]).name: item for item in json.loads(out)}


def make_camera_jpeg(path: Path, size: tuple[int, int], orientation: int, *, seed: int = 0) -> Path:
    """A camera-like JPEG: texture, patches, Adobe RGB, EXIF/XMP/IIM full of private data."""
    image = paint_patches(textured(size, seed))
    image.save(
        path,
        "JPEG",
        quality=90,
        exif=camera_exif(orientation),
        icc_profile=adobe_rgb_icc(),
        xmp=_SOURCE_XMP.encode(),
    )
    thumb = path.with_name(path.stem + "-thumb.jpg")
    image.resize((160, 107)).save(thumb, "JPEG", quality=70)
    exiftool_run(
        "-q",
        "-overwrite_original",
        f"-ThumbnailImage<={thumb}",
        "-IPTC:City=Secretville",
        "-IPTC:Writer-Editor=Staff Writer",
        "-IPTC:Caption-Abstract=source caption",
        "-IPTC:CodedCharacterSet=UTF8",
        str(path),
    )
    thumb.unlink()
    return path


def make_png_alpha(path: Path, size: tuple[int, int] = (800, 600)) -> Path:
    """Transparent background, an opaque red square in the middle."""
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    ImageDraw.Draw(image).rectangle(
        (size[0] // 4, size[1] // 4, 3 * size[0] // 4, 3 * size[1] // 4), fill=(200, 0, 0, 255)
    )
    image.save(path, "PNG")
    return path


def make_png16_grey(path: Path, size: tuple[int, int] = (640, 480)) -> Path:
    """A 16-bit grey PNG: a horizontal ramp over the full 0–65535 range."""
    ramp = Image.linear_gradient("L").rotate(90).resize(size).convert("I")
    ramp.point(lambda v: v * 257).convert("I;16").save(path, "PNG")
    return path


def make_png16_rgb(path: Path, size: tuple[int, int], colour: tuple[int, int, int]) -> Path:
    """A flat 16-bit-per-channel RGB PNG, written by hand (Pillow cannot write one)."""
    width, height = size
    pixel = struct.pack(">3H", *(c * 257 for c in colour))
    raw = b"".join(b"\0" + pixel * width for _ in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 16, 2, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
    data += chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    path.write_bytes(data)
    return path


def make_heic(path: Path, size: tuple[int, int] = (640, 480)) -> Path:
    """A HEIC with camera EXIF (GPS, serial) and the red corner marker."""
    imaging.register_heif_opener()
    image = paint_patches(textured(size, seed=3))
    image.save(path, "HEIF", quality=80, exif=camera_exif(1).tobytes())
    return path


# --- helpers ----------------------------------------------------------------------------------


def psnr(a: Image.Image, b: Image.Image) -> float:
    """PSNR in dB of two same-size RGB images (from the difference histogram, no numpy)."""
    assert a.size == b.size
    histogram = ImageChops.difference(a.convert("RGB"), b.convert("RGB")).histogram()
    mse = sum(count * (i % 256) ** 2 for i, count in enumerate(histogram)) / (
        a.width * a.height * 3
    )
    return math.inf if mse == 0 else 10 * math.log10(255**2 / mse)


def mean_rgb(image: Image.Image, box: tuple[float, float, float, float]) -> tuple[float, ...]:
    """Mean colour of the fractional ``box`` (left, top, right, bottom in 0–1) of ``image``."""
    w, h = image.size
    crop = image.convert("RGB").crop(
        (round(box[0] * w), round(box[1] * h), round(box[2] * w), round(box[3] * h))
    )
    return tuple(ImageStat.Stat(crop).mean)


CENTRE = (0.42, 0.42, 0.58, 0.58)


def decode(path: Path) -> Image.Image:
    imaging.register_heif_opener()
    with Image.open(path) as image:
        image.load()
        return image.convert("RGB")


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("sources")
    return {
        "24mp_o6": make_camera_jpeg(folder / "24mp_o6.jpg", (6000, 4000), 6, seed=1),
        "12mp_o3": make_camera_jpeg(folder / "12mp_o3.jpg", (4000, 3000), 3, seed=2),
        "png_alpha": make_png_alpha(folder / "alpha.png"),
        "png16": make_png16_grey(folder / "grey16.png"),
        "png16rgb": make_png16_rgb(folder / "rgb16.png", (320, 240), (30, 140, 220)),
        "heic": make_heic(folder / "phone.heic"),
    }


WEB = RenditionSpec(widths=(2400, 1600, 960, 480), formats=("jpeg",))
META = EmbeddedMetadata(caption="A caption", creator="Jo Photographer")


# --- tests ------------------------------------------------------------------------------------


def test_the_sources_really_carry_what_must_not_leak(sources: dict[str, Path]) -> None:
    """Guard for the privacy tests: the planted data is there for exiftool to see."""
    tags = exiftool_tags(sources["24mp_o6"])["24mp_o6.jpg"]
    for key in (
        "GPS:GPSLatitude",
        "ExifIFD:SerialNumber",
        "IFD0:Make",
        "IFD1:ThumbnailImage",
        "XMP-iptcExt:PersonInImage",
        "XMP-mwg-rs:RegionName",
        "IPTC:City",
        "IPTC:Writer-Editor",
        "IFD0:Orientation",
        "ICC-header:ProfileClass",
    ):
        assert key in tags, key
    raw = sources["24mp_o6"].read_bytes()
    assert all(secret in raw for secret in SECRETS)  # the maker note too (exiftool hides it)
    assert tags["ICC_Profile:ProfileDescription"] == "Adobe RGB (1998) test"
    heic = exiftool_tags(sources["heic"])["phone.heic"]
    assert "GPS:GPSLatitude" in heic and "ExifIFD:SerialNumber" in heic


def test_portrait_24mp_gives_every_width_upright_and_named(
    sources: dict[str, Path], tmp_path: Path
) -> None:
    files = render_photo(sources["24mp_o6"], 6, tmp_path / "out", "p1", WEB, META)
    assert [(f.path, f.width, f.height, f.role) for f in files] == [
        ("p1-2400.jpg", 2400, 3600, "image"),
        ("p1-1600.jpg", 1600, 2400, "image"),
        ("p1-960.jpg", 960, 1440, "image"),
        ("p1-480.jpg", 480, 720, "image"),
    ]
    assert listing(tmp_path / "out") == sorted(f.path for f in files)
    for item in files:
        data = (tmp_path / "out" / item.path).read_bytes()
        assert item.bytes == len(data)
        with Image.open(io.BytesIO(data)) as image:
            assert image.size == (item.width, item.height)
            assert image.getexif().get(0x0112) is None
    # Orientation 6 turns the stored top-left corner to the displayed top-right.
    small = decode(tmp_path / "out" / "p1-480.jpg")
    assert _close(mean_rgb(small, (0.9, 0.02, 0.98, 0.08)), MARKER, 12)
    assert not _close(mean_rgb(small, (0.02, 0.02, 0.08, 0.08)), MARKER, 60)


def test_orientation_3_turns_the_picture_around(sources: dict[str, Path], tmp_path: Path) -> None:
    spec = RenditionSpec(widths=(1600, 480), formats=("jpeg", "webp"))
    files = render_photo(sources["12mp_o3"], 3, tmp_path, "p2", spec, META)
    assert [(f.path, f.width, f.height) for f in files] == [
        ("p2-1600.jpg", 1600, 1200),
        ("p2-1600.webp", 1600, 1200),
        ("p2-480.jpg", 480, 360),
        ("p2-480.webp", 480, 360),
    ]
    for item in files:
        image = decode(tmp_path / item.path)
        assert image.size == (item.width, item.height)
        assert _close(mean_rgb(image, (0.92, 0.92, 0.98, 0.98)), MARKER, 12)  # bottom-right


@pytest.mark.parametrize(
    ("orientation", "stored", "widths", "expected_decode"),
    [
        (6, (6000, 4000), (960,), (1500, 1000)),  # displayed 960×1440 → stored 1440×960 → 1/4
        (1, (6000, 4000), (960,), (1500, 1000)),  # 960×640 → 1/4 (1/8 = 750 is too small)
        (1, (6000, 4000), (2400, 480), (3000, 2000)),  # 1/2 covers the largest width
        (8, (6000, 4000), (2400,), (6000, 4000)),  # displayed 2400×3600 needs a full decode
    ],
)
def test_jpeg_decodes_at_the_smallest_dct_scale_that_covers_the_largest_width(  # noqa: PLR0917
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    orientation: int,
    stored: tuple[int, int],
    widths: tuple[int, ...],
    expected_decode: tuple[int, int],
) -> None:
    source = tmp_path / "flat.jpg"
    Image.new("RGB", stored, (90, 100, 110)).save(source, "JPEG", quality=50)
    decoded: list[tuple[int, int]] = []
    original_load = JpegImagePlugin.JpegImageFile.load

    def spy(self: JpegImagePlugin.JpegImageFile) -> Any:
        result = original_load(self)
        decoded.append(self.size)
        return result

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "load", spy)
    spec = RenditionSpec(widths=widths, formats=("jpeg",))
    files = render_photo(source, orientation, tmp_path / "out", "d", spec, EmbeddedMetadata())
    assert decoded[0] == expected_decode
    assert len(decoded) == 1 or all(d == decoded[0] for d in decoded)  # one decode, no re-open
    portrait = orientation >= 5
    assert all((f.width < f.height) == portrait for f in files)


def test_never_upscales(sources: dict[str, Path], tmp_path: Path) -> None:
    png = sources["png_alpha"]  # 800×600
    files = render_photo(png, 1, tmp_path, "a", RenditionSpec(widths=(4000, 2400)), META)
    assert [(f.path, f.width, f.height) for f in files] == [("a-800.jpg", 800, 600)]
    files = render_photo(png, 1, tmp_path, "b", RenditionSpec(widths=(4000, 480, 480)), META)
    assert [(f.path, f.width, f.height) for f in files] == [("b-480.jpg", 480, 360)]


def test_full_resolution_and_square_thumbnail(sources: dict[str, Path], tmp_path: Path) -> None:
    spec = RenditionSpec(
        widths=(480,), formats=("jpeg", "webp"), full_resolution=True, crop_square=256
    )
    files = render_photo(sources["heic"], 1, tmp_path, "h", spec, META)
    assert [(f.path, f.width, f.height, f.role) for f in files] == [
        ("h.jpg", 640, 480, "image"),
        ("h.webp", 640, 480, "image"),
        ("h-sq256.jpg", 256, 256, "thumb"),
    ]
    full = decode(tmp_path / "h.jpg")
    assert _close(mean_rgb(full, (0.01, 0.01, 0.1, 0.1)), MARKER, 12)
    # A square bigger than the largest width still gets its pixels from the one decode.
    spec = RenditionSpec(widths=(480,), crop_square=600)
    files = render_photo(sources["24mp_o6"], 6, tmp_path, "s", spec, META)
    assert [(f.path, f.width, f.height) for f in files] == [
        ("s-480.jpg", 480, 720),
        ("s-sq600.jpg", 600, 600),
    ]
    square = decode(tmp_path / "s-sq600.jpg")
    assert _close(mean_rgb(square, CENTRE), _adobe_to_srgb(ADOBE_GREEN), 4)


def _close(actual: tuple[float, ...], expected: tuple[float, ...], tolerance: float) -> bool:
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=True))


def _adobe_to_srgb(colour: tuple[int, int, int]) -> tuple[int, ...]:
    """The reference conversion, with ImageCms directly (not through our code)."""
    source = ImageCms.ImageCmsProfile(io.BytesIO(adobe_rgb_icc()))
    pixel = Image.new("RGB", (1, 1), colour)
    converted = ImageCms.profileToProfile(
        pixel,
        source,
        ImageCms.createProfile("sRGB"),
        renderingIntent=ImageCms.Intent.PERCEPTUAL,
        outputMode="RGB",
    )
    assert converted is not None
    return tuple(converted.getpixel((0, 0)))  # type: ignore[arg-type]


def test_adobe_rgb_is_converted_and_every_format_is_tagged_srgb(
    sources: dict[str, Path], tmp_path: Path
) -> None:
    expected = _adobe_to_srgb(ADOBE_GREEN)
    assert abs(expected[0] - ADOBE_GREEN[0]) > 40  # the test would see a missing conversion
    # Reference: full decode of the source, then ImageCms over the whole image.
    with Image.open(sources["12mp_o3"]) as original:
        original.load()
        reference = ImageCms.profileToProfile(
            original,
            ImageCms.ImageCmsProfile(io.BytesIO(original.info["icc_profile"])),
            ImageCms.createProfile("sRGB"),
            renderingIntent=ImageCms.Intent.PERCEPTUAL,
            outputMode="RGB",
        )
    assert reference is not None
    reference_green = mean_rgb(reference, CENTRE)
    spec = RenditionSpec(widths=(960,), formats=("jpeg", "webp", "avif"))
    files = render_photo(sources["12mp_o3"], 3, tmp_path, "c", spec, META)
    tags = exiftool_tags(*(tmp_path / f.path for f in files))
    for item in files:
        assert "sRGB" in tags[item.path]["ICC_Profile:ProfileDescription"], item.path
        got = mean_rgb(decode(tmp_path / item.path), CENTRE)
        assert _close(got, reference_green, 3), (item.path, got, reference_green)
        assert _close(got, expected, 4), (item.path, got, expected)


def test_cascade_is_within_half_a_db_of_a_one_step_resize_from_full_decode(
    sources: dict[str, Path], tmp_path: Path
) -> None:
    """The draft + rotate-late + cascade shortcuts cost next to nothing in quality.

    Both pipelines end in the same JPEG encoder; each is scored against the exact reference
    (full decode, rotate, one LANCZOS step, no encode), so only the shortcuts differ.
    """
    widths = (1600, 960, 480)
    encoder = EncoderSettings(sharpen=False)
    spec = RenditionSpec(widths=widths, formats=("jpeg",), encoder=encoder)
    files = render_photo(sources["12mp_o3"], 3, tmp_path, "q", spec, EmbeddedMetadata())
    with Image.open(sources["12mp_o3"]) as original:
        original.load()
        converted = ImageCms.profileToProfile(
            original,
            ImageCms.ImageCmsProfile(io.BytesIO(original.info["icc_profile"])),
            ImageCms.createProfile("sRGB"),
            renderingIntent=ImageCms.Intent.PERCEPTUAL,
            outputMode="RGB",
        )
    assert converted is not None
    full = converted.transpose(Image.Transpose.ROTATE_180)
    for item in files:
        exact = full.resize((item.width, item.height), Image.Resampling.LANCZOS)
        plain = io.BytesIO()
        exact.save(plain, "JPEG", quality=encoder.jpeg_quality, subsampling=2)
        baseline = psnr(decode_bytes(plain.getvalue()), exact)
        ours = psnr(decode(tmp_path / item.path), exact)
        assert ours > baseline - 0.5, (item.path, ours, baseline)


def decode_bytes(data: bytes) -> Image.Image:
    with Image.open(io.BytesIO(data)) as image:
        return image.convert("RGB")


def test_sharpening_is_light(sources: dict[str, Path], tmp_path: Path) -> None:
    soft = RenditionSpec(widths=(960,), encoder=EncoderSettings(sharpen=False, jpeg_quality=95))
    crisp = RenditionSpec(widths=(960,), encoder=EncoderSettings(sharpen=True, jpeg_quality=95))
    a = render_photo(sources["12mp_o3"], 3, tmp_path, "soft", soft, META)[0]
    b = render_photo(sources["12mp_o3"], 3, tmp_path, "crisp", crisp, META)[0]
    difference = psnr(decode(tmp_path / a.path), decode(tmp_path / b.path))
    assert 30 < difference < 60


def test_alpha_is_flattened_on_white(sources: dict[str, Path], tmp_path: Path) -> None:
    spec = RenditionSpec(widths=(400,), formats=("jpeg", "webp", "avif"))
    for item in render_photo(sources["png_alpha"], 1, tmp_path, "t", spec, META):
        image = decode(tmp_path / item.path)
        assert image.size == (400, 300)
        assert _close(mean_rgb(image, (0.0, 0.0, 0.1, 0.1)), (255, 255, 255), 3), item.path
        assert _close(mean_rgb(image, CENTRE), (200, 0, 0), 6), item.path


def test_16_bit_sources_become_8_bit_without_clipping(
    sources: dict[str, Path], tmp_path: Path
) -> None:
    grey = render_photo(sources["png16"], 1, tmp_path, "g", RenditionSpec(widths=(320,)), META)
    image = decode(tmp_path / grey[0].path)
    left = mean_rgb(image, (0.02, 0.4, 0.08, 0.6))
    right = mean_rgb(image, (0.92, 0.4, 0.98, 0.6))
    assert max(left) < 30 and min(right) > 225  # a ramp, not a white (clipped) image
    rgb = render_photo(sources["png16rgb"], 1, tmp_path, "r", RenditionSpec(widths=(160,)), META)
    assert _close(mean_rgb(decode(tmp_path / rgb[0].path), CENTRE), (30, 140, 220), 3)


def test_heic_decodes_through_pillow_heif(sources: dict[str, Path], tmp_path: Path) -> None:
    spec = RenditionSpec(widths=(320,), formats=("jpeg", "avif"))
    files = render_photo(sources["heic"], 6, tmp_path, "i", spec, META)  # EXIF value ignored
    assert [(f.path, f.width, f.height) for f in files] == [
        ("i-320.jpg", 320, 240),
        ("i-320.avif", 320, 240),
    ]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("empty.jpg", b""),
        ("garbage.jpg", b"\xff\xd8\xff\xe0 this is not a JPEG at all" * 20),
        ("text.png", b"hello"),
        ("truncated.jpg", None),
    ],
)
def test_undecodable_sources_raise_image_unreadable_and_leave_nothing(
    tmp_path: Path, name: str, content: bytes | None
) -> None:
    source = tmp_path / name
    if content is None:
        whole = io.BytesIO()
        textured((1200, 800)).save(whole, "JPEG", quality=90)
        content = whole.getvalue()[: len(whole.getvalue()) // 2]
    source.write_bytes(content)
    out = tmp_path / "out"
    with pytest.raises(ImageUnreadable):
        render_photo(source, 1, out, "x", RenditionSpec(widths=(480,)), META)
    assert not out.exists() or listing(out) == []


def test_an_interrupted_write_leaves_no_file_behind(
    sources: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = iter(range(100))
    real_replace = os.replace

    def replace_then_cancel(src: str, dst: str) -> None:
        if next(calls) == 1:  # the second file: as if the user pressed Cancel mid-write
            raise KeyboardInterrupt
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace_then_cancel)  # what atomic_write_bytes calls
    spec = RenditionSpec(widths=(480, 240), formats=("jpeg",))
    with pytest.raises(KeyboardInterrupt):
        render_photo(sources["png_alpha"], 1, tmp_path, "z", spec, META)
    assert listing(tmp_path) == ["z-480.jpg"]  # complete, under its final name; no temp file


def test_rerender_replaces_files_and_leaves_no_temporaries(
    sources: dict[str, Path], tmp_path: Path
) -> None:
    spec = RenditionSpec(widths=(480,), formats=("jpeg", "webp"), crop_square=128)
    first = render_photo(sources["png_alpha"], 1, tmp_path, "r", spec, META)
    again = render_photo(sources["png_alpha"], 1, tmp_path, "r", spec, META)
    assert [f.sha256 for f in first] == [f.sha256 for f in again]  # deterministic
    assert listing(tmp_path) == ["r-480.jpg", "r-480.webp", "r-sq128.jpg"]


@pytest.mark.parametrize(
    "spec",
    [
        RenditionSpec(widths=(480,), formats=("png",)),
        RenditionSpec(widths=(), formats=("jpeg",)),
        RenditionSpec(widths=(0,), formats=("jpeg",)),
    ],
)
def test_invalid_specs_are_refused(
    sources: dict[str, Path], tmp_path: Path, spec: RenditionSpec
) -> None:
    with pytest.raises(ValueError):
        render_photo(sources["png_alpha"], 1, tmp_path, "x", spec, META)


@pytest.mark.parametrize("basename", ["", "..", "a/b", "../x"])
def test_basenames_cannot_escape_the_folder(
    sources: dict[str, Path], tmp_path: Path, basename: str
) -> None:
    with pytest.raises(ValueError):
        render_photo(sources["png_alpha"], 1, tmp_path, basename, RenditionSpec((480,)), META)
