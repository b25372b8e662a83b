"""Import the real camera corpus and hold the result against exiftool's reading of each file,
then import a few hundred bit-flipped variants of it: nothing may crash, hang or be half-done."""

from __future__ import annotations

import json
import random
import subprocess
from pathlib import Path
from typing import Any

import pytest

from gallery_app.core.catalog import photos
from gallery_app.core.importing.importer import import_sources
from gallery_app.core.project import Project
from gallery_app.core.thumbnails import GRID_SIZE, thumbnail_path
from tests.helpers import tree_hashes

pytestmark = pytest.mark.corpus

PHOTO_SUFFIXES = {".jpg", ".jpeg", ".heic", ".heif", ".avif", ".png", ".tif", ".tiff", ".webp"}


def _exiftool(exiftool: str, paths: list[Path]) -> dict[str, dict[str, Any]]:
    result = subprocess.run(
        [exiftool, "-j", "-n", "-a", "-G1", "-q", "-q", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    return {Path(entry["SourceFile"]).name: entry for entry in json.loads(result.stdout or "[]")}


def _first(entry: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        if entry.get(key) not in (None, ""):
            return entry[key]
    return None


def test_whole_corpus_imports_and_agrees_with_exiftool(
    project: Project, corpus_dir: Path, exiftool: str
) -> None:
    files = sorted(p for p in corpus_dir.rglob("*") if p.suffix.lower() in PHOTO_SUFFIXES)
    assert len(files) >= 60
    before = tree_hashes(corpus_dir)
    summary = import_sources(project, [corpus_dir], workers=2)
    assert tree_hashes(corpus_dir) == before

    failed = {Path(f["path"]).name: f["error"] for f in summary.failed}
    for name, reason in failed.items():
        assert reason and "\n" not in reason, name
        assert "invalid" in str(next(p for p in files if p.name == name)), (
            f"a valid camera file failed: {name}: {reason}"
        )
    rows = photos.list_photos(project.conn)
    assert len(rows) + len(failed) + summary.duplicates == len(files)
    assert len(rows) >= 55

    oracle = _exiftool(exiftool, files)
    checked_time = checked_gps = checked_camera = 0
    for row in rows:
        record = photos.get_photo(project.conn, row["id"])
        name = record["original_name"]
        truth = oracle[name]
        assert thumbnail_path(project.cache_dir, record["content_hash"], GRID_SIZE).is_file()

        make = _first(truth, "IFD0:Make")
        model = _first(truth, "IFD0:Model")
        if make is not None:
            assert record["camera_make"] == str(make).strip(), name
            checked_camera += 1
        if model is not None:
            assert record["camera_model"] == str(model).strip(), name

        original = _first(truth, "ExifIFD:DateTimeOriginal")
        if isinstance(original, str) and original[:4].isdigit() and original[:4] != "0000":
            expected = original[:19].replace(":", "-", 2).replace(" ", "T")
            assert record["captured_at"][:19] == expected, name
            assert record["captured_at_source"] == "exif", name
            checked_time += 1

        lat = _first(truth, "Composite:GPSLatitude")
        lon = _first(truth, "Composite:GPSLongitude")
        if isinstance(lat, float) and isinstance(lon, float) and (lat or lon):
            assert record["gps_latitude"] == pytest.approx(lat, abs=1e-5), name
            assert record["gps_longitude"] == pytest.approx(lon, abs=1e-5), name
            checked_gps += 1

        width = _first(truth, "File:ImageWidth", "PNG:ImageWidth")
        height = _first(truth, "File:ImageHeight", "PNG:ImageHeight")
        orientation = _first(truth, "IFD0:Orientation") or 1
        if record["format"] == "jpeg" and width and height:
            if orientation in (5, 6, 7, 8):
                width, height = height, width
            assert (record["width"], record["height"]) == (width, height), name
    assert checked_time >= 28 and checked_gps >= 9 and checked_camera >= 28

    # Every file of the orientation set shows the same upright scene size.
    sizes = {(r["width"], r["height"]) for r in rows if r["original_name"].startswith("landscape_")}
    assert len(sizes) == 1 and next(iter(sizes))[0] > next(iter(sizes))[1]


def _flip_bits(data: bytes, rng: random.Random, flips: int) -> bytes:
    mutable = bytearray(data)
    # Most flips land in the metadata at the front, where parsers are most fragile.
    for _ in range(flips):
        if rng.random() < 0.8:
            position = rng.randrange(2, min(len(mutable), 4096))
        else:
            position = rng.randrange(2, len(mutable))
        mutable[position] ^= 1 << rng.randrange(8)
    return bytes(mutable)


@pytest.mark.slow
def test_bit_flipped_corpus_never_stops_the_batch(
    project: Project, corpus_dir: Path, tmp_path: Path
) -> None:
    rng = random.Random(20261124)
    seeds = sorted((corpus_dir / "jpg").glob("*.jpg")) + sorted(
        (corpus_dir / "jpg" / "gps").glob("*.jpg")
    )
    fuzzed = tmp_path / "fuzzed"
    fuzzed.mkdir()
    count = 0
    for round_ in range(6):
        for seed in seeds:
            data = _flip_bits(seed.read_bytes(), rng, flips=rng.randrange(1, 12))
            (fuzzed / f"{round_}-{seed.name}").write_bytes(data)
            count += 1
    summary = import_sources(project, [fuzzed], workers=2)
    accounted = len(summary.imported) + len(summary.failed) + summary.duplicates
    assert accounted == count
    for failure in summary.failed:
        assert failure["error"] and "\n" not in failure["error"]
        assert not failure["error"].startswith("could not be read: Traceback")
    for row in project.conn.execute("SELECT path, content_hash FROM photos"):
        assert project.resolve(row["path"]).is_file()
        assert thumbnail_path(project.cache_dir, row["content_hash"], GRID_SIZE).is_file()
