"""A catalog of 20,000 photos: how fast a big event opens and lists.

``build PROJECT --count N`` creates a project and inserts N synthetic photo rows through the
catalog API (``photos.insert_photo``, one transaction), shaped like a large multi-day event:
several camera bodies and phones, ratings, hierarchical keywords, people, captions on about
half. ``measure PROJECT`` then runs in a fresh process (nothing cached in Python) and times:

* opening the project for writing and reading its summary (``open_project`` + ``info()``,
  what the app does when a project is opened);
* ``list_photos`` (the rows ``gallery-app photos`` prints) for all photos and for a few
  filters: camera, rating ≥ 3, keyword (with its children), caption missing; and
  ``list_photo_ids`` (what a grid asks for) for the same queries.

Each query's first (cold) call and the median of ``--repeat`` further calls are reported,
with the resident memory after opening and after listing everything. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks._util import emit, median, proc_status_mib

CAMERAS = (
    ("Canon", "Canon EOS R6m2", "032021004711"),
    ("Canon", "Canon EOS R5", "012345678901"),
    ("NIKON CORPORATION", "NIKON Z 6_2", "6012345"),
    ("NIKON CORPORATION", "NIKON Z 9", "3001234"),
    ("OM Digital Solutions", "OM-1", "BHXA01234"),
    ("SONY", "ILCE-7M4", "5051234"),
    ("Apple", "iPhone 15 Pro", None),
    ("Apple", "iPhone 13", None),
    ("Google", "Pixel 8", None),
)
SESSIONS = ("Keynote", "Panel", "Workshop", "Lightning talks", "Fireside chat", "Awards")
PLACES = ("Main Hall", "Room Spree", "Room Havel", "Foyer", "Roof Terrace", "Courtyard")
TOPICS = tuple(f"Topics|Track {t}|Talk {n}" for t in "ABCDEFGH" for n in range(1, 16))
FLAT = ("conference", "audience", "speaker", "stage", "networking", "coffee", "badge", "slides")
GIVEN = [
    "Zoë",
    "Ana",
    "Aoife",
    "Łukasz",
    "Chloé",
    "Mehmet",
    "José",
    "Björn",
    "Priya",
    "Kwame",
    "Lan",
    "Sofia",
    "Jonas",
    "Amara",
    "Kenji",
    "Ingrid",
    "Tomás",
    "Nadia",
    "Oskar",
    "Leila",
]
FAMILY = [
    "Müller",
    "Núñez",
    "Ní Bhriain",
    "Wróbel",
    "Dubois",
    "Yılmaz",
    "Conceição",
    "Ångström",
    "Raghunathan",
    "Mensah",
    "Dương",
    "Rossi",
    "Berg",
    "Okafor",
    "Sato",
    "Larsen",
    "García",
    "Haddad",
    "Nowak",
    "Karimi",
]


def _people() -> list[str]:
    return [f"{g} {f}" for g in GIVEN for f in FAMILY]  # 400 names


def build(project_dir: Path, count: int, seed: int = 1) -> dict[str, Any]:
    from gallery_app.core.catalog import photos
    from gallery_app.core.catalog.database import transaction
    from gallery_app.core.model import PhotoMetadata
    from gallery_app.core.project import ProjectDefaults, create_project

    rng = random.Random(seed)
    people = _people()
    started = time.perf_counter()
    project = create_project(
        project_dir,
        ProjectDefaults(
            event_name="Catalog benchmark 2026",
            event_date="2026-05-01",
            venue="Kulturhaus Mitte, Berlin",
            creator="Zoë Müller",
            credit="Zoë Müller / Catalog benchmark",
            copyright="© 2026 Zoë Müller",
        ),
    )
    moment = datetime.fromisoformat("2026-05-01T08:30:00")
    try:
        with transaction(project.conn) as conn:
            for i in range(count):
                make, model, serial = CAMERAS[rng.randrange(len(CAMERAS))]
                moment += timedelta(seconds=rng.uniform(0.5, 25))
                if moment.hour >= 22:
                    moment = moment.replace(hour=8, minute=30) + timedelta(days=1)
                session = rng.choice(SESSIONS)
                keywords = [
                    f"Sessions|{session}",
                    f"Places|{rng.choice(PLACES)}",
                    rng.choice(TOPICS),
                    *rng.sample(FLAT, rng.randint(1, 4)),
                ]
                shown = rng.sample(people, rng.choice((0, 0, 1, 1, 2, 3)))
                captioned = rng.random() < 0.55
                portrait = rng.random() < 0.3
                meta = PhotoMetadata(
                    captured_at=moment.isoformat(timespec="milliseconds")[:-1] + "+02:00",
                    captured_at_source="exif",
                    camera_make=make,
                    camera_model=model,
                    body_serial=serial,
                    lens="RF24-70mm F2.8 L IS USM",
                    exposure_time=rng.choice(("1/60", "1/125", "1/250")),
                    f_number=rng.choice((1.8, 2.8, 4.0)),
                    iso=rng.choice((400, 1600, 3200, 6400)),
                    focal_length=rng.choice((24.0, 35.0, 50.0, 70.0)),
                    orientation=6 if portrait else 1,
                    gps_latitude=52.52 if make == "Apple" else None,
                    gps_longitude=13.40 if make == "Apple" else None,
                    caption=(
                        f"{', '.join(shown) or 'Attendees'} at the {session.lower()} (photo {i})."
                        if captioned
                        else None
                    ),
                    title=session if captioned and rng.random() < 0.5 else None,
                    alt_text=f"People at the {session.lower()}." if captioned else None,
                    creator="Zoë Müller",
                    credit="Zoë Müller / Catalog benchmark",
                    copyright="© 2026 Zoë Müller",
                    rating=rng.choice((0, 0, 0, 1, 2, 3, 3, 4, 5)),
                    keywords=keywords,
                    people=shown,
                )
                digest = hashlib.sha256(f"{seed}:{i}".encode()).hexdigest()
                name = f"{moment:%Y%m%d-%H%M%S}-{i:05d}.jpg"
                photos.insert_photo(
                    conn,
                    photos.NewPhoto(
                        content_hash=digest,
                        path=f"originals/{moment:%Y-%m-%d}/{name}",
                        storage="copy",
                        original_name=f"IMG_{i % 10000:04d}.JPG",
                        source_path=f"/media/card/DCIM/{100 + i // 1000}CANON/IMG_{i:05d}.JPG",
                        file_size=rng.randint(5_000_000, 10_000_000),
                        file_mtime_ns=1_777_000_000_000_000_000 + i,
                        format="JPEG",
                        width=4000 if portrait else 6000,
                        height=6000 if portrait else 4000,
                        captured_at=meta.captured_at,
                        captured_at_source="exif",
                        metadata=meta,
                        imported_at="2026-05-02T09:00:00+02:00",
                    ),
                )
    finally:
        project.close()
    seconds = time.perf_counter() - started
    return {
        "photos": count,
        "build_s": round(seconds, 3),
        "catalog_mib": round((project_dir / "catalog.sqlite").stat().st_size / 2**20, 1),
    }


QUERIES: dict[str, dict[str, Any]] = {
    "all": {},
    "camera": {"camera": "Nikon"},
    "rating>=3": {"min_rating": 3},
    "keyword": {"keyword": "Sessions|Panel"},
    "caption missing": {"has_caption": False},
}


def measure(project_dir: Path, repeat: int) -> dict[str, Any]:
    before_import = proc_status_mib()
    t0 = time.perf_counter()
    from gallery_app.core.catalog import photos
    from gallery_app.core.project import open_project

    import_s = time.perf_counter() - t0
    baseline_rss = proc_status_mib()
    t0 = time.perf_counter()
    project = open_project(project_dir, write=True)
    info = project.info()
    open_s = time.perf_counter() - t0
    after_open = proc_status_mib()
    result: dict[str, Any] = {
        "photos": info["photos"],
        "import_modules_s": round(import_s, 4),
        "open_s": round(open_s, 4),
        "rss_start_mib": before_import.get("VmRSS"),
        "rss_after_imports_mib": baseline_rss.get("VmRSS"),
        "rss_after_open_mib": after_open.get("VmRSS"),
        "queries": {},
    }
    try:
        for label, kwargs in QUERIES.items():
            row: dict[str, Any] = {}
            for fn_name, fn in (
                ("list_photos", photos.list_photos),
                ("ids", photos.list_photo_ids),
            ):
                times = []
                rows = 0
                for _ in range(repeat + 1):
                    t0 = time.perf_counter()
                    found = fn(project.conn, photos.PhotoQuery(**kwargs))
                    times.append(time.perf_counter() - t0)
                    rows = len(found)
                    del found
                row[fn_name] = {
                    "rows": rows,
                    "first_s": round(times[0], 4),
                    "median_s": round(median(times[1:]), 4),
                }
            if row["list_photos"]["rows"] == 0:
                raise SystemExit(f"catalog benchmark: query {label!r} found no photos")
            result["queries"][label] = row
        keep = photos.list_photos(project.conn, photos.PhotoQuery())
        result["rss_holding_all_rows_mib"] = proc_status_mib().get("VmRSS")
        del keep
    finally:
        project.close()
    result["peak_rss_mib"] = proc_status_mib().get("VmHWM")
    return result


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build")
    b.add_argument("project", type=Path)
    b.add_argument("--count", type=int, default=20_000)
    m = sub.add_parser("measure")
    m.add_argument("project", type=Path)
    m.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    if args.command == "build":
        emit(build(args.project, args.count))
    else:
        emit(measure(args.project, args.repeat))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
