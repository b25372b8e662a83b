"""The catalog file and the project folder: creation, versions, migrations, locking."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from gallery_app.core.catalog import photos
from gallery_app.core.catalog.database import (
    APPLICATION_ID,
    ID_CHUNK,
    connect,
    id_chunks,
    migrate,
    schema_version,
    transaction,
)
from gallery_app.core.catalog.migrations import MIGRATIONS, SCHEMA_VERSION
from gallery_app.core.errors import (
    CatalogCorrupt,
    CatalogTooNew,
    ProjectExists,
    ProjectInUse,
    ProjectNotFound,
    UserError,
)
from gallery_app.core.model import PhotoMetadata
from gallery_app.core.project import (
    CATALOG_NAME,
    Project,
    ProjectDefaults,
    create_project,
    open_project,
)


def _photo(n: int, **meta: object) -> photos.NewPhoto:
    return photos.NewPhoto(
        content_hash=f"{n:064x}",
        path=f"originals/p{n}.jpg",
        storage="copy",
        original_name=f"IMG_{n}.JPG",
        source_path=f"/card/IMG_{n}.JPG",
        file_size=1000 + n,
        file_mtime_ns=n,
        format="jpeg",
        width=600,
        height=400,
        captured_at=f"2026-05-14T10:00:{n:02d}",
        captured_at_source="exif",
        metadata=PhotoMetadata(**meta),  # type: ignore[arg-type]
        imported_at="2026-05-15T09:00:00+01:00",
    )


def test_new_project_has_folders_defaults_and_current_schema(project: Project) -> None:
    for sub in ("originals", "cache", "exports"):
        assert (project.root / sub).is_dir()
    info = project.info()
    assert info["event_name"] == "Open Data Summit 2026"
    assert info["event_date"] == "2026-05-14"
    assert info["creator"] == "Jo Photographer"
    assert info["schema_version"] == SCHEMA_VERSION
    conn = project.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID


def test_foreign_keys_are_enforced(project: Project) -> None:
    with pytest.raises(sqlite3.IntegrityError), transaction(project.conn) as conn:
        conn.execute("INSERT INTO photo_keywords VALUES (999, 999, 0)")


def test_a_failed_transaction_changes_nothing(project: Project) -> None:
    with pytest.raises(RuntimeError), transaction(project.conn) as conn:
        photos.insert_photo(conn, _photo(1, keywords=["A|B"], people=["Zoë"]))
        raise RuntimeError("boom")
    assert project.conn.execute("SELECT count(*) FROM photos").fetchone()[0] == 0
    assert project.conn.execute("SELECT count(*) FROM keywords").fetchone()[0] == 0


def test_a_commit_that_fails_leaves_no_transaction_open(project: Project) -> None:
    # A deferred foreign-key check fails at COMMIT, like a full disk would.
    with pytest.raises(sqlite3.IntegrityError), transaction(project.conn) as conn:
        conn.execute("PRAGMA defer_foreign_keys = ON")
        conn.execute("INSERT INTO photo_keywords VALUES (999, 999, 0)")
    assert not project.conn.in_transaction
    with transaction(project.conn) as conn:  # the connection is still usable
        photos.insert_photo(conn, _photo(1))
    assert project.conn.execute("SELECT count(*) FROM photo_keywords").fetchone()[0] == 0


def test_id_chunks_cover_every_id_once_within_the_variable_limit(project: Project) -> None:
    assert list(id_chunks([])) == []
    ids = list(range(1, 2 * ID_CHUNK + 2))  # two full blocks and one id over
    chunks = list(id_chunks(ids))
    assert [len(chunk) for chunk, _ in chunks] == [ID_CHUNK, ID_CHUNK, 1]
    assert [i for chunk, _ in chunks for i in chunk] == ids
    # Each block's placeholders bind exactly its ids in a real query.
    for chunk, marks in chunks:
        found = project.conn.execute(f"SELECT count(*) FROM (SELECT 1 WHERE 1 IN ({marks}))", chunk)
        assert found.fetchone()[0] == (1 in chunk)


def test_old_catalog_is_migrated_with_its_data(tmp_path: Path) -> None:
    root = tmp_path / "old"
    root.mkdir()
    conn = sqlite3.connect(root / CATALOG_NAME, isolation_level=None)
    migrate(conn, MIGRATIONS[:1])  # a catalog as version 1 of the app left it
    assert schema_version(conn) == 1
    with transaction(conn):
        # Written the way version 1 of the app wrote it, column by column.
        conn.execute(
            "INSERT INTO project (id, event_name, created_at) VALUES (1, 'Gala', '2025-01-01')"
        )
        for n, when in ((7, "2025-01-01T20:00:05"), (8, "2025-01-01T19:00:00")):
            conn.execute(
                "INSERT INTO photos (id, content_hash, path, storage, original_name, source_path,"
                " file_size, file_mtime_ns, format, width, height, captured_at,"
                " captured_at_source, caption, imported_at) VALUES"
                " (?, ?, ?, 'copy', 'a.jpg', '/card/a.jpg', 1, 1, 'jpeg', 60, 40, ?, 'exif',"
                " 'Kept', '2025-01-02')",
                (n, f"{n:064x}", f"originals/{n}.jpg", when),
            )
        conn.execute("INSERT INTO keywords (id, path) VALUES (1, 'Awards|Winners')")
        conn.execute("INSERT INTO photo_keywords VALUES (7, 1, 0)")
    conn.close()

    with open_project(root) as project:
        assert schema_version(project.conn) == SCHEMA_VERSION
        assert project.defaults().event_name == "Gala"
        rows = photos.list_photos(project.conn)
        assert [r["id"] for r in rows] == [8, 7]  # capture-time order, from the new sort key
        assert rows[1]["caption"] == "Kept"
        assert rows[1]["keywords"] == ["Awards|Winners"]
        tables = {r[0] for r in project.conn.execute("SELECT name FROM sqlite_master")}
        assert "camera_clocks" in tables


def test_old_catalog_opened_read_only_asks_for_an_upgrade(tmp_path: Path) -> None:
    root = tmp_path / "old"
    root.mkdir()
    conn = sqlite3.connect(root / CATALOG_NAME, isolation_level=None)
    migrate(conn, MIGRATIONS[:1])
    conn.close()
    with pytest.raises(UserError, match="older version"):
        open_project(root, write=False)


def test_catalog_from_a_newer_app_is_refused(project: Project) -> None:
    project.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    root = project.root
    project.close()
    with pytest.raises(CatalogTooNew, match="newer version"):
        open_project(root)


def test_other_files_are_not_taken_for_a_catalog(tmp_path: Path) -> None:
    root = tmp_path / "p"
    root.mkdir()
    (root / CATALOG_NAME).write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(CatalogCorrupt):
        open_project(root)
    other = sqlite3.connect(root / "x.sqlite")
    other.execute("CREATE TABLE t (x)")
    other.commit()
    other.close()
    shutil.copy(root / "x.sqlite", root / CATALOG_NAME)
    with pytest.raises(CatalogCorrupt, match="not a Gallery Curator catalog"):
        connect(root / CATALOG_NAME)


def test_missing_and_existing_folders_get_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ProjectNotFound, match="does not exist"):
        open_project(tmp_path / "nope")
    (tmp_path / "plain").mkdir()
    with pytest.raises(ProjectNotFound, match="not a Gallery Curator project"):
        open_project(tmp_path / "plain")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "notes.txt").write_text("mine")
    with pytest.raises(ProjectExists, match="not empty"):
        create_project(tmp_path / "full", ProjectDefaults(event_name="X"))
    with pytest.raises(UserError, match="needs a name"):
        ProjectDefaults(event_name="  ")


_HOLD_LOCK = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from gallery_app.core.project import open_project
    from gallery_app.core.catalog.database import transaction
    project = open_project(Path(sys.argv[1]), write=True)
    with transaction(project.conn) as conn:
        conn.execute("UPDATE project SET venue = 'being written'")
        print("locked", flush=True)
        time.sleep(30)
    """
)


def test_second_writer_is_told_the_project_is_in_use(project: Project) -> None:
    root = project.root
    project.close()
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD_LOCK, str(root)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(ProjectInUse, match="in use"):
            open_project(root, write=True)
        # A reader is not blocked and sees the last committed state, not the open transaction.
        with open_project(root, write=False) as reader:
            assert reader.defaults().venue == "Town Hall"
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()
    # The lock dies with its process (kill -9 included): the project opens again.
    with open_project(root, write=True) as again:
        assert again.defaults().venue == "Town Hall"


def test_project_folder_can_be_moved(project: Project, tmp_path: Path) -> None:
    (project.originals_dir / "p1.jpg").write_bytes(b"x")
    with transaction(project.conn) as conn:
        photos.insert_photo(conn, _photo(1))
    root = project.root
    project.close()
    moved = tmp_path / "elsewhere" / "moved-project"
    moved.parent.mkdir()
    shutil.move(root, moved)
    with open_project(moved) as reopened:
        record = photos.get_photo(reopened.conn, 1)
        assert not Path(record["path"]).is_absolute()
        assert reopened.resolve(record["path"]).read_bytes() == b"x"


def test_filters_and_sorting_happen_in_sql(project: Project) -> None:
    with transaction(project.conn) as conn:
        photos.insert_photo(
            conn, _photo(1, camera_make="Canon", camera_model="Canon EOS R6", rating=4)
        )
        photos.insert_photo(
            conn,
            _photo(
                2,
                camera_make="NIKON CORPORATION",
                camera_model="NIKON D750",
                keywords=["Sessions|Panel"],
                people=["Zoë Müller"],
                caption="Panel",
            ),
        )
        photos.insert_photo(conn, _photo(3, camera_make="Canon", camera_model="Canon EOS R6"))
        moved = photos.set_camera_clock_offset(conn, "Canon", "Canon EOS R6", None, -3600)
        assert moved == 2
    conn = project.conn
    # The Canon ran an hour fast: its corrected times come before the Nikon's.
    assert photos.list_photo_ids(conn) == [1, 3, 2]
    assert photos.list_photo_ids(conn, photos.PhotoQuery(camera="nikon")) == [2]
    assert photos.list_photo_ids(conn, photos.PhotoQuery(min_rating=3)) == [1]
    assert photos.list_photo_ids(conn, photos.PhotoQuery(keyword="Sessions")) == [2]
    assert photos.list_photo_ids(conn, photos.PhotoQuery(keyword="Sess")) == []
    assert photos.list_photo_ids(conn, photos.PhotoQuery(person="Zoë Müller")) == [2]
    assert photos.list_photo_ids(conn, photos.PhotoQuery(has_caption=False)) == [1, 3]
    assert photos.list_photo_ids(conn, photos.PhotoQuery(sort="rating", descending=True))[0] == 1
    rows = photos.list_photos(conn)
    assert [r["camera"] for r in rows] == ["Canon EOS R6", "Canon EOS R6", "NIKON D750"]
