"""The long use cases reach the catalog only through ``access.run``, in closed units of work.

The desktop app runs an import, an export and a write-back on a job thread and every catalog
read or write on its one catalog thread. Here the same holds without Qt: the access runs each
unit on one other thread with its own connection (as the app's catalog thread does), the
caller's project has no usable connection at all (any use fails the test), and after every unit
the connection must be outside a transaction (other work interleaves there). The results are
then checked through an independent connection, and the same use cases run again without an
access (the CLI's path) to show the default still works.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest

from gallery_app.core.catalog import photos
from gallery_app.core.catalog.access import DirectAccess
from gallery_app.core.catalog.database import connect
from gallery_app.core.export.exporter import export
from gallery_app.core.importing.importer import (
    NamingContext,
    example_file_name,
    import_sources,
    recover_staging,
)
from gallery_app.core.project import Project, ProjectDefaults, create_project, open_project
from gallery_app.core.writeback import write_back
from tests.helpers import make_jpeg

T = TypeVar("T")


class NoConnection:
    """The caller's ``project.conn``: its paths may be used, its connection never."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"project.conn.{name} used outside a unit of catalog work")


class SerialAccess:
    """Every unit on one worker thread with its own connection, one at a time."""

    def __init__(self, project: Project) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="catalog")
        self.handle = self._pool.submit(project.open_worker_handle).result()
        self.thread = self._pool.submit(threading.get_ident).result()
        self.units = 0
        self.open_after: list[int] = []
        """Numbers of the units that left a transaction open (must stay empty)."""

    def run(self, work: Callable[[Project], T]) -> T:
        self.units += 1
        number = self.units

        def unit(handle: Project) -> T:
            try:
                return work(handle)
            finally:
                if handle.conn.in_transaction:
                    self.open_after.append(number)

        return self._pool.submit(unit, self.handle).result()

    def close(self) -> None:
        self._pool.submit(self.handle.close).result()
        self._pool.shutdown()


@pytest.fixture
def card(tmp_path: Path) -> Path:
    folder = tmp_path / "card"
    for i in range(3):
        make_jpeg(folder / f"IMG_{i:04d}.JPG", seed=40 + i, captured=f"2026:05:14 09:0{i}:00")
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a photo")
    return folder


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    with create_project(tmp_path / "project", ProjectDefaults(event_name="Access Day")) as made:
        yield made


def _cut_off(project: Project) -> tuple[SerialAccess, sqlite3.Connection]:
    access = SerialAccess(project)
    real = project.conn
    project.conn = NoConnection()  # type: ignore[assignment]
    return access, real


def test_import_export_and_write_back_use_only_closed_units(
    project: Project, card: Path, tmp_path: Path
) -> None:
    access, real = _cut_off(project)
    try:
        imported = import_sources(project, [card], workers=1, access=access)
        assert len(imported.imported) == 3
        assert [Path(f["path"]).name for f in imported.failed] == ["broken.jpg"]
        units_per_import = access.units
        again = import_sources(project, [card], workers=1, access=access)
        assert again.duplicates == 3 and not again.imported

        ids = imported.imported
        out = tmp_path / "web"
        # Nobody is tagged: every photo needs review, so two go out with a reason.
        summary = export(
            project,
            out,
            preset_name="social",
            overrides=[(ids[0], "crowd from behind"), (ids[1], "crowd from behind")],
            access=access,
        )
        assert sorted(summary.exported) == sorted(ids[:2])
        assert [e["id"] for e in summary.excluded] == [ids[2]]
        assert Path(summary.report_html).is_file()

        written = write_back(project, ids, sidecar=True, access=access)
        assert sorted(w["id"] for w in written.written) == sorted(ids)
        assert Path(written.written[0]["path"]).suffix == ".xmp"
        assert write_back(project, ids, sidecar=True, access=access).skipped == sorted(ids)
    finally:
        project.conn = real
        access.close()

    assert access.open_after == []
    # A few units for the whole run, and one per photo committed: no per-file round trips.
    assert units_per_import <= 6 + len(ids)
    oracle = connect(project.catalog_path, readonly=True)
    try:
        assert len(photos.list_photo_ids(oracle)) == 3
        assert oracle.execute("SELECT count(*) FROM imports").fetchone()[0] == 2
        assert oracle.execute("SELECT count(*) FROM exports").fetchone()[0] == 1
        assert oracle.execute("SELECT count(*) FROM export_files").fetchone()[0] >= 2
        assert (
            oracle.execute(
                "SELECT count(*) FROM photo_writes WHERE fields_hash != 'pending'"
            ).fetchone()[0]
            == 3
        )
        assert (
            oracle.execute("SELECT count(*) FROM audit_log WHERE action = 'override'").fetchone()[0]
            >= 2
        )
    finally:
        oracle.close()


def test_without_an_access_the_use_cases_use_the_projects_own_connection(
    project: Project, card: Path, tmp_path: Path
) -> None:
    summary = import_sources(project, [card], workers=1)
    assert len(summary.imported) == 3
    ids = summary.imported
    exported = export(project, tmp_path / "out", preset_name="social", overrides=[(ids[0], "ok")])
    assert exported.exported == [ids[0]]
    assert len(write_back(project, [ids[0]], sidecar=True).written) == 1
    # The same use cases through DirectAccess: what "no access" means.
    again = import_sources(project, [card], workers=1, access=DirectAccess(project))
    assert again.duplicates == 3


def test_example_names_from_a_context_read_once(project: Project) -> None:
    context = NamingContext.read(project.conn)
    assert context == NamingContext(1, "Access Day")
    for template in ("{event}-{seq:04d}", "{date}-{original}"):
        assert example_file_name(context, template) == example_file_name(project, template)
    assert example_file_name(context, "{event}-{seq:04d}") == "Access-Day-0001.jpg"


def test_recovery_of_staged_copies_goes_through_the_access(project: Project) -> None:
    staging = project.originals_dir / ".incoming"
    staging.mkdir(parents=True)
    (staging / "abc123-1").write_bytes(b"an uncommitted copy")
    (staging / "def456.part").write_bytes(b"half a copy")
    access, real = _cut_off(project)
    try:
        assert recover_staging(project, access) == 0
    finally:
        project.conn = real
        access.close()
    assert list(staging.iterdir()) == []
    assert access.units == 1


def test_a_read_only_project_is_refused_before_any_unit(tmp_path: Path, card: Path) -> None:
    root = tmp_path / "ro"
    create_project(root, ProjectDefaults(event_name="Read only")).close()
    with open_project(root, write=False) as reader:
        units: list[int] = []

        class Counting:
            def run(self, work: Callable[[Project], T]) -> T:
                units.append(1)
                return work(reader)

        with pytest.raises(Exception, match="read-only"):
            import_sources(reader, [card], access=Counting())
        assert units == []
