"""Progress reporting and cancellation for long operations, in plain Python.

The core never knows who is watching: the CLI draws a terminal progress bar, the GUI moves a
progress bar and adds thumbnails to the grid, tests collect the events in a list. All of them
pass a callable that receives :class:`ProgressEvent` objects, and a :class:`CancelToken` they
may trip from any thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from gallery_app.core.errors import Cancelled


@dataclass(frozen=True)
class ProgressEvent:
    """One step of a long operation.

    Attributes:
        phase: what the operation is doing now (for import: ``"scanning"``, ``"importing"``,
            ``"thumbnails"``, ``"done"``).
        done: work items finished in this phase.
        total: work items in this phase (0 while unknown).
        kind: what just happened: ``"photo_added"``, ``"thumbnail_ready"``, ``"duplicate"``,
            ``"failed"``, ``"skipped"`` or ``"phase"`` for a phase change.
        path: the file concerned, if any.
        photo_id: the catalog id concerned, if any.
        message: a one-line human explanation (the reason for ``"failed"``).
    """

    phase: str
    done: int
    total: int
    kind: str = "phase"
    path: Path | None = None
    photo_id: int | None = None
    message: str = ""


ProgressCallback = Callable[[ProgressEvent], None]


def ignore_progress(_event: ProgressEvent) -> None:
    """The callback used when the caller passes none."""


class CancelToken:
    """A thread-safe flag a caller sets to ask a long operation to stop soon and cleanly."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled("cancelled")
