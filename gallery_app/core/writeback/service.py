"""The write-back use case: the catalog's metadata into originals (or sidecars), and its state.

``write_back`` goes through the selected photos one by one; each photo succeeds or fails on
its own (a read-only card, a damaged file, a missing drive), and each successful write is
committed to the catalog at once, so a cancelled or killed run keeps the record of what it did.

The catalog remembers every write (``photo_writes``): the fingerprint of what was written, and
the file's size, time and hash afterwards. That gives three things:

* ``write_state(s)``: "up to date", "changed since written" or "never written", by comparing
  fingerprints (no file is opened), for the grid's indicator and ``show --json``;
* skipping photos whose file already holds what the catalog says (unless ``force``);
* duplicates stay duplicates: the rewritten file has a new content hash, and the importer
  knows it (``photos.known_hashes``). A referenced original's recorded size and time are
  updated too, so re-importing its folder still finds it at the cost of a ``stat``. Cached
  thumbnails and previews are touched so the new mtime does not make them look stale (the
  pixels did not change, which the write verified).

The catalog is read and written in short units of work passed to a
:class:`~gallery_app.core.catalog.access.CatalogAccess` (what to write, up front; then per
photo its pending record and its confirmation), never through a connection held while files
are written: the desktop app runs them on its one catalog thread, between the grid's reads.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
import time
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from gallery_app.core import audit
from gallery_app.core.catalog.access import CatalogAccess, access_for
from gallery_app.core.catalog.database import id_chunks, transaction
from gallery_app.core.errors import UserError
from gallery_app.core.progress import CancelToken, ProgressCallback, ProgressEvent, ignore_progress
from gallery_app.core.project import Project, now_iso
from gallery_app.core.writeback import files
from gallery_app.core.writeback.fields import WriteFields, fields_for, fingerprint

__all__ = [
    "SIDECARS_DIR",
    "WriteBackSummary",
    "WriteState",
    "write_back",
    "write_state",
    "write_states",
]

SIDECARS_DIR = "sidecars"
"""Project sub-folder for sidecars of originals whose own folder is read-only.

They are named ``<photo id>-<file name>.xmp`` (two cards both have a ``DSC_0001.JPG``) and are
the catalog's own copy of what it would have written: no other tool and no import looks for
them there. Copy one next to its original, under the original's name, to hand it on."""
_PENDING = "pending"
"""``photo_writes.fields_hash`` of a write whose file may or may not have been renamed into
place yet (recorded before the rename, confirmed after): the photo shows as changed, and the
new file's hash is already known to the importer as a duplicate."""
SIDECAR_ONLY_FORMATS = frozenset({"heif", "avif"})
_READ_CHUNK = 500
"""Photos whose values are read per unit of catalog work before writing starts: a whole
project of 20,000 is then 40 short units, between which the grid and edits get their turn."""


class WriteState(StrEnum):
    """Whether a photo's file holds what the catalog says."""

    UP_TO_DATE = "up_to_date"
    CHANGED = "changed"
    """Written before, but the catalog has changed since (or the consent verdict has)."""
    NEVER_WRITTEN = "never_written"


def _last_writes(conn: sqlite3.Connection, photo_ids: list[int]) -> dict[int, sqlite3.Row]:
    last: dict[int, sqlite3.Row] = {}
    for chunk, marks in id_chunks(photo_ids):
        for row in conn.execute(
            "SELECT * FROM photo_writes WHERE id IN (SELECT max(id) FROM photo_writes"
            f" WHERE photo_id IN ({marks}) GROUP BY photo_id)",
            chunk,
        ):
            last[int(row["photo_id"])] = row
    return last


def write_states(
    conn: sqlite3.Connection, photo_ids: list[int], today: dt.date | None = None
) -> dict[int, WriteState]:
    """The write state of each photo (ids not in the catalog are left out), batched.

    The fields (every value, keyword, person and consent fact: about 0.1 ms a photo) are
    read only for photos that were written before; the others are never written."""
    ids = list(photo_ids)
    last = _last_writes(conn, ids)
    wanted = fields_for(conn, [i for i in ids if i in last], today)
    states: dict[int, WriteState] = {}
    for chunk, marks in id_chunks([i for i in ids if i not in last]):
        for (photo_id,) in conn.execute(f"SELECT id FROM photos WHERE id IN ({marks})", chunk):
            states[int(photo_id)] = WriteState.NEVER_WRITTEN
    for photo_id, fields in wanted.items():
        if last[photo_id]["fields_hash"] == fingerprint(fields):
            states[photo_id] = WriteState.UP_TO_DATE
        else:
            states[photo_id] = WriteState.CHANGED
    return states


def write_state(conn: sqlite3.Connection, photo_id: int) -> WriteState:
    """The write state of one photo (``NEVER_WRITTEN`` for an unknown id)."""
    return write_states(conn, [photo_id]).get(photo_id, WriteState.NEVER_WRITTEN)


@dataclass
class WriteBackSummary:
    """The outcome of one run (what ``gallery-app write-back --json`` prints)."""

    written: list[dict[str, Any]] = field(default_factory=list)
    """``{"id", "path", "target"}`` per photo written; target "file" or "sidecar"."""
    skipped: list[int] = field(default_factory=list)
    """Photos whose file already held what the catalog says."""
    failed: list[dict[str, Any]] = field(default_factory=list)
    """``{"id", "path", "error"}`` per photo that could not be written."""
    seconds: float = 0.0
    cancelled: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "written": self.written,
            "skipped": self.skipped,
            "failed": self.failed,
            "seconds": round(self.seconds, 3),
            "cancelled": self.cancelled,
            "message": self.message,
        }

    @property
    def message(self) -> str:
        files_ = sum(1 for w in self.written if w["target"] == "file")
        sidecars = len(self.written) - files_
        if not self.written and not self.failed:
            return "Nothing to write: the files already hold what the catalog says."
        parts = []
        if files_:
            parts.append(f"wrote metadata into {files_} file{'s' if files_ != 1 else ''}")
        if sidecars:
            parts.append(f"{sidecars} XMP sidecar{'s' if sidecars != 1 else ''}")
        if self.skipped:
            parts.append(f"{len(self.skipped)} already up to date")
        if self.failed:
            parts.append(f"{len(self.failed)} failed")
        text = ", ".join(parts)
        return text[0].upper() + text[1:] + "."


def write_back(
    project: Project,
    photo_ids: list[int] | None = None,
    *,
    sidecar: bool = False,
    sidecar_naming: str = "name.ext.xmp",
    force: bool = False,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    today: dt.date | None = None,
    access: CatalogAccess | None = None,
) -> WriteBackSummary:
    """Write the catalog's metadata into the photos' files (or XMP sidecars).

    Args:
        project: an open, writable project.
        photo_ids: the photos to write (default: every photo in the project).
        sidecar: write ``.xmp`` sidecars instead of changing the originals.
        sidecar_naming: ``"name.ext.xmp"`` (digiKam, darktable) or ``"name.xmp"`` (Lightroom).
        force: write even photos whose file already holds what the catalog says.
        progress: receives ``ProgressEvent("writing", ...)`` per photo.
        cancel: stops after the current photo; what was written is recorded.
        access: how to reach the catalog (default: ``project``'s own connection, on this
            thread); ``project`` itself is then used for its paths only.
    """
    if not project.writable:
        raise UserError("the project was opened read-only; open it for writing to write back")
    if sidecar_naming not in files.SIDECAR_NAMINGS:
        raise UserError(
            f"sidecar naming must be one of {', '.join(files.SIDECAR_NAMINGS)}, "
            f"not {sidecar_naming!r}"
        )
    started = time.perf_counter()
    report = progress or ignore_progress
    token = cancel or CancelToken()
    catalog = access_for(project, access)
    if photo_ids is None:
        ids = catalog.run(
            lambda p: [int(r[0]) for r in p.conn.execute("SELECT id FROM photos ORDER BY id")]
        )
    else:
        ids = list(dict.fromkeys(photo_ids))
    wanted: dict[int, WriteFields] = {}
    last: dict[int, sqlite3.Row] = {}
    rows: dict[int, sqlite3.Row] = {}
    for start in range(0, len(ids), _READ_CHUNK):
        block = ids[start : start + _READ_CHUNK]

        def read(p: Project, block: list[int] = block) -> _ToWrite:
            return _what_to_write(p.conn, block, today)

        block_wanted, block_last, block_rows = catalog.run(read)
        wanted.update(block_wanted)
        last.update(block_last)
        rows.update(block_rows)
    missing = [i for i in ids if i not in wanted]
    if missing:
        raise UserError(
            "there is no photo with id " + ", ".join(str(i) for i in missing) + " in this project"
        )
    summary = WriteBackSummary()
    report(ProgressEvent("writing", 0, len(ids)))
    for done, photo_id in enumerate(ids, start=1):
        if token.cancelled:
            summary.cancelled = True
            break
        row = rows[photo_id]
        path = project.resolve(row["path"])
        target = "sidecar" if sidecar or row["format"] in SIDECAR_ONLY_FORMATS else "file"
        fields = wanted[photo_id]
        stamp = fingerprint(fields)
        expected = _expected_path(project, photo_id, path, target, sidecar_naming)
        if not force and _up_to_date(project, last.get(photo_id), stamp, target, expected):
            summary.skipped.append(photo_id)
            report(ProgressEvent("writing", done, len(ids), "skipped", path, photo_id))
            continue
        pending = _Pending(catalog, project.root, photo_id, target)
        try:
            written = _write_one(
                project,
                photo_id,
                path,
                row["format"],
                fields,
                target=target,
                naming=sidecar_naming,
                on_ready=pending.record,
            )
        except files.WriteFailure as exc:
            pending.cancel()
            summary.failed.append({"id": photo_id, "path": str(path), "error": str(exc)})
            report(ProgressEvent("writing", done, len(ids), "failed", path, photo_id, str(exc)))
            continue
        _record(project, row, target=target, stamp=stamp, written=written, pending=pending)
        summary.written.append({"id": photo_id, "path": str(written.path), "target": target})
        report(ProgressEvent("writing", done, len(ids), "written", written.path, photo_id))
        if target == "file":
            problem = _update_own_sidecars(project, catalog, photo_id, path, fields)
            if problem:
                summary.failed.append({"id": photo_id, "path": str(path), "error": problem})
    summary.seconds = time.perf_counter() - started
    if summary.written or summary.failed:
        subject = f"{len(summary.written)} photos"
        details = {
            "written": [w["id"] for w in summary.written],
            "failed": [f["id"] for f in summary.failed],
            "sidecar": sidecar,
        }

        def record_audit(p: Project) -> None:
            with transaction(p.conn):
                audit.record(p.conn, action="write_back", subject=subject, details=details)

        catalog.run(record_audit)
    report(ProgressEvent("done", len(summary.written), len(ids)))
    return summary


_ToWrite = tuple[dict[int, WriteFields], dict[int, sqlite3.Row], dict[int, sqlite3.Row]]


def _what_to_write(
    conn: sqlite3.Connection, photo_ids: list[int], today: dt.date | None
) -> _ToWrite:
    """What the run needs from the catalog about a block of photos before it opens a file
    (one unit of work): the values to write, each photo's last write and its file's row."""
    rows: dict[int, sqlite3.Row] = {}
    for chunk, marks in id_chunks(photo_ids):
        for row in conn.execute(
            f"SELECT id, path, storage, format, content_hash FROM photos WHERE id IN ({marks})",
            chunk,
        ):
            rows[int(row["id"])] = row
    return fields_for(conn, photo_ids, today), _last_writes(conn, photo_ids), rows


def _expected_path(
    project: Project, photo_id: int, original: Path, target: str, naming: str
) -> Path:
    """The file a write of this photo would change now (what ``_up_to_date`` compares)."""
    if target == "file":
        try:
            return Path(os.path.realpath(original))
        except (OSError, ValueError):
            return original
    where, _ = files.sidecar_target(
        original, naming, _fallback_sidecar(project, photo_id, original)
    )
    return where if where is not None else original


def _fallback_sidecar(project: Project, photo_id: int, original: Path) -> Path:
    return project.root / SIDECARS_DIR / f"{photo_id}-{original.name}.xmp"


def _up_to_date(
    project: Project, row: sqlite3.Row | None, stamp: str, target: str, expected: Path
) -> bool:
    """Same values, same target file, and it is still the one we wrote (size and time)."""
    if row is None or row["fields_hash"] != stamp or row["target"] != target:
        return False
    recorded = project.resolve(row["path"])
    if os.path.normcase(os.path.abspath(recorded)) != os.path.normcase(os.path.abspath(expected)):
        return False  # another sidecar naming or folder than last time
    try:
        stat = recorded.stat()
    except OSError:
        return False
    return (stat.st_size, stat.st_mtime_ns) == (row["file_size"], row["file_mtime_ns"])


def _write_one(
    project: Project,
    photo_id: int,
    path: Path,
    fmt: str,
    fields: WriteFields,
    *,
    target: str,
    naming: str,
    on_ready: files.PendingHook,
) -> files.WrittenFile:
    try:
        if target == "sidecar":
            fallback = _fallback_sidecar(project, photo_id, path)
            return files.write_sidecar(path, fields, naming, fallback, on_ready)
        return files.write_into_file(path, fields, fmt, on_ready)
    except files.WriteFailure:
        raise
    except OSError as exc:
        raise files.WriteFailure(f"cannot be written: {exc.strerror or exc}") from exc
    except Exception as exc:  # a bug must cost this photo, not the batch
        raise files.WriteFailure(
            f"internal error while writing ({type(exc).__name__}: {exc}); the original is "
            "unchanged, please report this"
        ) from exc


def _update_own_sidecars(
    project: Project, catalog: CatalogAccess, photo_id: int, original: Path, fields: WriteFields
) -> str | None:
    """Bring sidecars this catalog wrote earlier in step with what the file now says.

    The import prefers a sidecar to the file, so a sidecar we left behind with older values
    would undo this write on the next import. Only sidecars recorded in ``photo_writes`` are
    touched: a sidecar another tool wrote is not ours to change.
    """
    paths = catalog.run(
        lambda p: {
            str(r["path"])
            for r in p.conn.execute(
                "SELECT path FROM photo_writes WHERE photo_id = ? AND target = 'sidecar'",
                (photo_id,),
            )
        }
    )
    problems: list[str] = []
    for stored in sorted(paths):
        sidecar = project.resolve(stored)
        if not sidecar.is_file():
            continue
        # No record of its own: the photo's latest write stays the file's, which is what
        # "up to date" compares against.
        try:
            files.update_sidecar(original, sidecar, fields)
        except files.WriteFailure as exc:
            problems.append(
                f"written into the file, but its sidecar {sidecar} was not updated: {exc}"
            )
    return "; ".join(problems) or None


class _Pending:
    """A ``photo_writes`` row made just before a rename and confirmed (or removed) after.

    Each step is one unit of catalog work; the file work between them runs on the caller's
    thread."""

    def __init__(self, catalog: CatalogAccess, root: Path, photo_id: int, target: str) -> None:
        self.catalog = catalog
        self.root = root
        self.photo_id = photo_id
        self.target = target
        self.row_id: int | None = None

    def record(self, written: files.WrittenFile) -> None:
        values = (
            self.photo_id,
            now_iso(),
            self.target,
            _stored_path(self.root, written.path),
            _PENDING,
            written.content_hash,
            written.size,
            written.mtime_ns,
            audit.current_actor(),
        )

        def insert(p: Project) -> int:
            with transaction(p.conn) as conn:
                cursor = conn.execute(
                    "INSERT INTO photo_writes (photo_id, written_at, target, path, fields_hash,"
                    " content_hash, file_size, file_mtime_ns, actor)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    values,
                )
                return int(cursor.lastrowid or 0)

        self.row_id = self.catalog.run(insert)

    def confirm(self, stamp: str, written: files.WrittenFile, *, reference_file: bool) -> None:
        """Mark the write done; for a referenced original whose file was rewritten, also its
        new size and time (so re-importing its folder still finds it), in one transaction."""
        if self.row_id is None:
            self.record(written)
        row_id, photo_id = self.row_id, self.photo_id

        def update(p: Project) -> None:
            with transaction(p.conn) as conn:
                conn.execute(
                    "UPDATE photo_writes SET fields_hash = ?, written_at = ?, content_hash = ?,"
                    " file_size = ?, file_mtime_ns = ? WHERE id = ?",
                    (
                        stamp,
                        now_iso(),
                        written.content_hash,
                        written.size,
                        written.mtime_ns,
                        row_id,
                    ),
                )
                if reference_file:
                    conn.execute(
                        "UPDATE photos SET file_size = ?, file_mtime_ns = ? WHERE id = ?",
                        (written.size, written.mtime_ns, photo_id),
                    )

        self.catalog.run(update)

    def cancel(self) -> None:
        """The rename did not happen: the pending row must not claim it did."""
        if self.row_id is None:
            return
        row_id = self.row_id

        def delete(p: Project) -> None:
            with transaction(p.conn) as conn:
                conn.execute("DELETE FROM photo_writes WHERE id = ?", (row_id,))

        self.catalog.run(delete)
        self.row_id = None


def _record(
    project: Project,
    row: sqlite3.Row,
    *,
    target: str,
    stamp: str,
    written: files.WrittenFile,
    pending: _Pending,
) -> None:
    pending.confirm(
        stamp, written, reference_file=target == "file" and row["storage"] == "reference"
    )
    if target == "file":
        _keep_cache_fresh(project.cache_dir, row["content_hash"], written.mtime_ns)


def _stored_path(root: Path, path: Path) -> str:
    """Relative to the project when inside it (the folder may move), else absolute."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _keep_cache_fresh(cache_dir: Path, content_hash: str, mtime_ns: int) -> None:
    """Cached thumbnails/previews of the same pixels must not look older than the file."""
    from gallery_app.core.thumbnails import preview_path, thumbnail_path

    folders = {
        thumbnail_path(cache_dir, content_hash, 256).parent,
        preview_path(cache_dir, content_hash, 1).parent,
    }
    for folder in folders:
        for cached in folder.glob(f"{content_hash.lower()}-*.jpg") if folder.is_dir() else ():
            with contextlib.suppress(OSError):
                if cached.stat().st_mtime_ns < mtime_ns:
                    os.utime(cached, ns=(mtime_ns, mtime_ns))
