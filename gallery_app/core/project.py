"""An event project: one self-contained folder holding the catalog and everything derived.

Layout (every path the catalog stores for a copied photo is relative to this folder, so the
folder can be zipped, moved to another laptop or renamed)::

    PROJECT/
      catalog.sqlite   the catalog (SQLite, WAL)
      originals/       copied originals, byte-identical to the source
      cache/           thumbnails and previews (safe to delete; regenerated)
      exports/         default home of exported galleries

Only one process may change a project at a time. A writer holds an operating-system lock on
``PROJECT/.lock`` (released by the OS even when the process is killed); a second writer is told
the project is in use instead of waiting or corrupting anything. Readers need no lock: WAL gives
them a consistent snapshot while the writer works.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import asdict, dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from filelock import FileLock, Timeout

from gallery_app.core.catalog.database import connect, schema_version, transaction
from gallery_app.core.errors import ProjectExists, ProjectInUse, ProjectNotFound, UserError

CATALOG_NAME = "catalog.sqlite"
LOCK_NAME = ".lock"
ORIGINALS_DIR = "originals"
CACHE_DIR = "cache"
EXPORTS_DIR = "exports"


@dataclass(frozen=True)
class ProjectDefaults:
    """What the event is, and the credit every photo gets unless it says otherwise."""

    event_name: str
    event_date: str | None = None
    venue: str | None = None
    creator: str | None = None
    credit: str | None = None
    copyright: str | None = None

    def __post_init__(self) -> None:
        if not self.event_name.strip():
            raise UserError("the event needs a name")
        if self.event_date is not None:
            try:
                dt.date.fromisoformat(self.event_date)
            except ValueError:
                raise UserError(
                    f"event date {self.event_date!r} is not a date in the form YYYY-MM-DD"
                ) from None


class Project:
    """An open project: its folder, its catalog connection and (for writers) its lock.

    Use :func:`create_project` or :func:`open_project` to get one, and close it (or use it as a
    context manager) when done.
    """

    def __init__(
        self,
        root: Path,
        conn: sqlite3.Connection,
        lock: FileLock | None,
        *,
        shares_lock: bool = False,
    ) -> None:
        self.root = root
        self.conn = conn
        self._lock = lock
        self._shares_lock = shares_lock

    @property
    def writable(self) -> bool:
        return self._lock is not None or self._shares_lock

    def open_worker_handle(self) -> Project:
        """A second handle on this project, with its own catalog connection, for one thread.

        The desktop app gives all its catalog work (grid reads, edits, and the units of work of
        imports, exports and write-backs) to one catalog thread, which opens this handle once
        (a SQLite connection must be used by the thread that made it). The handle works under
        *this* process's write lock, which it does not take again (the lock is per process;
        taking it twice would fail as "in use"). Close the handle when the thread ends; that
        closes only its connection.

        Raises:
            UserError: this project was opened read-only.
        """
        if not self.writable:
            raise UserError("the project was opened read-only; open it for writing to change it")
        conn = connect(self.catalog_path)
        return Project(self.root, conn, None, shares_lock=True)

    @property
    def catalog_path(self) -> Path:
        return self.root / CATALOG_NAME

    @property
    def originals_dir(self) -> Path:
        return self.root / ORIGINALS_DIR

    @property
    def cache_dir(self) -> Path:
        return self.root / CACHE_DIR

    @property
    def exports_dir(self) -> Path:
        return self.root / EXPORTS_DIR

    def resolve(self, stored_path: str) -> Path:
        """Turn a path as stored in the catalog into a path on this machine."""
        path = Path(stored_path)
        return path if path.is_absolute() else self.root / path

    def defaults(self) -> ProjectDefaults:
        row = self.conn.execute(
            "SELECT event_name, event_date, venue, creator, credit, copyright FROM project"
        ).fetchone()
        return ProjectDefaults(**dict(row))

    def info(self) -> dict[str, Any]:
        """What ``gallery-app info`` shows: the defaults, counts and where things are."""
        row = self.conn.execute("SELECT created_at FROM project").fetchone()
        counts = self.conn.execute(
            "SELECT count(*), coalesce(sum(file_size), 0) FROM photos"
        ).fetchone()
        return {
            "path": str(self.root),
            **asdict(self.defaults()),
            "created_at": row["created_at"],
            "photos": int(counts[0]),
            "bytes": int(counts[1]),
            "schema_version": schema_version(self.conn),
        }

    def close(self) -> None:
        """Close the connection and release the write lock (a worker handle has none)."""
        self.conn.close()
        self._shares_lock = False
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> Project:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _acquire_lock(root: Path) -> FileLock:
    lock = FileLock(root / LOCK_NAME, timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise ProjectInUse(
            f"project {root} is in use by another Gallery Curator window or command; "
            "close it or wait for it to finish, then try again"
        ) from None
    return lock


def create_project(root: Path, defaults: ProjectDefaults) -> Project:
    """Make a new project folder (which must not exist or be empty) and open it for writing."""
    root = root.expanduser().absolute()
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        if (root / CATALOG_NAME).exists():
            raise ProjectExists(f"{root} is already a Gallery Curator project")
        raise ProjectExists(f"{root} exists and is not empty; choose a new folder")
    try:
        root.mkdir(parents=True, exist_ok=True)
        for sub in (ORIGINALS_DIR, CACHE_DIR, EXPORTS_DIR):
            (root / sub).mkdir(exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot create project folder {root}: {exc.strerror}") from exc
    lock = _acquire_lock(root)
    try:
        conn = connect(root / CATALOG_NAME)
        with transaction(conn):
            conn.execute(
                "INSERT INTO project (id, event_name, event_date, venue, creator, credit,"
                " copyright, created_at) VALUES (1, ?, ?, ?, ?, ?, ?, ?)",
                (
                    defaults.event_name.strip(),
                    defaults.event_date,
                    defaults.venue,
                    defaults.creator,
                    defaults.credit,
                    defaults.copyright,
                    now_iso(),
                ),
            )
    except BaseException:
        lock.release()
        raise
    return Project(root, conn, lock)


def open_project(root: Path, *, write: bool = True) -> Project:
    """Open an existing project.

    Args:
        root: the project folder.
        write: take the project's write lock (fails at once with :class:`ProjectInUse` if
            another process holds it). Readers skip the lock and see a consistent snapshot.
    """
    root = root.expanduser().absolute()
    catalog = root / CATALOG_NAME
    if not catalog.is_file():
        if not root.exists():
            raise ProjectNotFound(f"{root} does not exist")
        raise ProjectNotFound(f"{root} is not a Gallery Curator project (no {CATALOG_NAME})")
    lock = _acquire_lock(root) if write else None
    try:
        conn = connect(catalog, readonly=not write)
        for sub in (ORIGINALS_DIR, CACHE_DIR, EXPORTS_DIR):
            if write:
                (root / sub).mkdir(exist_ok=True)
    except BaseException:
        if lock is not None:
            lock.release()
        raise
    return Project(root, conn, lock)


def now_iso() -> str:
    """The current local time with its UTC offset, to the second, as ISO 8601."""
    return dt.datetime.now().astimezone().replace(microsecond=0).isoformat()
