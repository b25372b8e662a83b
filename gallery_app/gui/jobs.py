"""Long core use cases (import, export) on a worker thread, reported to the GUI by signals.

The window's catalog connection belongs to the GUI thread, so a job opens its own
(:meth:`Project.open_worker_handle`) inside the worker thread and closes it there when the work
ends. The worker never touches a Qt widget: the core's progress events and the outcome travel
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

from gallery_app.core.errors import Cancelled, GalleryError
from gallery_app.core.progress import CancelToken, ProgressCallback, ProgressEvent
from gallery_app.core.project import Project

Work = Callable[[Project, ProgressCallback, CancelToken], Any]
"""The use case to run: gets the worker's own project handle, a progress callback and the
cancel token; its return value is delivered by :attr:`BackgroundJob.succeeded`."""

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
    """Runs one :data:`Work` on its own thread with its own catalog connection."""

    progress = Signal(object)
    """A core :class:`ProgressEvent`, delivered on the GUI thread."""
    succeeded = Signal(object)
    """The work's return value, after the thread ended."""
    failed = Signal(str)
    """A message for a non-technical reader, after the thread ended."""
    cancelled = Signal()
    """The work stopped with :class:`Cancelled` (use cases that stop cleanly return instead)."""

    def __init__(self, project: Project, work: Work, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._project = project
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
            handle = self._project.open_worker_handle()
        except GalleryError as exc:
            self._outcome = ("failed", str(exc))
            return
        except OSError as exc:
            self._outcome = ("failed", describe_os_error(exc))
            return
        try:
            result = self._work(handle, self._emit_progress, self.cancel_token)
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
        finally:
            handle.close()

    # --- GUI thread ------------------------------------------------------------------

    def _announce(self) -> None:
        kind, value = self._outcome
        if kind == "succeeded":
            self.succeeded.emit(value)
        elif kind == "cancelled":
            self.cancelled.emit()
        else:
            self.failed.emit(str(value))
