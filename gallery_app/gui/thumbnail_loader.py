"""Lazy thumbnail loading for the grid: worker threads read files, the GUI thread caches.

The grid asks for a thumbnail only when the view paints a cell (uniform item sizes make the
view ask for visible rows only). A :class:`_LoadJob` on a dedicated :class:`QThreadPool` reads
the best cached file the core made (the order of :func:`best_available_thumbnail`) straight
to the size the cell draws (``QImageReader.setScaledSize``), so painting is a plain blit
instead of a per-paint smooth scale; it returns a ``QImage`` — never a ``QPixmap`` (GUI thread
only) and never touches the catalog. Results come back through a relay ``QObject`` living on
the GUI thread; stale generations (after a reset) are dropped, the rest become pixmaps in a
small LRU keyed by photo id.

Scrolling quickly through 20,000 photos paints thousands of cells that are gone a moment
later. Requests therefore wait in our own queue, newest first, and only a few are handed to
the pool at a time: the cells on screen now are decoded first, and requests that fell far
behind (the oldest beyond :data:`MAX_QUEUED`) are dropped — they are asked for again if their
cell is ever painted again.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections import OrderedDict
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QSize, Qt, QThreadPool, Signal, Slot
from PySide6.QtGui import QImage, QImageReader, QPixmap

from gallery_app.core.thumbnails import (
    GRID_SIZE,
    GRID_SIZE_2X,
    embedded_thumbnail_path,
    thumbnail_path,
)

DEFAULT_CACHE_SIZE = 600
"""Pixmaps kept in memory: several screens of thumbnails, about 100 MB at the largest size."""
WORKER_NICENESS = 10
"""How much lower than the GUI thread decoding runs (Unix nice steps)."""
MAX_QUEUED = 120
"""Requests waiting for a worker; older ones are dropped (a few screens' worth)."""


class _Relay(QObject):
    """Carries results from worker threads to the GUI thread (queued connection)."""

    loaded = Signal(int, int, QImage)
    failed = Signal(int, int)


class _LoadJob(QRunnable):
    """Decodes the first readable file of ``candidates`` to fit ``box``.

    Runs as little Python as possible: worker threads share the GIL with the GUI thread, and
    every Python step here can delay a frame of scrolling. The paths are worked out by the
    GUI thread; here only Qt's C++ reader runs.
    """

    def __init__(
        self,
        relay: _Relay,
        photo_id: int,
        generation: int,
        candidates: list[str],
        box: QSize,
    ) -> None:
        super().__init__()
        self._relay = relay
        self._photo_id = photo_id
        self._generation = generation
        self._candidates = candidates
        self._box = box

    def run(self) -> None:
        _yield_to_gui_thread()
        image = QImage()
        for path in self._candidates:
            reader = QImageReader(path)
            reader.setAutoTransform(False)  # the core stores thumbnails upright
            size = reader.size()
            if not size.isValid():
                continue  # not made (yet), or not an image: try the next best
            fitted = size.scaled(self._box, Qt.AspectRatioMode.KeepAspectRatio)
            if fitted.width() < size.width():  # never enlarge: keep the file's pixels
                reader.setScaledSize(fitted)
            image = reader.read()
            if not image.isNull():
                break
        if image.isNull():
            self._relay.failed.emit(self._photo_id, self._generation)
        else:
            self._relay.loaded.emit(self._photo_id, self._generation, image)


_background = threading.local()


def _yield_to_gui_thread() -> None:
    """Lower this worker thread's CPU priority, once per thread, where the system allows it.

    Decoding thumbnails must not take a core from the GUI thread in the middle of a scroll
    frame (the machine may have two cores and other programs). On Linux a thread's nice value
    is its own (``setpriority`` on the thread id); elsewhere this does nothing.
    """
    if getattr(_background, "niced", False):
        return
    _background.niced = True
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), WORKER_NICENESS)


def thumbnail_candidates(cache_dir: Path, content_hash: str, box: QSize) -> list[str]:
    """The cached files to try, best first (as :func:`best_available_thumbnail` orders them):
    the grid size that covers ``box``, the other grid size, the camera's embedded thumbnail."""
    first, second = (
        (GRID_SIZE_2X, GRID_SIZE)
        if max(box.width(), box.height()) > GRID_SIZE
        else (GRID_SIZE, GRID_SIZE_2X)
    )
    try:
        return [
            str(thumbnail_path(cache_dir, content_hash, first)),
            str(thumbnail_path(cache_dir, content_hash, second)),
            str(embedded_thumbnail_path(cache_dir, content_hash)),
        ]
    except ValueError:  # not a content hash: nothing cached can belong to it
        return []


class ThumbnailLoader(QObject):
    """Owns the grid's thread pool, the request queue and the pixmap LRU (GUI thread only)."""

    thumbnail_ready = Signal(int)
    """A photo id whose thumbnail is now in :meth:`pixmap` (or known to be missing)."""

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        threads: int = 2,
        cache_size: int = DEFAULT_CACHE_SIZE,
    ) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(threads)
        self._in_flight_limit = threads * 2
        self._relay = _Relay(self)
        self._relay.loaded.connect(self._on_loaded)
        self._relay.failed.connect(self._on_failed)
        self._cache: OrderedDict[int, QPixmap] = OrderedDict()
        self._cache_box: dict[int, QSize] = {}
        """The box each cached pixmap was decoded for (reloaded when the cells grow)."""
        self._cache_size = cache_size
        self._queue: OrderedDict[int, tuple[Path, str]] = OrderedDict()
        self._in_flight: dict[int, QSize] = {}
        """Photo ids being decoded, with the box each was started for."""
        self._missing: set[int] = set()
        self._generation = 0
        self._box = QSize(GRID_SIZE, GRID_SIZE)
        self.requests = 0
        """How many requests were accepted (tests and benchmarks read it)."""
        self.loads = 0
        """How many decodes were started on the pool."""
        self.dropped = 0
        """Requests dropped from the queue before a worker took them."""

    @property
    def box(self) -> QSize:
        """The size (device pixels) thumbnails are decoded to fit."""
        return QSize(self._box)

    def set_box(self, box: QSize) -> None:
        """Decode from now on to fit ``box``. Cached pixmaps stay (drawn scaled) until their
        cell is painted again and asks for a sharp one, so resizing never flashes grey."""
        if box == self._box or box.isEmpty():
            return
        self._box = QSize(box)
        self._queue.clear()

    def pixmap(self, photo_id: int) -> QPixmap | None:
        pixmap = self._cache.get(photo_id)
        if pixmap is not None:
            self._cache.move_to_end(photo_id)
        return pixmap

    def is_sharp(self, photo_id: int) -> bool:
        """The cached pixmap was decoded for the current box (no new request needed)."""
        return self._cache_box.get(photo_id) == self._box

    def is_missing(self, photo_id: int) -> bool:
        return photo_id in self._missing

    @property
    def pending(self) -> int:
        """Requests queued or being decoded."""
        return len(self._queue) + len(self._in_flight)

    def is_pending(self, photo_id: int) -> bool:
        return photo_id in self._queue or photo_id in self._in_flight

    def request(self, photo_id: int, cache_dir: Path, content_hash: str) -> None:
        """Ask for a thumbnail (newest requests are served first)."""
        if photo_id in self._in_flight or photo_id in self._missing:
            return
        if photo_id in self._cache and self.is_sharp(photo_id):
            return
        if photo_id in self._queue:
            self._queue.move_to_end(photo_id)  # painted again: still wanted, serve it sooner
            return
        self.requests += 1
        self._queue[photo_id] = (cache_dir, content_hash)
        while len(self._queue) > MAX_QUEUED:
            self._queue.popitem(last=False)
            self.dropped += 1
        self._start_next()

    def _start_next(self) -> None:
        while self._queue and len(self._in_flight) < self._in_flight_limit:
            photo_id, (cache_dir, content_hash) = self._queue.popitem(last=True)
            box = QSize(self._box)
            self._in_flight[photo_id] = box
            self.loads += 1
            candidates = thumbnail_candidates(cache_dir, content_hash, box)
            self.pool.start(_LoadJob(self._relay, photo_id, self._generation, candidates, box))

    def forget(self, photo_ids: list[int] | None = None) -> None:
        """Drop cached pixmaps (all, or some) so they are read again when next painted."""
        if photo_ids is None:
            self._cache.clear()
            self._cache_box.clear()
            self._missing.clear()
            return
        for photo_id in photo_ids:
            self._cache.pop(photo_id, None)
            self._cache_box.pop(photo_id, None)
            self._missing.discard(photo_id)

    def reset(self) -> None:
        """Forget queued work: results of jobs already running are ignored."""
        self._generation += 1
        self.pool.clear()
        self._queue.clear()
        self._in_flight.clear()

    def shutdown(self) -> None:
        self.reset()
        self.pool.waitForDone()

    def _finish(self, photo_id: int, generation: int) -> bool:
        if generation != self._generation:
            return False
        self._in_flight.pop(photo_id, None)
        self._start_next()
        return True

    @Slot(int, int, QImage)
    def _on_loaded(self, photo_id: int, generation: int, image: QImage) -> None:
        box = self._in_flight.get(photo_id, QSize())
        if not self._finish(photo_id, generation):
            return
        self._cache[photo_id] = QPixmap.fromImage(image)
        self._cache.move_to_end(photo_id)
        self._cache_box[photo_id] = box
        while len(self._cache) > self._cache_size:
            old, _ = self._cache.popitem(last=False)
            self._cache_box.pop(old, None)
        self.thumbnail_ready.emit(photo_id)

    @Slot(int, int)
    def _on_failed(self, photo_id: int, generation: int) -> None:
        if not self._finish(photo_id, generation):
            return
        self._missing.add(photo_id)
        self.thumbnail_ready.emit(photo_id)
