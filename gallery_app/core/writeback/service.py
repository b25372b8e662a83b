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
from gallery_app.core.catalog.database import transaction
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
"""Project sub-folder for sidecars of originals whose own folder is read-only."""
SIDECAR_ONLY_FORMATS = frozenset({"heif", "avif"})
_CHUNK = 500


class WriteState(StrEnum):
    """Whether a photo's file holds what the catalog says."""

    UP_TO_DATE = "up_to_date"
    CHANGED = "changed"
    """Written before, but the catalog has changed since (or the consent verdict has)."""
    NEVER_WRITTEN = "never_written"


def _last_writes(conn: sqlite3.Connection, photo_ids: list[int]) -> dict[int, sqlite3.Row]:
    last: dict[int, sqlite3.Row] = {}
    for start in range(0, len(photo_ids), _CHUNK):
        chunk = photo_ids[start : start + _CHUNK]
        marks = ", ".join("?" for _ in chunk)
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
    """The write state of each photo (ids not in the catalog are left out), batched."""
    wanted = fields_for(conn, list(photo_ids), today)
    last = _last_writes(conn, list(wanted))
    states: dict[int, WriteState] = {}
    for photo_id, fields in wanted.items():
        row = last.get(photo_id)
        if row is None:
            states[photo_id] = WriteState.NEVER_WRITTEN
        elif row["fields_hash"] == fingerprint(fields):
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
    conn = project.conn
    if photo_ids is None:
        ids = [int(r[0]) for r in conn.execute("SELECT id FROM photos ORDER BY id")]
    else:
        ids = list(dict.fromkeys(photo_ids))
    wanted = fields_for(conn, ids, today)
    missing = [i for i in ids if i not in wanted]
    if missing:
        raise UserError(
            "there is no photo with id " + ", ".join(str(i) for i in missing) + " in this project"
        )
    last = _last_writes(conn, ids)
    summary = WriteBackSummary()
    report(ProgressEvent("writing", 0, len(ids)))
    for done, photo_id in enumerate(ids, start=1):
        if token.cancelled:
            summary.cancelled = True
            break
        row = conn.execute(
            "SELECT path, storage, format, content_hash FROM photos WHERE id = ?", (photo_id,)
        ).fetchone()
        path = project.resolve(row["path"])
        target = "sidecar" if sidecar or row["format"] in SIDECAR_ONLY_FORMATS else "file"
        fields = wanted[photo_id]
        stamp = fingerprint(fields)
        if not force and _up_to_date(project, last.get(photo_id), stamp, target):
            summary.skipped.append(photo_id)
            report(ProgressEvent("writing", done, len(ids), "skipped", path, photo_id))
            continue
        try:
            written = _write_one(
                project, path, row["format"], fields, target=target, naming=sidecar_naming
            )
        except files.WriteFailure as exc:
            summary.failed.append({"id": photo_id, "path": str(path), "error": str(exc)})
            report(ProgressEvent("writing", done, len(ids), "failed", path, photo_id, str(exc)))
            continue
        _record(project, photo_id, row, target=target, stamp=stamp, written=written)
        summary.written.append({"id": photo_id, "path": str(written.path), "target": target})
        report(ProgressEvent("writing", done, len(ids), "written", written.path, photo_id))
    summary.seconds = time.perf_counter() - started
    if summary.written or summary.failed:
        with transaction(conn):
            audit.record(
                conn,
                action="write_back",
                subject=f"{len(summary.written)} photos",
                details={
                    "written": [w["id"] for w in summary.written],
                    "failed": [f["id"] for f in summary.failed],
                    "sidecar": sidecar,
                },
            )
    report(ProgressEvent("done", len(summary.written), len(ids)))
    return summary


def _up_to_date(project: Project, row: sqlite3.Row | None, stamp: str, target: str) -> bool:
    """Same values, same target, and the file is still the one we wrote (size and time)."""
    if row is None or row["fields_hash"] != stamp or row["target"] != target:
        return False
    try:
        stat = project.resolve(row["path"]).stat()
    except OSError:
        return False
    return (stat.st_size, stat.st_mtime_ns) == (row["file_size"], row["file_mtime_ns"])


def _write_one(
    project: Project, path: Path, fmt: str, fields: WriteFields, *, target: str, naming: str
) -> files.WrittenFile:
    try:
        if target == "sidecar":
            return files.write_sidecar(path, fields, naming, project.root / SIDECARS_DIR)
        return files.write_into_file(path, fields, fmt)
    except files.WriteFailure:
        raise
    except OSError as exc:
        raise files.WriteFailure(f"cannot be written: {exc.strerror or exc}") from exc
    except Exception as exc:  # a bug must cost this photo, not the batch
        raise files.WriteFailure(
            f"internal error while writing ({type(exc).__name__}: {exc}); the original is "
            "unchanged, please report this"
        ) from exc


def _record(
    project: Project,
    photo_id: int,
    row: sqlite3.Row,
    *,
    target: str,
    stamp: str,
    written: files.WrittenFile,
) -> None:
    conn = project.conn
    with transaction(conn):
        conn.execute(
            "INSERT INTO photo_writes (photo_id, written_at, target, path, fields_hash,"
            " content_hash, file_size, file_mtime_ns, actor) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                photo_id,
                now_iso(),
                target,
                _stored_path(project.root, written.path),
                stamp,
                written.content_hash,
                written.size,
                written.mtime_ns,
                audit.current_actor(),
            ),
        )
        if target == "file" and row["storage"] == "reference":
            conn.execute(
                "UPDATE photos SET file_size = ?, file_mtime_ns = ? WHERE id = ?",
                (written.size, written.mtime_ns, photo_id),
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
