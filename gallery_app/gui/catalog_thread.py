"""The one thread that touches the open project's catalog on behalf of the main window.

SQLite work on the GUI thread freezes the window for as long as the query runs: a consent
verdict over a block of photos, a 1,000-photo keyword edit, a filter over 20,000 photos. Like
Anki's collection executor (``style-anchors.md`` §3, "Serialise database access"), the window
therefore hands every catalog use case to a single worker thread as a callable that gets the
worker's own :class:`Project` handle (a connection opened *in* that thread, so a sqlite3 object
is only ever used by the thread that made it) and returns a plain value. The value comes back
to the GUI thread as a queued signal and is handed to the caller's callback there.

One thread, one queue: work runs in submission order, and results are delivered in the same
order, so an undo submitted after an edit always undoes that edit, and a grid block read
after an edit sees it. A failure becomes a sentence for :mod:`messages` (the details of an
unexpected one go to stderr), never a traceback.

Long jobs (import, export, write-back: :mod:`jobs`) keep their own threads for the file and
process-pool work, but reach the catalog through this thread too: :meth:`CatalogThread.access`
gives them a core :class:`~gallery_app.core.catalog.access.CatalogAccess` whose ``run`` queues
one short unit of catalog work here and blocks the *job's* thread (never the GUI thread) until
it is done. An import's per-photo commits thus interleave with the grid's reads and the user's
culling, and no second connection, thread or lock wait on the catalog exists.
"""

from __future__ import annotations

import contextlib
import itertools
import queue
import sqlite3
import sys
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, QThread, Signal
from PySide6.QtWidgets import QWidget

from gallery_app.core.catalog.access import CatalogAccess
from gallery_app.core.errors import GalleryError
from gallery_app.core.project import Project
from gallery_app.gui import messages
from gallery_app.gui.jobs import UNEXPECTED, describe_os_error

T = TypeVar("T")
Part = TypeVar("Part")
Work = Callable[[Project], Any]
"""A core use case: gets the catalog thread's project handle, returns a plain value."""
ResultCallback = Callable[[Any], None]
ErrorCallback = Callable[[str], None]


class CatalogUnavailable(GalleryError):
    """Catalog work failed (the message says why in plain words) or the thread has stopped."""


def describe_failure(exc: BaseException) -> str:
    """A failure of catalog work as a sentence a non-technical reader understands."""
    if isinstance(exc, GalleryError):
        return str(exc)
    if isinstance(exc, OSError):
        return describe_os_error(exc)
    if isinstance(exc, sqlite3.Error):
        return f"the project's catalog could not be read or changed ({exc})"
    traceback.print_exception(exc, file=sys.stderr)  # a bug: the terminal gets the details
    return UNEXPECTED


class _Worker(QThread):
    """Opens the catalog connection, runs queued work in order, closes the connection."""

    finished_work = Signal(int, bool, object)
    """(ticket, ok, result or message) — emitted on the worker, received on the GUI thread."""

    def __init__(self, project: Project) -> None:
        super().__init__()
        self._project = project
        self.jobs: queue.SimpleQueue[tuple[int, Work, Future[Any] | None] | None] = (
            queue.SimpleQueue()
        )
        self.ident: int | None = None
        """The Python thread id of this thread once it runs (to refuse calls from itself)."""

    def run(self) -> None:
        self.ident = threading.get_ident()
        handle: Project | None = None
        opening_error = ""
        try:
            handle = self._project.open_worker_handle()
        except Exception as exc:  # every job then reports why the catalog is unavailable
            opening_error = describe_failure(exc)
        try:
            while True:
                job = self.jobs.get()
                if job is None:
                    return
                ticket, work, future = job
                if handle is None:
                    self._deliver(ticket, future, False, opening_error)
                    continue
                try:
                    result = work(handle)
                    _require_clean(handle)
                except Exception as exc:
                    _roll_back(handle)
                    self._deliver(ticket, future, False, describe_failure(exc), exc)
                else:
                    self._deliver(ticket, future, True, result)
        finally:
            if handle is not None:
                handle.close()

    def _deliver(
        self,
        ticket: int,
        future: Future[Any] | None,
        ok: bool,
        value: Any,
        exc: BaseException | None = None,
    ) -> None:
        if future is not None:  # a blocking call: the GUI thread is waiting on the future
            if ok:
                future.set_result(value)
            else:
                # The job's thread gets what the work raised, exactly as with the core's
                # DirectAccess on the command line, and handles it the same way.
                future.set_exception(exc if exc is not None else CatalogUnavailable(str(value)))
            return
        self.finished_work.emit(ticket, ok, value)


class UnitLeftTransactionOpen(RuntimeError):
    """A unit of catalog work returned inside a transaction (a bug): its changes were undone."""


def _require_clean(handle: Project) -> None:
    """No unit may leave the shared connection inside a transaction.

    Every use case opens and closes its own transaction, so an open one here is a bug; left
    open, its changes would be committed by whichever unit commits next, or every later
    change in this window would fail with "cannot start a transaction within a transaction".
    Roll it back and fail the unit, so that nobody believes its changes were saved.
    """
    if handle.conn.in_transaction:
        _roll_back(handle)
        raise UnitLeftTransactionOpen("a unit of catalog work left a transaction open")


def _roll_back(handle: Project) -> None:
    if handle.conn.in_transaction:
        with contextlib.suppress(sqlite3.Error):
            handle.conn.rollback()


def _stopper(worker: _Worker) -> Callable[..., None]:
    def stop(*_args: object) -> None:
        try:
            running = worker.isRunning()
        except RuntimeError:  # Python already freed it at exit: shutdown() had stopped it
            return
        if running:
            worker.jobs.put(None)
            worker.wait()

    return stop


class _ThreadAccess:
    """:class:`CatalogAccess` over a :class:`CatalogThread`, for a job's own thread."""

    def __init__(self, catalog: CatalogThread) -> None:
        self._catalog = catalog

    def run(self, work: Callable[[Project], T]) -> T:
        return self._catalog.call(work, timeout_s=None)


class CatalogThread(QObject):
    """Runs catalog work for one window on one worker thread; lives on the GUI thread.

    Signals:
        work_done: after each submitted job's callback ran (tests wait on it).
    """

    work_done = Signal()

    def __init__(
        self,
        project: Project,
        parent: QObject | None = None,
        *,
        error_parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._error_parent = error_parent
        self._tickets = itertools.count(1)
        self._callbacks: dict[int, tuple[ResultCallback | None, ErrorCallback | None]] = {}
        self._closed = False
        self._worker = _Worker(project)
        self._worker.finished_work.connect(self._on_finished)
        # If the window is deleted without shutdown(), stop the thread anyway: a QThread
        # destroyed while running aborts the whole process.
        self.destroyed.connect(_stopper(self._worker))
        self._worker.start()

    # --- submitting ---------------------------------------------------------------------

    def submit(
        self,
        work: Work,
        on_result: ResultCallback | None = None,
        on_error: ErrorCallback | None = None,
    ) -> None:
        """Queue ``work``; ``on_result(value)`` or ``on_error(message)`` runs on the GUI thread.

        Without ``on_error`` a failure is shown as a message box. After :meth:`shutdown`
        nothing is queued and no callback runs.
        """
        if self._closed:
            return
        ticket = next(self._tickets)
        self._callbacks[ticket] = (on_result, on_error)
        self._worker.jobs.put((ticket, work, None))

    def submit_in_parts(
        self,
        parts: Callable[[Project], list[Part]],
        do_part: Callable[[Project, Part], T],
        on_done: Callable[[list[T]], None],
        on_error: ErrorCallback,
        *,
        wanted: Callable[[], bool],
        on_dropped: Callable[[], None] | None = None,
    ) -> None:
        """A long read (a verdict for every photo) as a chain of short units.

        ``parts`` lists the parts in one unit; then each part is ``do_part``'s own unit,
        submitted when the one before has answered, so work queued meanwhile (the grid's
        reads, the user's culling) runs between two parts instead of waiting for the whole
        read. ``on_done`` gets the parts' answers in order. ``wanted`` is asked before every
        unit, on the catalog thread and on this one (so it must be a cheap, thread-safe
        check, such as comparing a generation number): once it says no, the chain stops and
        ``on_dropped`` runs. A failure stops it too and goes to ``on_error``.
        """
        dropped = on_dropped or (lambda: None)
        skipped = object()

        def next_part(listed: list[Part], done: list[T]) -> None:
            if not wanted():
                dropped()
            elif len(done) == len(listed):
                on_done(done)
            else:
                part = listed[len(done)]
                self.submit(
                    lambda p: do_part(p, part) if wanted() else skipped,
                    lambda answer: (
                        dropped() if answer is skipped else next_part(listed, [*done, answer])
                    ),
                    on_error,
                )

        self.submit(
            lambda p: parts(p) if wanted() else skipped,
            lambda listed: dropped() if listed is skipped else next_part(listed, []),
            on_error,
        )

    def call(self, work: Callable[[Project], T], timeout_s: float | None = 30.0) -> T:
        """Run ``work`` on the catalog thread and wait for its value: for the units of a long
        job (:meth:`access`), whose thread may wait. The GUI thread never calls this (it
        submits and gets a callback), so the window never waits behind queued catalog work.
        Safe from any thread but the catalog thread.

        Args:
            timeout_s: give up after this long; ``None`` waits as long as the queue ahead
                takes (a job's thread may wait; it is not the GUI), but not for a thread that
                has stopped.

        Raises:
            GalleryError: the work raised it, or :class:`CatalogUnavailable` with a message.
        """
        if self._closed:
            raise CatalogUnavailable("the project is closing")
        if threading.get_ident() == self._worker.ident:
            # The work would wait for itself: a unit must not queue another and wait on it.
            raise RuntimeError("CatalogThread.call from the catalog thread itself")
        future: Future[T] = Future()
        self._worker.jobs.put((0, work, future))
        if timeout_s is not None:
            try:
                return future.result(timeout=timeout_s)
            except TimeoutError:
                raise CatalogUnavailable(
                    "the project's catalog is busy; try again in a moment"
                ) from None
        while True:
            try:
                return future.result(timeout=0.5)
            except TimeoutError:
                # Stopped with this work still queued (a shutdown raced the call): no answer
                # will come. ``done`` is checked after the thread is seen stopped, so an
                # answer given just before it stopped is not lost.
                if not self._worker.isRunning() and not future.done():
                    raise CatalogUnavailable("the project is closing") from None

    def access(self) -> CatalogAccess:
        """The core's way into the catalog for a long job on another thread: each unit of
        catalog work runs here, in turn with the window's own work, while the job's thread
        waits (no time limit: a busy queue is no failure; a stopped thread is)."""
        return _ThreadAccess(self)

    @property
    def pending(self) -> int:
        """Submitted jobs whose callbacks have not run yet."""
        return len(self._callbacks)

    def settle(self, timeout_s: float = 10.0) -> bool:
        """Process events until every submitted job's callback ran (callbacks may submit
        more); True if it got there in time. Events already posted (a zero-time timer that
        submits work, say) are processed first. For tests."""
        deadline = time.monotonic() + timeout_s
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
        while self._callbacks:
            if time.monotonic() > deadline:
                return False
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
            if self._callbacks:
                QThread.msleep(1)
        return True

    # --- results ------------------------------------------------------------------------

    def _on_finished(self, ticket: int, ok: bool, value: object) -> None:
        callbacks = self._callbacks.pop(ticket, None)
        if callbacks is None or self._closed:
            return
        on_result, on_error = callbacks
        if ok:
            if on_result is not None:
                on_result(value)
        elif on_error is not None:
            on_error(str(value))
        else:
            messages.show_error(self._error_parent, "Could not complete that", str(value))
        self.work_done.emit()

    # --- closing ------------------------------------------------------------------------

    def shutdown(self, timeout_ms: int = 30_000) -> None:
        """Finish the queued work (edits are not lost), close the connection, stop the thread.

        Callbacks of work still queued do not run: the window is going away. Idempotent.
        """
        if self._closed:
            return
        self._closed = True
        self._callbacks.clear()
        self._worker.jobs.put(None)
        self._worker.wait(timeout_ms)
