"""The sample photo generator: deterministic, and its metadata is what exiftool reads.

exiftool is the independent oracle here: our own metadata reader uses exiv2, so checking the
generator with it would let one engine's misreading hide another's miswriting.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from PIL import ExifTags, Image, ImageChops, ImageOps, ImageStat

from gallery_app.core import samples

SMALL = (480, 320)

needs_exiftool = pytest.mark.skipif(
    shutil.which("exiftool") is None, reason="exiftool is the oracle (apt install exiftool)"
)


def _digests(paths: list[Path]) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


def _exiftool(paths: list[Path]) -> dict[str, dict[str, Any]]:
    out = subprocess.run(
        ["exiftool", "-json", "-G1", "-a", "-n", "-struct", *map(str, paths)],
        check=True,
        capture_output=True,
    ).stdout
    return {Path(r["SourceFile"]).name: r for r in json.loads(out)}


@pytest.fixture(scope="module")
def small_set(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return samples.make_sample_photos(
        tmp_path_factory.mktemp("samples"), 10, seed=3, size=SMALL, quality=85
    )


def test_same_arguments_give_identical_bytes(tmp_path: Path, small_set: list[Path]) -> None:
    again = samples.make_sample_photos(tmp_path / "again", 10, seed=3, size=SMALL, quality=85)
    assert [p.name for p in again] == [p.name for p in small_set]
    assert _digests(again) == _digests(small_set)


def test_other_seed_gives_other_photos(tmp_path: Path, small_set: list[Path]) -> None:
    other = samples.make_sample_photos(tmp_path, 3, seed=4, size=SMALL, quality=85)
    assert set(_digests(other).values()).isdisjoint(_digests(small_set[:3]).values())


def test_without_metadata_there_is_no_xmp(tmp_path: Path) -> None:
    paths = samples.make_sample_photos(tmp_path, 4, size=SMALL, with_metadata=False)
    for p in paths:
        with Image.open(p) as im:
            assert "xmp" not in im.info


@needs_exiftool
def test_exiftool_reads_the_camera_exif(small_set: list[Path]) -> None:
    tags = _exiftool(small_set)
    orientations = []
    gps = 0
    models = set()
    times = []
    for path in small_set:
        t = tags[path.name]
        models.add((t["IFD0:Make"], t["IFD0:Model"]))
        assert t["ExifIFD:SerialNumber"]
        assert t["ExifIFD:OffsetTimeOriginal"] == "+02:00"
        assert len(str(t["ExifIFD:SubSecTimeOriginal"])) == 2
        assert str(t["ExifIFD:DateTimeOriginal"]).startswith("2026:05:01 ")
        times.append(t["Composite:SubSecDateTimeOriginal"])
        assert t["ExifIFD:ExposureTime"] > 0 and t["ExifIFD:FNumber"] > 0 and t["ExifIFD:ISO"]
        assert (t["File:ImageWidth"], t["File:ImageHeight"]) == SMALL  # stored as the sensor
        orientations.append(t["IFD0:Orientation"])
        if "GPS:GPSLatitude" in t:
            gps += 1
            assert abs(t["GPS:GPSLatitude"] - samples.DEMO_EVENT.latitude) < 0.01
            assert abs(t["GPS:GPSLongitude"] - samples.DEMO_EVENT.longitude) < 0.01
        assert t["IFD1:ThumbnailLength"] > 0
    assert len(models) == 3
    assert set(orientations) == {1, 3, 6, 8}
    assert orientations.count(1) >= 5
    assert 0 < gps < len(small_set)
    assert len(set(times)) == len(times)


@needs_exiftool
def test_embedded_thumbnail_is_a_160x120_jpeg_of_the_stored_pixels(small_set: list[Path]) -> None:
    for path in small_set[:4]:
        data = subprocess.run(
            ["exiftool", "-b", "-ThumbnailImage", str(path)], check=True, capture_output=True
        ).stdout
        with Image.open(io.BytesIO(data)) as thumb:
            assert thumb.format == "JPEG"
            assert thumb.size == (160, 120)


@needs_exiftool
def test_exiftool_reads_the_photographers_xmp(small_set: list[Path]) -> None:
    tags = _exiftool(small_set)
    with_xmp = [t for t in tags.values() if "XMP-dc:Description" in t]
    assert 0 < len(with_xmp) < len(small_set)
    people: set[str] = set()
    for t in with_xmp:
        assert t["XMP-dc:Creator"] == ["Zoë Müller"]
        assert t["XMP-photoshop:Credit"] == samples.DEMO_EVENT.credit
        assert t["XMP-dc:Rights"] == samples.DEMO_EVENT.copyright
        keywords = t["XMP-dc:Subject"]
        assert isinstance(keywords, list) and "conference" in keywords
        hierarchical = t["XMP-lr:HierarchicalSubject"]
        assert any(h.startswith(("Sessions|", "Breaks|", "Social|")) for h in hierarchical)
        assert 1 <= t["XMP-xmp:Rating"] <= 5
        persons = t.get("XMP-iptcExt:PersonInImage", [])
        people.update([persons] if isinstance(persons, str) else persons)
    assert any("Headline" in k for t in with_xmp for k in t)
    assert any("XMP-dc:Title" in t for t in with_xmp)
    assert any("XMP-iptcCore:AltTextAccessibility" in t for t in with_xmp)
    assert people and people <= set(samples.PEOPLE)
    assert any(not name.isascii() for name in people)


@needs_exiftool
def test_olympus_placeholder_description_is_written(small_set: list[Path]) -> None:
    tags = _exiftool(small_set)
    om = [t for t in tags.values() if t["IFD0:Model"] == "OM-1"]
    assert om and all(t["IFD0:ImageDescription"].strip() == "OLYMPUS DIGITAL CAMERA" for t in om)


def test_orientation_makes_the_pixels_upright(small_set: list[Path]) -> None:
    """exif_transpose of each file matches the upright scene, and beats any other rotation."""
    timeline = samples._timeline(10, 3, samples.DEMO_EVENT, samples.CAMERAS)
    for index, path in enumerate(small_set):
        with Image.open(path) as im:
            orientation = im.getexif().get(0x0112, 1)
            upright = ImageOps.exif_transpose(im).convert("RGB")
        scene_size = (SMALL[1], SMALL[0]) if orientation in (6, 8) else SMALL
        assert upright.size == scene_size
        expected = samples._render_scene(timeline[index][0].kind, scene_size, ("scene", 3, index))
        right = ImageStat.Stat(ImageChops.difference(upright, expected)).mean
        wrong = ImageStat.Stat(
            ImageChops.difference(upright.transpose(Image.Transpose.ROTATE_180), expected)
        ).mean
        assert sum(right) < 3 * 16, (path.name, right)
        assert sum(right) * 2 < sum(wrong), (path.name, right, wrong)


@needs_exiftool
def test_demo_event_has_both_folders_png_and_phone_photos(tmp_path: Path) -> None:
    paths = samples.make_demo_event(tmp_path, size=(600, 400))
    assert len(paths) == 24
    rel = [p.relative_to(tmp_path).as_posix() for p in paths]
    assert sum(r.startswith("photographer/") for r in rel) == 18
    assert sum(r.startswith("staff-phone/") for r in rel) == 6
    tags = _exiftool(paths)
    png = tags["panel-retouched.png"]
    assert png["XMP-dc:Description"] and png["ExifIFD:DateTimeOriginal"]
    phone = [tags[p.name] for p in paths if "staff-phone" in p.parts]
    for t in phone:
        assert t["IFD0:Make"] == "Apple"
        assert "XMP-dc:Description" not in t
        assert "GPS:GPSLatitude" in t
        assert str(t["ExifIFD:DateTimeOriginal"]).startswith("2026:05:01")
    if samples._heif_encoder_available():
        assert any(p.suffix == ".HEIC" for p in paths)
        heic = next(p for p in paths if p.suffix == ".HEIC")
        assert tags[heic.name]["File:FileType"] == "HEIC"
    assert {t["File:FileType"] for t in phone} <= {"HEIC", "JPEG"}


def test_benchmark_photo_is_24mp_and_5_to_10_mb(tmp_path: Path) -> None:
    path = samples.make_benchmark_photo(tmp_path / "b.jpg", 7)
    assert 5_000_000 <= path.stat().st_size <= 10_000_000
    with Image.open(path) as im:
        assert im.size == (6000, 4000)
        exif = im.getexif()
        assert exif.get(0x010F) in {c.make for c in samples.CAMERAS}
        assert exif.get_ifd(0x8769).get(0x9003, "").startswith("2026:05:01")
        thumb_ifd = exif.get_ifd(ExifTags.IFD.IFD1)
        assert thumb_ifd.get(0x0202, 0) > 1000  # JPEGInterchangeFormatLength
    again = samples.make_benchmark_photo(tmp_path / "c.jpg", 7)
    assert again.read_bytes() == path.read_bytes()
