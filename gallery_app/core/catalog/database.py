"""Opening a catalog file: pragmas, identity check, version check and migrations.

The catalog is one SQLite file in the project folder. It runs in WAL mode so that readers (the
CLI's ``photos`` while the GUI imports, the GUI's grid while an import commits) never block the
single writer and never see half a change. Every change goes through :func:`transaction`, which
takes SQLite's write lock at ``BEGIN`` (``IMMEDIATE``) so that a write never fails half-way
through because another writer got in first.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

from gallery_app.core.catalog.migrations import MIGRATIONS, SCHEMA_VERSION, Migration
from gallery_app.core.errors import CatalogCorrupt, CatalogTooNew, UserError

# "GCur" — marks the file as ours, so that opening some other SQLite file fails clearly.
APPLICATION_ID = 0x47437572


ID_CHUNK = 500
"""Ids per ``IN (…)`` list: well under SQLite's limit of bound variables in one statement."""


def id_chunks(ids: Sequence[int], size: int = ID_CHUNK) -> Iterator[tuple[list[int], str]]:
    """``ids`` in blocks for ``WHERE id IN ({marks})``: each block with its ``"?, ?, …"``."""
    for start in range(0, len(ids), size):
        chunk = list(ids[start : start + size])
        yield chunk, ", ".join("?" for _ in chunk)


def connect(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    """Open the catalog at ``path`` and bring it to the current schema version.

    Args:
        path: the catalog file; it is created (and fully migrated) if missing and not readonly.
        readonly: open for reading only; an outdated catalog is then refused, not migrated.

    Raises:
        CatalogCorrupt: the file is not a SQLite database or not a Gallery Curator catalog.
        CatalogTooNew: the catalog was written by a newer version of the app.
    """
    if readonly:
        uri = f"{path.resolve().as_uri()}?mode=ro"
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    else:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        _configure(conn, readonly=readonly)
        _check_identity_and_migrate(conn, path, readonly=readonly)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise CatalogCorrupt(f"{path}: not a readable Gallery Curator catalog ({exc})") from exc
    except BaseException:
        conn.close()
        raise
    return conn


def _configure(conn: sqlite3.Connection, *, readonly: bool) -> None:
    conn.row_factory = sqlite3.Row
    # Unicode-aware case folding for names ("ZOË MÜLLER" is "Zoë Müller"); SQLite's NOCASE
    # folds ASCII only.
    conn.create_function("casefold", 1, _casefold, deterministic=True)
    conn.execute("PRAGMA busy_timeout = 10000")
    conn.execute("PRAGMA foreign_keys = ON")
    if not readonly:
        conn.execute("PRAGMA journal_mode = WAL")
        # NORMAL in WAL mode is durable against application crashes and consistent after power
        # loss (the last commits may be lost, the file is never corrupt).
        conn.execute("PRAGMA synchronous = NORMAL")


def _casefold(value: str | None) -> str | None:
    return value.casefold() if isinstance(value, str) else value


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def _check_identity_and_migrate(conn: sqlite3.Connection, path: Path, *, readonly: bool) -> None:
    app_id = int(conn.execute("PRAGMA application_id").fetchone()[0])
    version = schema_version(conn)
    if app_id not in (0, APPLICATION_ID) or (app_id == 0 and version != 0):
        raise CatalogCorrupt(f"{path}: this SQLite file is not a Gallery Curator catalog")
    if app_id == 0:
        has_tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if has_tables:
            raise CatalogCorrupt(f"{path}: this SQLite file is not a Gallery Curator catalog")
    if version > SCHEMA_VERSION:
        raise CatalogTooNew(
            f"{path}: this catalog was written by a newer version of Gallery Curator "
            f"(catalog version {version}, this app understands up to {SCHEMA_VERSION}); "
            "update the app to open it"
        )
    if version < SCHEMA_VERSION:
        if readonly:
            raise UserError(
                f"{path}: this catalog is from an older version and must be upgraded; "
                "run any command that changes the project (for example `gallery-app import`) "
                "or open it in the app"
            )
        migrate(conn, MIGRATIONS)


def migrate(conn: sqlite3.Connection, migrations: tuple[Migration, ...]) -> None:
    """Run every migration newer than the catalog's version, each in its own transaction."""
    for migration in migrations:
        with transaction(conn):
            # Re-read inside the write lock: another process may have migrated meanwhile.
            if schema_version(conn) >= migration.version:
                continue
            for statement in _statements(migration.sql):
                conn.execute(statement)
            if migration.data is not None:
                migration.data(conn)
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {migration.version}")


def _statements(sql: str) -> Iterator[str]:
    """Split a migration script into statements (executescript would commit implicitly)."""
    buffer = ""
    for line in sql.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                yield buffer.strip()
            buffer = ""
    if buffer.strip():
        raise ValueError(f"incomplete SQL statement in migration: {buffer.strip()[:80]}")


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Run a block of changes atomically: all of them are committed, or none."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    try:
        conn.execute("COMMIT")
    except BaseException:
        # A COMMIT that fails (disk full, I/O error) leaves the transaction open, and every
        # later BEGIN on this connection would fail: the desktop app shares one connection
        # for everything, so roll back and let the caller report the failure.
        if conn.in_transaction:
            with suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
        raise
