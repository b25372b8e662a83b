"""The import use case: sources in, catalog rows, copied originals and thumbnails out.

Order of work, chosen so that the user sees photos early and a kill at any moment is harmless:

1. **Recover** what a killed run left behind (staged copies whose row was committed are moved
   into place; anything else in the staging folder is deleted — it is only ever a copy).
2. **Scan** the sources; files already imported from the same place with the same size and
   time are duplicates at the cost of a ``stat``.
3. **Ingest** each remaining file in a worker process (hash + copy in one read, identify,
   metadata, embedded EXIF thumbnail for first paint). The main thread commits one row per photo
   as results arrive, so the grid can show it at once, then moves the staged copy into place.
4. **Thumbnails** for every new photo, and for any older one whose thumbnails are missing (a
   previous run was killed), on all cores, with JPEG DCT-scaled decoding.

The catalog is reached only through short units of work passed to a
:class:`~gallery_app.core.catalog.access.CatalogAccess` (one per photo committed, one per block
of duplicate checks, one at the start and the end), never through a connection held across
them: the desktop app runs those units on its one catalog thread between the grid's reads, so
thumbnails appear and culling goes on while the import runs. The CLI runs them in place.
Workers get file paths and return plain data.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import errno
import json
import os
import queue
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pebble import ProcessExpired, ProcessPool

from gallery_app.core.catalog import photos
from gallery_app.core.catalog.access import CatalogAccess, access_for
from gallery_app.core.catalog.database import transaction
from gallery_app.core.errors import UserError
from gallery_app.core.importing import naming, worker
from gallery_app.core.importing.scanner import scan_sources
from gallery_app.core.progress import (
    CancelToken,
    ProgressCallback,
    ProgressEvent,
    ignore_progress,
)
from gallery_app.core.project import Project, now_iso
from gallery_app.core.workers import PendingFutures, start_worker_server, worker_pool

STAGING_DIR = ".incoming"
INGEST_TIMEOUT_S = 60.0
THUMBNAIL_TIMEOUT_S = 120.0
_POLL_S = 0.1
_SCAN_CHUNK = 500
"""Files checked for "already imported" per unit of catalog work: one round trip per block,
not per file, and short enough that the grid never waits long behind it."""


@dataclass
class ImportSummary:
    """The outcome of one import run (what ``gallery-app import --json`` prints)."""

    imported: list[int] = field(default_factory=list)
    duplicates: int = 0
    skipped: int = 0
    failed: list[dict[str, str]] = field(default_factory=list)
    warnings: list[dict[str, str]] = field(default_factory=list)
    thumbnails: int = 0
    seconds: float = 0.0
    cancelled: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "imported": len(self.imported),
            "photo_ids": self.imported,
            "duplicates": self.duplicates,
            "skipped": self.skipped,
            "failed": self.failed,
            "warnings": self.warnings,
            "thumbnails": self.thumbnails,
            "seconds": round(self.seconds, 3),
            "cancelled": self.cancelled,
        }


def import_sources(
    project: Project,
    sources: list[Path],
    *,
    reference: bool = False,
    rename_template: str | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    workers: int | None = None,
    access: CatalogAccess | None = None,
) -> ImportSummary:
    """Import photos from files and folders into the project.

    Args:
        project: an open, writable project.
        sources: files and folders (searched recursively).
        reference: leave the files where they are instead of copying them into the project.
        rename_template: names for copied files (see :mod:`naming`); default
            :data:`naming.DEFAULT_TEMPLATE`.
        progress: receives :class:`ProgressEvent` objects on the calling thread.
        cancel: set it from any thread to stop soon; what was committed stays, consistent.
        workers: worker processes (default: one per core, plus one).
        access: how to reach the catalog (default: ``project``'s own connection, on this
            thread); ``project`` itself is then used for its paths only.
    """
    if not project.writable:
        raise UserError("the project was opened read-only; open it for writing to import")
    template = rename_template or naming.DEFAULT_TEMPLATE
    naming.validate_template(template)
    start_worker_server()  # while the catalog is read and the sources are scanned
    run = _ImportRun(
        project=project,
        access=access_for(project, access),
        reference=reference,
        template=template,
        progress=progress or ignore_progress,
        cancel=cancel or CancelToken(),
        # One worker more than cores: copying and syncing wait on the disk, and the spare
        # worker decodes meanwhile (measured 5 % faster on 2 cores; benchmarks/).
        workers=max(1, workers or (os.cpu_count() or 1) + 1),
    )
    return run.execute(sources)


class _CopySyncer:
    """Make every copy durable before the import says it is done: people format the card next.

    A thread fsyncs each copy once its catalog row is committed, so the disk catches up while
    the cores make thumbnails. Syncing in the workers instead (or asking the kernel to start
    writeback there) blocked every worker once the disk queue filled: a CPU timeline of the
    100-photo benchmark showed both cores idle for 0.75 s. ``finish`` waits for the queue and
    then syncs the folder, so the renames are durable too.
    """

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[Path | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._synced_any = False

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="copy-syncer", daemon=True)
        self._thread.start()

    def add(self, path: Path) -> None:
        self._queue.put(path)

    def finish(self, folder: Path) -> None:
        if self._thread is None:
            return
        self._queue.put(None)
        self._thread.join()
        self._thread = None
        if self._synced_any:
            _fsync_path(folder, directory=True)

    def _run(self) -> None:
        while (path := self._queue.get()) is not None:
            _fsync_path(path, directory=False)
            self._synced_any = True


def _fsync_path(path: Path, *, directory: bool) -> None:
    if directory and not hasattr(os, "O_DIRECTORY"):
        return
    flags = os.O_RDONLY | (os.O_DIRECTORY if directory else 0)
    with contextlib.suppress(OSError):
        fd = os.open(path, flags)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@dataclass
class _ImportRun:
    project: Project
    """For paths only: the catalog is reached through :attr:`access`."""
    access: CatalogAccess
    reference: bool
    template: str
    progress: ProgressCallback
    cancel: CancelToken
    workers: int
    summary: ImportSummary = field(default_factory=ImportSummary)
    import_id: int = 0
    _hashes: set[str] = field(default_factory=set)
    _syncer: _CopySyncer = field(default_factory=_CopySyncer)
    _added_this_run: set[int] = field(default_factory=set)

    @property
    def staging_dir(self) -> Path:
        return self.project.originals_dir / STAGING_DIR

    def execute(self, sources: list[Path]) -> ImportSummary:
        started = time.perf_counter()
        self.staging_dir.mkdir(parents=True, exist_ok=True)
        self.project.cache_dir.mkdir(parents=True, exist_ok=True)
        recover_staging(self.project, self.access)
        self._begin(sources)
        self._syncer.start()
        try:
            candidates = self._scan(sources)
            if not self.cancel.cancelled:
                self._process(candidates)
            self._syncer.finish(self.project.originals_dir)
        except KeyboardInterrupt:
            self.summary.cancelled = True
            raise
        finally:
            self._syncer.finish(self.project.originals_dir)
            if self.cancel.cancelled:
                self.summary.cancelled = True
            recover_staging(self.project, self.access)
            self.summary.seconds = time.perf_counter() - started
            self._finish()
            self.progress(
                ProgressEvent("done", len(self.summary.imported), len(self.summary.imported))
            )
        return self.summary

    def _begin(self, sources: list[Path]) -> None:
        storage = "reference" if self.reference else "copy"
        listed = json.dumps([str(s) for s in sources])

        def begin(project: Project) -> int:
            with transaction(project.conn) as conn:
                cursor = conn.execute(
                    "INSERT INTO imports (started_at, storage, sources) VALUES (?, ?, ?)",
                    (now_iso(), storage, listed),
                )
                return int(cursor.lastrowid or 0)

        self.import_id = self.access.run(begin)

    def _finish(self) -> None:
        summary, import_id = json.dumps(self.summary.to_dict()), self.import_id

        def finish(project: Project) -> None:
            with transaction(project.conn) as conn:
                conn.execute(
                    "UPDATE imports SET finished_at = ?, summary = ? WHERE id = ?",
                    (now_iso(), summary, import_id),
                )

        self.access.run(finish)

    def _scan(self, sources: list[Path]) -> list[Path]:
        self.progress(ProgressEvent("scanning", 0, 0))
        scan = scan_sources(sources, exclude=self.project.root, cancel=self.cancel)
        self.summary.skipped = len(scan.skipped)
        for path, reason in scan.failed:
            self._fail(path, reason)
        readable: list[tuple[Path, int, int]] = []
        for path in scan.candidates:
            try:
                stat = path.stat()
            except OSError as exc:
                self._fail(path, f"cannot be read: {exc.strerror or exc}")
                continue
            readable.append((path, stat.st_size, stat.st_mtime_ns))
        fresh: list[Path] = []
        for start in range(0, len(readable), _SCAN_CHUNK):
            block = readable[start : start + _SCAN_CHUNK]

            def known(project: Project, block: list[tuple[Path, int, int]] = block) -> list[bool]:
                return [
                    photos.photo_exists_for_source(project.conn, str(path), size, mtime_ns)
                    for path, size, mtime_ns in block
                ]

            for (path, _size, _mtime), duplicate in zip(block, self.access.run(known), strict=True):
                if duplicate:
                    self.summary.duplicates += 1
                    self.progress(ProgressEvent("scanning", 0, 0, "duplicate", path))
                else:
                    fresh.append(path)
        return fresh

    def _fail(self, path: Path, reason: str) -> None:
        self.summary.failed.append({"path": str(path), "error": reason})
        self.progress(ProgressEvent("importing", 0, 0, "failed", path, message=reason))

    def _process(self, candidates: list[Path]) -> None:
        self._hashes = self.access.run(lambda project: photos.known_hashes(project.conn))
        stale = self._photos_missing_thumbnails()
        total = len(candidates)
        pool = worker_pool(self.workers)
        pending: PendingFutures[tuple[str, Any]] = PendingFutures()
        # Results are recorded in scan order, whatever order the workers finish in, so that
        # ids and sequence numbers follow the folder and file names: the same import always
        # gives the same catalog. Head-of-line waiting costs at most one file's work.
        finished_ingests: dict[int, tuple[concurrent.futures.Future[Any], Path]] = {}
        next_index = 0
        try:
            staging = None if self.reference else self.staging_dir
            for index, path in enumerate(candidates):
                future: concurrent.futures.Future[Any] = pool.schedule(
                    worker.ingest,
                    args=(path, staging, self.project.cache_dir),
                    timeout=INGEST_TIMEOUT_S,
                )
                pending[future] = ("ingest", (index, path))
            for photo_id, file_path, content_hash, orientation in stale:
                pending[self._schedule_thumbnails(pool, file_path, content_hash, orientation)] = (
                    "thumbs",
                    (photo_id, file_path),
                )
            thumbs_total = len(stale)
            thumbs_done = 0
            self.progress(ProgressEvent("importing", 0, total))
            while pending:
                if self.cancel.cancelled:
                    break
                for finished in pending.wait_any(_POLL_S):
                    kind, subject = pending.pop(finished)
                    if kind == "thumbs":
                        thumbs_done += 1
                        self._on_thumbnails(finished, subject, thumbs_done, thumbs_total)
                        continue
                    index, path = subject
                    finished_ingests[index] = (finished, path)
                    while next_index in finished_ingests and not self.cancel.cancelled:
                        ingest_future, ingest_path = finished_ingests.pop(next_index)
                        next_index += 1
                        added = self._on_ingested(ingest_future, ingest_path, next_index, total)
                        if added is None:
                            continue
                        photo_id, file_path, content_hash, orientation = added
                        thumbs_total += 1
                        thumb_future = self._schedule_thumbnails(
                            pool, file_path, content_hash, orientation
                        )
                        pending[thumb_future] = ("thumbs", (photo_id, file_path))
        finally:
            if self.cancel.cancelled or pending:
                pool.stop()  # type: ignore[no-untyped-call]
            else:
                pool.close()  # type: ignore[no-untyped-call]
            pool.join()

    def _schedule_thumbnails(
        self, pool: ProcessPool, path: Path, content_hash: str, orientation: int
    ) -> concurrent.futures.Future[Any]:
        future: concurrent.futures.Future[Any] = pool.schedule(
            worker.make_thumbnails,
            args=(path, self.project.cache_dir, content_hash, orientation),
            timeout=THUMBNAIL_TIMEOUT_S,
        )
        return future

    def _photos_missing_thumbnails(self) -> list[tuple[int, Path, str, int]]:
        from gallery_app.core.thumbnails import thumbnails_fresh

        rows = self.access.run(
            lambda project: project.conn.execute(
                "SELECT id, path, content_hash, orientation FROM photos"
            ).fetchall()
        )
        missing = []
        for row in rows:  # the files are looked at outside the unit of catalog work
            path = self.project.resolve(row["path"])
            if path.exists() and not thumbnails_fresh(
                self.project.cache_dir, row["content_hash"], path
            ):
                missing.append((row["id"], path, row["content_hash"], row["orientation"]))
        return missing

    def _on_ingested(
        self, future: concurrent.futures.Future[Any], source: Path, done: int, total: int
    ) -> tuple[int, Path, str, int] | None:
        try:
            result: worker.IngestResult = future.result()
        except Exception as exc:
            reason = describe_failure(exc, INGEST_TIMEOUT_S)
            self._fail(source, reason)
            return None
        if result.content_hash in self._hashes:
            if result.staged is not None:
                result.staged.unlink(missing_ok=True)
            self.summary.duplicates += 1
            self.progress(ProgressEvent("importing", done, total, "duplicate", source))
            return None
        photo_id, final_path = self._record(result)
        if result.staged is not None:
            self._syncer.add(final_path)
        # Metadata readers' complaints (odd maker notes and the like) stay with the photo in
        # the catalog; the import report names only what the user may want to act on.
        for warning in result.warnings:
            self.summary.warnings.append({"path": str(source), "warning": warning})
        self._hashes.add(result.content_hash)
        self._added_this_run.add(photo_id)
        self.summary.imported.append(photo_id)
        self.progress(ProgressEvent("importing", done, total, "photo_added", source, photo_id))
        return photo_id, final_path, result.content_hash, result.orientation

    def _record(self, result: worker.IngestResult) -> tuple[int, Path]:
        """Commit the catalog row, then move the staged copy to the name the row gives."""
        meta = result.metadata
        captured_at, captured_source = meta.captured_at, meta.captured_at_source
        if not captured_at:
            captured_at = _file_time_iso(result.file_mtime_ns)
            captured_source = "file"
            result.warnings.append("no capture time in the file; using the file's modified time")
        photo_id, final = self.access.run(
            lambda project: self._commit(project, result, captured_at, captured_source)
        )
        if result.staged is not None:
            os.replace(result.staged, final)
        return photo_id, final

    def _commit(
        self,
        project: Project,
        result: worker.IngestResult,
        captured_at: str,
        captured_source: str | None,
    ) -> tuple[int, Path]:
        """The photo's row, in one transaction (one unit of catalog work)."""
        meta = result.metadata
        conn = project.conn
        with transaction(conn):
            if self.reference:
                stored_path = _stored_path(self.project.root, result.source)
                final = result.source
            else:
                seq = int(
                    conn.execute(
                        "UPDATE project SET import_sequence = import_sequence + 1"
                        " RETURNING import_sequence"
                    ).fetchone()[0]
                )
                event = conn.execute("SELECT event_name FROM project").fetchone()[0]
                stem = naming.render(
                    self.template,
                    naming.NameParts(
                        captured_at=captured_at,
                        seq=seq,
                        event=event,
                        original_stem=result.source.stem,
                        camera=meta.camera_model,
                    ),
                )
                final = self._free_name(project, stem, result.extension)
                stored_path = final.relative_to(self.project.root).as_posix()
            photo_id = photos.insert_photo(
                conn,
                photos.NewPhoto(
                    content_hash=result.content_hash,
                    path=stored_path,
                    storage="reference" if self.reference else "copy",
                    original_name=result.source.name,
                    source_path=str(result.source),
                    file_size=result.file_size,
                    file_mtime_ns=result.file_mtime_ns,
                    format=result.format,
                    width=result.width,
                    height=result.height,
                    captured_at=captured_at,
                    captured_at_source=captured_source or "file",
                    metadata=dataclasses.replace(meta, orientation=result.orientation),
                    imported_at=now_iso(),
                    import_id=self.import_id,
                ),
            )
        return photo_id, final

    def _free_name(self, project: Project, stem: str, extension: str) -> Path:
        conn = project.conn
        candidate = self.project.originals_dir / f"{stem}{extension}"
        counter = 1
        while (
            candidate.exists()
            or conn.execute(
                "SELECT 1 FROM photos WHERE path = ?",
                (candidate.relative_to(self.project.root).as_posix(),),
            ).fetchone()
        ):
            counter += 1
            candidate = self.project.originals_dir / f"{stem}-{counter}{extension}"
        return candidate

    def _on_thumbnails(
        self,
        future: concurrent.futures.Future[Any],
        subject: tuple[int, Path],
        done: int,
        total: int,
    ) -> None:
        photo_id, path = subject
        try:
            future.result()
        except Exception as exc:
            reason = describe_failure(exc, THUMBNAIL_TIMEOUT_S)
            if photo_id in self._added_this_run:
                # The header looked like a photo but the pixels do not decode: a damaged file.
                # It leaves the catalog again so nothing half-imported remains.
                source = self._remove_photo(photo_id) or path
                self._fail(source, reason)
            else:
                self.summary.warnings.append(
                    {"path": str(path), "warning": f"thumbnail failed: {reason}"}
                )
            return
        self.summary.thumbnails += 1
        self.progress(ProgressEvent("thumbnails", done, total, "thumbnail_ready", path, photo_id))

    def _remove_photo(self, photo_id: int) -> Path | None:
        """Take a photo added by this run out again; returns where it was imported from."""

        def remove(project: Project) -> Any:
            with transaction(project.conn) as conn:
                found = conn.execute(
                    "SELECT path, storage, source_path FROM photos WHERE id = ?", (photo_id,)
                ).fetchone()
                if found is not None:
                    conn.execute("DELETE FROM photos WHERE id = ?", (photo_id,))
                return found

        row = self.access.run(remove)
        if row is None:
            return None
        if row["storage"] == "copy":
            self.project.resolve(row["path"]).unlink(missing_ok=True)
        self.summary.imported.remove(photo_id)
        self._added_this_run.discard(photo_id)
        return Path(row["source_path"])


@dataclass(frozen=True)
class NamingContext:
    """What an example file name needs from the catalog: read once, then named offline.

    The Import dialog shows the name of the next copied photo live, on every keystroke of a
    naming pattern; it reads this once (on the catalog thread) instead of asking the catalog
    per keystroke.
    """

    next_seq: int
    event: str

    @classmethod
    def read(cls, conn: sqlite3.Connection) -> NamingContext:
        row = conn.execute("SELECT import_sequence, event_name FROM project").fetchone()
        return cls(int(row["import_sequence"] or 0) + 1, str(row["event_name"]))


def example_file_name(
    project: Project | NamingContext,
    template: str,
    *,
    captured_at: str = "2026-05-14T10:15:00",
    original: str = "DSC_0042.JPG",
    camera: str = "Nikon Z 6",
) -> str:
    """What the next copied photo would be called with ``template`` (the Import dialog shows
    it live while the user picks a naming scheme). Raises :class:`UserError` for a template
    the import would refuse."""
    naming.validate_template(template)
    context = project if isinstance(project, NamingContext) else NamingContext.read(project.conn)
    stem = naming.render(
        template,
        naming.NameParts(
            captured_at=captured_at,
            seq=context.next_seq,
            event=context.event,
            original_stem=Path(original).stem,
            camera=camera,
        ),
    )
    return stem + Path(original).suffix.lower()


def _stored_path(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _file_time_iso(mtime_ns: int) -> str:
    import datetime as dt

    stamp = dt.datetime.fromtimestamp(mtime_ns / 1e9).astimezone()
    return stamp.replace(microsecond=0).isoformat()


def describe_failure(exc: BaseException, timeout: float) -> str:
    """One line a comms officer can read, for any way a worker task can fail."""
    if isinstance(exc, concurrent.futures.TimeoutError):
        return f"reading it took longer than {timeout:.0f} s, so it was skipped (damaged file?)"
    if isinstance(exc, ProcessExpired):
        return (
            f"it crashed the image reader (exit code {exc.exitcode}); the file is probably damaged"
        )
    if isinstance(exc, MemoryError):
        return "reading it needed too much memory (damaged or hostile file)"
    if isinstance(exc, worker.IngestError):
        return str(exc)
    name = type(exc).__name__
    if name in ("ImageUnreadable", "MetadataUnreadable"):
        return str(exc)
    if isinstance(exc, OSError) and exc.errno in _OS_REASONS:
        return _OS_REASONS[exc.errno]  # not "[Errno 2] No such file or directory: '/…'"
    if isinstance(exc, OSError) and exc.strerror:
        return f"could not be read: {exc.strerror.lower()}"
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else name
    return f"could not be read: {message}"


_OS_REASONS = {
    errno.ENOENT: "the file is not there any more (moved, renamed, or on a drive that is not "
    "connected?)",
    errno.EACCES: "permission denied: this user account may not read or write it",
    errno.EPERM: "permission denied: this user account may not read or write it",
    errno.ENOSPC: "the disk is full",
    errno.EROFS: "the disk is read-only",
    errno.EIO: "the disk could not be read (a damaged card or drive?)",
}


def recover_staging(project: Project, access: CatalogAccess | None = None) -> int:
    """Finish or discard what an interrupted import left in the staging folder.

    A staged file (named ``HASH-UNIQUE``, or ``HASH`` by older versions) whose row is committed
    but whose file is not in place yet is moved into place (the run died between the commit and
    the rename). Everything
    else there is a partial or uncommitted *copy* of a source file, so deleting it loses nothing.

    Args:
        project: the project (for its folders when ``access`` is given).
        access: how to reach the catalog (default: ``project``'s own connection).

    Returns:
        how many files were moved into place.
    """
    staging = project.originals_dir / STAGING_DIR
    if not staging.is_dir():
        return 0
    entries = list(staging.iterdir())
    hashes = sorted({e.name.split("-", 1)[0] for e in entries if e.suffix != ".part"})

    def committed(catalog: Project) -> dict[str, str]:
        """The stored path of each staged hash whose row is committed (one unit of work)."""
        paths: dict[str, str] = {}
        for content_hash in hashes:
            row = catalog.conn.execute(
                "SELECT path FROM photos WHERE content_hash = ? AND storage = 'copy'",
                (content_hash,),
            ).fetchone()
            if row is not None:
                paths[content_hash] = row["path"]
        return paths

    stored = access_for(project, access).run(committed) if hashes else {}
    moved = 0
    for entry in entries:
        if entry.suffix != ".part":
            stored_path = stored.get(entry.name.split("-", 1)[0])
            if stored_path is not None:
                target = project.resolve(stored_path)
                if not target.exists():
                    os.replace(entry, target)
                    moved += 1
                    continue
        entry.unlink(missing_ok=True)
    return moved
