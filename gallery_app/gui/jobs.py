"""Long core use cases (import, export, write-back) on a worker thread, reported by signals.

The job's thread does the use case's file and process-pool work; it opens no catalog
connection. The catalog is reached through the :class:`CatalogAccess` the job is given (the
window's catalog thread, :meth:`CatalogThread.access`): each unit of catalog work runs there and
this thread waits for it, so the catalog is touched by one thread only and the GUI thread never
waits. The worker never touches a Qt widget: the core's progress events and the outcome travel
as queued signals to this object, which lives on the GUI thread. The outcome is announced only
after the thread has really finished (from ``QThread.finished``), so whoever reacts to it may
close the project at once. Every failure becomes a sentence for :mod:`messages`; the details of
an unexpected one go to stderr, never to the user.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

from gallery_app.core.catalog.access import CatalogAccess
from gallery_app.core.errors import Cancelled, GalleryError
from gallery_app.core.progress import CancelToken, ProgressCallback, ProgressEvent

Work = Callable[[CatalogAccess, ProgressCallback, CancelToken], Any]
"""The use case to run: gets the way into the catalog (pass it on as the core's ``access=``),
a progress callback and the cancel token; its return value is delivered by
:attr:`BackgroundJob.succeeded`."""

UNEXPECTED = (
    "something unexpected went wrong. The photos and the catalog are safe; what finished "
    "before the problem is kept. Details were printed in the terminal"
)


def describe_os_error(exc: OSError) -> str:
    """An operating-system error as a sentence naming the file."""
    where = f"{exc.filename}: " if exc.filename else ""
    return f"{where}{exc.strerror or exc}"


class _Runner(QThread):
    def __init__(self, job: BackgroundJob) -> None:
        super().__init__()
        self._job = job

    def run(self) -> None:
        self._job._run_in_worker()


class BackgroundJob(QObject):
    """Runs one :data:`Work` on its own thread; its catalog work goes through ``access``.

    Whoever closes the catalog thread must first :meth:`cancel` and :meth:`wait` for every job
    (the window does: its dialogs' ``shutdown``), or the job's next unit fails as "closing".
    """

    progress = Signal(object)
    """A core :class:`ProgressEvent`, delivered on the GUI thread."""
    succeeded = Signal(object)
    """The work's return value, after the thread ended."""
    failed = Signal(str)
    """A message for a non-technical reader, after the thread ended."""
    cancelled = Signal()
    """The work stopped with :class:`Cancelled` (use cases that stop cleanly return instead)."""

    def __init__(self, access: CatalogAccess, work: Work, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._access = access
        self._work = work
        self.cancel_token = CancelToken()
        self._outcome: tuple[str, Any] = ("failed", UNEXPECTED)
        self._thread = _Runner(self)
        self._thread.finished.connect(self._announce)

    def start(self) -> None:
        self._thread.start()

    def cancel(self) -> None:
        """Ask the work to stop soon; what it committed stays."""
        self.cancel_token.cancel()

    def is_running(self) -> bool:
        return self._thread.isRunning()

    def wait(self, milliseconds: int = -1) -> bool:
        """Block until the thread ends (used when the window closes); True if it did."""
        if milliseconds < 0:
            return bool(self._thread.wait())
        return bool(self._thread.wait(milliseconds))

    # --- worker thread ---------------------------------------------------------------

    def _emit_progress(self, event: ProgressEvent) -> None:
        self.progress.emit(event)

    def _run_in_worker(self) -> None:
        try:
            result = self._work(self._access, self._emit_progress, self.cancel_token)
        except Cancelled:
            self._outcome = ("cancelled", None)
        except GalleryError as exc:
            self._outcome = ("failed", str(exc))
        except OSError as exc:
            self._outcome = ("failed", describe_os_error(exc))
        except Exception:  # a bug: the user gets a sentence, the terminal the details
            traceback.print_exc(file=sys.stderr)
            self._outcome = ("failed", UNEXPECTED)
        else:
            self._outcome = ("succeeded", result)

    # --- GUI thread ------------------------------------------------------------------

    def _announce(self) -> None:
        kind, value = self._outcome
        if kind == "succeeded":
            self.succeeded.emit(value)
        elif kind == "cancelled":
            self.cancelled.emit()
        else:
            self.failed.emit(str(value))
