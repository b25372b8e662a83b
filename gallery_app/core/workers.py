"""Worker processes for per-photo work (import, export), set up the same way everywhere.

Each task runs in a separate process with a time limit (pebble kills a task that overruns and
replaces its worker), so one hostile file can only fail itself. Workers never come from a plain
``fork`` of the caller, which is unsafe in a GUI process with threads. Where the platform has
it, a ``forkserver`` (a clean process started once, with the imaging and metadata libraries
already imported) forks them, so a new worker is ready in milliseconds instead of the half
second a ``spawn`` spends importing Pillow and exiv2; elsewhere (Windows) they are spawned.

Starting the forkserver itself still costs a quarter of a second (a new interpreter importing
those libraries), and until it is up no photo can be decoded. :func:`start_worker_server` lets
a caller begin it early, in the background, while the caller does its own start-up: the
``gallery-app import`` command calls it before loading the command line (measured: the first
photo started 0.48 s after launch without it; see ``benchmarks/``). This module therefore
imports nothing heavy at load time.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import threading
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from pebble import ProcessPool


T = TypeVar("T")


class PendingFutures(dict[Future[Any], T]):
    """Scheduled tasks (future → what it is for) that can be waited on as they finish.

    ``concurrent.futures.wait`` installs and removes a waiter on every pending future at each
    call, so a loop that waits for the next finished task costs O(pending) per task and
    O(n²) per batch: measured 3.5 ms per call with 2,000 pending, about 7 s of CPU for a
    1,000-photo import, and 48 ms per call (over 15 minutes) for 10,000 photos. Here each
    future reports itself once, through a done-callback, to a queue. Adding a future to the
    mapping is what subscribes it; the loop pops what it has handled.
    """

    def __init__(self) -> None:
        super().__init__()
        self._finished: queue.SimpleQueue[Future[Any]] = queue.SimpleQueue()

    def __setitem__(self, future: Future[Any], value: T) -> None:
        super().__setitem__(future, value)
        future.add_done_callback(self._finished.put)

    def wait_any(self, timeout: float) -> list[Future[Any]]:
        """The pending futures that finished since the last call, waiting up to ``timeout``
        seconds for the first one (an empty list if none finished in that time)."""
        try:
            finished = [self._finished.get(timeout=timeout)]
        except queue.Empty:
            return []
        while True:
            try:
                finished.append(self._finished.get_nowait())
            except queue.Empty:
                break
        return [future for future in finished if future in self]


def default_worker_count() -> int:
    return max(1, os.cpu_count() or 1)


_PRELOAD = [
    "gallery_app.core.importing.worker",
    "gallery_app.core.metadata",
    "gallery_app.core.thumbnails",
    "gallery_app.core.export.renditions",
    # Imports libvips (no threads until first used, so forking after it is safe) once, instead
    # of once per worker; a missing or broken libvips only makes the resizes use Pillow.
    "gallery_app.core.resize_preload",
]


def _context() -> multiprocessing.context.BaseContext:
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(_PRELOAD)
        return context
    return multiprocessing.get_context("spawn")


def start_worker_server() -> None:
    """Begin starting the forkserver in the background (no-op where workers are spawned).

    Safe to call more than once and from any thread; :func:`worker_pool` waits for the same
    server. A failure here is not reported: the pool's own start then reports it.
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return
    _context()
    from multiprocessing import forkserver

    def ensure_running() -> None:
        try:
            forkserver.ensure_running()
        except Exception:  # the pool retries and says what is wrong
            return

    threading.Thread(target=ensure_running, name="worker-server", daemon=True).start()


def worker_pool(workers: int | None = None) -> ProcessPool:
    """A pool of bounded, low-priority worker processes (see :func:`init_worker`)."""
    from pebble import ProcessPool

    from gallery_app.core.importing.worker import init_worker

    return ProcessPool(
        max_workers=max(1, workers or default_worker_count()),
        initializer=init_worker,
        context=_context(),
    )
