"""Import end to end, with real files, real worker processes and a real catalog."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from gallery_app.core.catalog import photos
from gallery_app.core.importing.importer import STAGING_DIR, import_sources, recover_staging
from gallery_app.core.progress import CancelToken, ProgressEvent
from gallery_app.core.project import Project, open_project
from gallery_app.core.thumbnails import GRID_SIZE, thumbnail_path
from tests.helpers import make_jpeg, sha256, tree_hashes


def _assert_consistent(project: Project) -> None:
    """Every row points at a file whose bytes are the row's hash; nothing is staged."""
    for row in project.conn.execute("SELECT path, content_hash FROM photos"):
        path = project.resolve(row["path"])
        assert path.is_file(), f"{row['path']} is in the catalog but not on disk"
        assert sha256(path) == row["content_hash"]
        assert thumbnail_path(project.cache_dir, row["content_hash"], GRID_SIZE).is_file()
    staging = project.originals_dir / STAGING_DIR
    assert not staging.exists() or not any(staging.iterdir())
    on_disk = {
        p.relative_to(project.root).as_posix()
        for p in project.originals_dir.iterdir()
        if p.is_file()
    }
    in_catalog = {
        r[0] for r in project.conn.execute("SELECT path FROM photos WHERE storage = 'copy'")
    }
    assert on_disk == in_catalog


def test_import_copies_byte_identical_and_reads_metadata(
    project: Project, photo_folder: Path
) -> None:
    before = tree_hashes(photo_folder)
    events: list[ProgressEvent] = []
    summary = import_sources(project, [photo_folder], progress=events.append, workers=2)

    assert len(summary.imported) == 6
    assert summary.failed == [] and summary.duplicates == 0
    assert tree_hashes(photo_folder) == before  # sources untouched
    copies = {sha256(p) for p in project.originals_dir.iterdir() if p.is_file()}
    assert copies == set(before.values())  # copies byte-identical
    _assert_consistent(project)

    rows = {r["original_name"]: r for r in photos.list_photos(project.conn)}
    rotated = rows["DSC_0002.JPG"]
    assert (rotated["width"], rotated["height"]) == (427, 640)  # as displayed
    assert rows["DSC_0003.JPG"]["has_gps"] is True
    assert rows["DSC_0004.JPG"]["caption"] == "Panel on open data in Leeds"
    assert rows["DSC_0001.JPG"]["camera"] == "NIKON D750"
    assert rows["DSC_0000.JPG"]["captured_at"] == "2026-05-14T10:00:00"
    assert rows["DSC_0000.JPG"]["filename"] == "20260514-100000-0001.jpg"
    thumb = thumbnail_path(project.cache_dir, sha256(photo_folder / "DSC_0002.JPG"), GRID_SIZE)
    with Image.open(thumb) as image:
        assert image.size[1] == GRID_SIZE and image.size[0] < image.size[1]  # upright portrait

    kinds = [e.kind for e in events]
    assert kinds.count("photo_added") == 6 and kinds.count("thumbnail_ready") == 6
    # Photos reach the grid before the last thumbnail is done.
    assert kinds.index("photo_added") < kinds.index("thumbnail_ready")


def test_running_the_same_import_again_adds_nothing(project: Project, photo_folder: Path) -> None:
    import_sources(project, [photo_folder], workers=2)
    again = import_sources(project, [photo_folder], workers=2)
    assert again.imported == [] and again.duplicates == 6 and again.failed == []
    # The same content under another name or folder is a duplicate too.
    other = photo_folder.parent / "other-card"
    other.mkdir()
    shutil.copy(photo_folder / "DSC_0001.JPG", other / "copy-of-1.jpg")
    shutil.copy(photo_folder / "DSC_0001.JPG", other / "second-copy.jpg")
    third = import_sources(project, [other], workers=2)
    assert third.imported == [] and third.duplicates == 2
    assert project.conn.execute("SELECT count(*) FROM photos").fetchone()[0] == 6
    _assert_consistent(project)


def test_reference_mode_leaves_files_in_place(project: Project, photo_folder: Path) -> None:
    summary = import_sources(project, [photo_folder], reference=True, workers=2)
    assert len(summary.imported) == 6
    assert not any(p.is_file() for p in project.originals_dir.iterdir())
    record = photos.get_photo(project.conn, summary.imported[0])
    assert record["storage"] == "reference"
    assert Path(record["path"]).parent == photo_folder


def test_rename_template(project: Project, photo_folder: Path) -> None:
    summary = import_sources(
        project, [photo_folder / "DSC_0001.JPG"], rename_template="{event}_{original}_{seq:03d}"
    )
    record = photos.get_photo(project.conn, summary.imported[0])
    assert record["filename"] == "Open-Data-Summit-2026_DSC_0001_001.jpg"
    assert record["original_name"] == "DSC_0001.JPG"


def test_bad_files_are_reported_and_the_rest_imported(project: Project, tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    good = [make_jpeg(folder / f"good{i}.jpg", seed=i) for i in range(3)]
    (folder / "empty.jpg").write_bytes(b"")
    (folder / "notes.jpg").write_text("this is a text file, not a photo")
    full = make_jpeg(tmp_path / "full.jpg", seed=99).read_bytes()
    (folder / "truncated.jpg").write_bytes(full[: len(full) // 3])
    Image.new("RGB", (64, 48), "red").save(folder / "really-a-png.jpg", "PNG")
    (folder / "readme.txt").write_text("hello")
    (folder / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    summary = import_sources(project, [folder, tmp_path / "missing-folder"], workers=2)

    failed = {Path(f["path"]).name: f["error"] for f in summary.failed}
    assert set(failed) == {"empty.jpg", "notes.jpg", "truncated.jpg", "missing-folder"}
    assert "empty" in failed["empty.jpg"]
    assert "not an image" in failed["notes.jpg"]
    assert "truncated" in failed["truncated.jpg"].lower() or "damaged" in failed["truncated.jpg"]
    assert "does not exist" in failed["missing-folder"]
    assert len(summary.imported) == 4  # three good JPEGs and the PNG
    assert summary.skipped == 2
    png_note = [w for w in summary.warnings if w["path"].endswith("really-a-png.jpg")]
    assert png_note and "PNG" in png_note[0]["warning"]
    names = {r["original_name"]: r["filename"] for r in photos.list_photos(project.conn)}
    assert names["really-a-png.jpg"].endswith(".png")
    assert all(p.exists() for p in good)
    _assert_consistent(project)


def test_unreadable_files_and_folders_are_reported(tmp_path: Path) -> None:
    """Root reads everything, so as root the CLI runs without the capabilities that let it
    ignore file permissions (util-linux ``setpriv``), exactly like an ordinary user."""
    folder = tmp_path / "card"
    make_jpeg(folder / "ok.jpg")
    make_jpeg(folder / "locked.jpg", seed=1)
    make_jpeg(folder / "private" / "inner.jpg", seed=2)
    (folder / "locked.jpg").chmod(0)
    (folder / "private").chmod(0)
    project = tmp_path / "proj"
    prefix: list[str] = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        assert setpriv, "setpriv (util-linux) is needed to test permissions as root"
        prefix = [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--"]
    try:
        for args in (["init", str(project), "--event", "E"], ["import", str(project), str(folder)]):
            result = subprocess.run(
                [*prefix, sys.executable, "-m", "gallery_app", *args, "--json"],
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert result.returncode == 0, result.stderr
    finally:
        (folder / "private").chmod(0o755)
    summary = json.loads(result.stdout)
    failed = {Path(f["path"]).name: f["error"] for f in summary["failed"]}
    assert summary["imported"] == 1
    assert "Permission denied" in failed["locked.jpg"]
    assert "folder cannot be read" in failed["private"]


def test_cancelled_import_is_consistent_and_resumes(project: Project, tmp_path: Path) -> None:
    folder = tmp_path / "many"
    for i in range(24):
        make_jpeg(folder / f"IMG_{i:03d}.jpg", seed=i, size=(1200, 800))
    cancel = CancelToken()

    def stop_after_three(event: ProgressEvent) -> None:
        if event.kind == "photo_added" and event.done >= 3:
            cancel.cancel()

    first = import_sources(project, [folder], progress=stop_after_three, cancel=cancel, workers=2)
    assert first.cancelled
    assert 3 <= len(first.imported) < 24
    rows = project.conn.execute("SELECT count(*) FROM photos").fetchone()[0]
    assert rows == len(first.imported)
    staging = project.originals_dir / STAGING_DIR
    assert not any(staging.iterdir())
    second = import_sources(project, [folder], workers=2)
    assert not second.cancelled
    assert len(first.imported) + len(second.imported) == 24
    _assert_consistent(project)


@pytest.mark.slow
def test_killed_import_leaves_a_consistent_catalog(project: Project, tmp_path: Path) -> None:
    folder = tmp_path / "card"
    for i in range(40):
        make_jpeg(folder / f"IMG_{i:03d}.jpg", seed=i, size=(2400, 1600), quality=92)
    root = project.root
    project.close()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gallery_app", "import", str(root), str(folder), "--json"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    catalog = root / "catalog.sqlite"
    deadline = time.monotonic() + 60
    committed = 0
    while time.monotonic() < deadline and committed < 5:
        time.sleep(0.05)
        if catalog.exists():
            with sqlite3.connect(f"{catalog.as_uri()}?mode=ro", uri=True) as conn:
                try:
                    committed = conn.execute("SELECT count(*) FROM photos").fetchone()[0]
                except sqlite3.OperationalError:
                    committed = 0
    assert proc.poll() is None, "the import finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)  # the importer and its workers, mid-flight
    proc.wait()

    with open_project(root) as reopened:
        # Straight after the kill: rows that exist are whole (their files may still be staged).
        killed_rows = reopened.conn.execute("SELECT count(*) FROM photos").fetchone()[0]
        assert 5 <= killed_rows < 40
        summary = import_sources(reopened, [folder], workers=2)
        assert summary.failed == []
        total = reopened.conn.execute("SELECT count(*) FROM photos").fetchone()[0]
        assert total == 40
        _assert_consistent(reopened)


def test_recovery_finishes_a_move_cut_short_and_discards_stray_copies(
    project: Project, photo_folder: Path
) -> None:
    summary = import_sources(project, [photo_folder / "DSC_0000.JPG"])
    record = photos.get_photo(project.conn, summary.imported[0])
    final = project.resolve(record["path"])
    staging = project.originals_dir / STAGING_DIR
    # As if the process died after committing the row but before moving the file into place,
    # and while another copy was half-written.
    os.replace(final, staging / record["content_hash"])
    (staging / "0123abcd.part").write_bytes(b"half a photo")
    (staging / ("f" * 64)).write_bytes(b"a whole copy whose row never committed")
    assert recover_staging(project) == 1
    assert sha256(final) == record["content_hash"]
    assert list(staging.iterdir()) == []


def test_missing_thumbnails_are_made_again_by_the_next_import(
    project: Project, photo_folder: Path
) -> None:
    summary = import_sources(project, [photo_folder], workers=2)
    content_hash = photos.get_photo(project.conn, summary.imported[0])["content_hash"]
    thumb = thumbnail_path(project.cache_dir, content_hash, GRID_SIZE)
    thumb.unlink()
    again = import_sources(project, [photo_folder], workers=2)
    assert again.imported == [] and again.thumbnails == 1
    assert thumb.is_file()


def test_same_content_twice_in_a_batch_gets_two_staged_copies(tmp_path: Path) -> None:
    """Two workers staging identical files must not share a name: the first one moved into
    place would take the second worker's copy away while it still reads it."""
    from gallery_app.core.importing import worker

    source = make_jpeg(tmp_path / "a.jpg", seed=3)
    staging = tmp_path / "staging"
    staging.mkdir()
    hash_a, staged_a = worker._hash_and_stage(source, staging)
    hash_b, staged_b = worker._hash_and_stage(source, staging)
    assert hash_a == hash_b
    assert staged_a is not None and staged_b is not None
    assert staged_a != staged_b and staged_a.exists() and staged_b.exists()


def test_recovery_reads_the_hash_of_a_uniquely_named_staged_copy(
    project: Project, photo_folder: Path
) -> None:
    summary = import_sources(project, [photo_folder / "DSC_0000.JPG"])
    record = photos.get_photo(project.conn, summary.imported[0])
    final = project.resolve(record["path"])
    staging = project.originals_dir / STAGING_DIR
    os.replace(final, staging / f"{record['content_hash']}-{'0' * 32}")
    assert recover_staging(project) == 1
    assert sha256(final) == record["content_hash"]
