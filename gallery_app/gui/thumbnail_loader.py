"""Lazy thumbnail loading for the grid: worker threads read files, the GUI thread caches.

The grid asks for a thumbnail only when the view paints a cell (uniform item sizes make the
view ask for visible rows only). A :class:`_LoadJob` on a dedicated :class:`QThreadPool` finds
the best cached file the core made (:func:`best_available_thumbnail`) and decodes it into a
``QImage`` — never a ``QPixmap`` (GUI thread only) and never the catalog. Results come back
through a relay ``QObject`` living on the GUI thread; stale generations (after a reset) are
dropped, the rest become pixmaps in a small LRU keyed by photo id.
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot
from PySide6.QtGui import QImage, QImageReader, QPixmap

from gallery_app.core.thumbnails import GRID_SIZE, best_available_thumbnail

DEFAULT_CACHE_SIZE = 600
"""Pixmaps kept in memory: several screens of 256 px thumbnails, about 150 MB at worst."""


class _Relay(QObject):
    """Carries results from worker threads to the GUI thread (queued connection)."""

    loaded = Signal(int, int, QImage)
    failed = Signal(int, int)


class _LoadJob(QRunnable):
    def __init__(
        self, relay: _Relay, photo_id: int, generation: int, cache_dir: Path, content_hash: str
    ) -> None:
        super().__init__()
        self._relay = relay
        self._photo_id = photo_id
        self._generation = generation
        self._cache_dir = cache_dir
        self._hash = content_hash

    def run(self) -> None:
        image = QImage()
        try:
            path = best_available_thumbnail(self._cache_dir, self._hash, GRID_SIZE)
        except (OSError, ValueError):
            path = None
        if path is not None:
            reader = QImageReader(str(path))
            reader.setAutoTransform(False)  # the core stores thumbnails upright
            image = reader.read()
        if image.isNull():
            self._relay.failed.emit(self._photo_id, self._generation)
        else:
            self._relay.loaded.emit(self._photo_id, self._generation, image)


class ThumbnailLoader(QObject):
    """Owns the grid's thread pool, the pending set and the pixmap LRU (GUI thread only)."""

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
        self._relay = _Relay(self)
        self._relay.loaded.connect(self._on_loaded)
        self._relay.failed.connect(self._on_failed)
        self._cache: OrderedDict[int, QPixmap] = OrderedDict()
        self._cache_size = cache_size
        self._pending: set[int] = set()
        self._missing: set[int] = set()
        self._generation = 0
        self.requests = 0
        """How many loads were started (tests and benchmarks read it)."""

    def pixmap(self, photo_id: int) -> QPixmap | None:
        pixmap = self._cache.get(photo_id)
        if pixmap is not None:
            self._cache.move_to_end(photo_id)
        return pixmap

    def is_missing(self, photo_id: int) -> bool:
        return photo_id in self._missing

    def request(self, photo_id: int, cache_dir: Path, content_hash: str) -> None:
        if photo_id in self._pending or photo_id in self._cache or photo_id in self._missing:
            return
        self._pending.add(photo_id)
        self.requests += 1
        self.pool.start(_LoadJob(self._relay, photo_id, self._generation, cache_dir, content_hash))

    def forget(self, photo_ids: list[int] | None = None) -> None:
        """Drop cached pixmaps (all, or some) so they are read again when next painted."""
        if photo_ids is None:
            self._cache.clear()
            self._missing.clear()
            return
        for photo_id in photo_ids:
            self._cache.pop(photo_id, None)
            self._missing.discard(photo_id)

    def reset(self) -> None:
        """Forget queued work: results of jobs already running are ignored."""
        self._generation += 1
        self.pool.clear()
        self._pending.clear()

    def shutdown(self) -> None:
        self.reset()
        self.pool.waitForDone()

    @Slot(int, int, QImage)
    def _on_loaded(self, photo_id: int, generation: int, image: QImage) -> None:
        if generation != self._generation:
            return
        self._pending.discard(photo_id)
        self._cache[photo_id] = QPixmap.fromImage(image)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        self.thumbnail_ready.emit(photo_id)

    @Slot(int, int)
    def _on_failed(self, photo_id: int, generation: int) -> None:
        if generation != self._generation:
            return
        self._pending.discard(photo_id)
        self._missing.add(photo_id)
        self.thumbnail_ready.emit(photo_id)
