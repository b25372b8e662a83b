"""The grid's model: an ordered list of photo ids, rows fetched from the core on demand.

Following the recipe in ``style-anchors.md`` §3.1, the model holds only ids (from
:func:`list_photo_ids`, sorted in SQL) and an id→row index. Cell details (rating, flag, colour,
keyword count, consent verdict) are fetched a block of 64 rows at a time — one core call,
:func:`grid_cells`, a few queries — the first time a row is painted, and dropped for the rows
an edit touched, so a 20,000-photo project costs one integer list up front. Where the rows
come from is a :class:`PhotoSource`, so the grid can be tested with 2,000 synthetic rows.

In the main window the source is a :class:`ThreadedCatalogSource`: the id list and the block
reads go to the window's :class:`~gallery_app.gui.catalog_thread.CatalogThread` and arrive
later. Until the first ids are in, the grid is empty and :attr:`PhotoGridModel.loading` says
so (the view writes "Loading photos…"); a cell shows the placeholder card until its block is
in, and the model repaints the block's cells when it arrives. The GUI thread never waits for
the catalog: a wait would sit behind whatever is queued there, a 1,000-photo edit say. An id
answer for a query that a newer reset superseded is dropped. A source without ``fetch_ids``
and ``fetch_rows`` (a fake, or :class:`CatalogSource` for the benchmark) is read synchronously.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QPixmap

from gallery_app.core.catalog.grid import grid_cells
from gallery_app.core.catalog.photos import PhotoQuery, list_photo_ids
from gallery_app.core.consent.model import Verdict
from gallery_app.core.project import Project
from gallery_app.gui.thumbnail_loader import ThumbnailLoader

if TYPE_CHECKING:
    from gallery_app.gui.catalog_thread import CatalogThread

CONSENT_USE = "web"
"""The use whose verdict the grid badge shows (the app's main export)."""
_BLOCK = 64
"""Rows fetched at once when a cell is first painted: about one screen."""
_ROW_CACHE = 4096
"""Rows kept (insertion order; the oldest half goes when full)."""
WRITE_NEVER = "never_written"
WRITE_CHANGED = "changed"
"""``WriteState`` values (core, ``gallery_app.core.writeback``), spelled here so that the grid
does not import the write-back engine to paint."""
WRITE_STATE_TEXT = {
    "up_to_date": "File: up to date",
    WRITE_CHANGED: "File: changed since written",
    WRITE_NEVER: "File: never written",
}


@dataclass(frozen=True, slots=True)
class PhotoRow:
    """What a grid cell shows about one photo."""

    photo_id: int
    filename: str
    rating: int
    flag: int
    """1 pick, -1 reject, 0 none."""
    color_label: str | None
    content_hash: str
    orientation: int
    source: Path
    verdict: str | None
    """A :class:`Verdict` value, or None when unknown."""
    keywords: int = 0
    """How many keywords the photo has."""
    has_caption: bool = False
    has_alt_text: bool = False
    write_state: str = WRITE_NEVER
    """Whether the file holds what the catalog says (a core ``WriteState`` value)."""

    @property
    def changed_since_written(self) -> bool:
        """Written back before, edited since: the file is behind the catalog."""
        return self.write_state == WRITE_CHANGED


class PhotoSource(Protocol):
    """Where the grid's ids and rows come from, read on the calling thread (the catalog on
    the GUI thread's connection, or a fake in tests)."""

    cache_dir: Path

    def photo_ids(self) -> list[int]: ...

    def rows(self, photo_ids: list[int]) -> dict[int, PhotoRow]: ...


IdsCallback = Callable[[list[int]], None]
RowsCallback = Callable[[dict[int, PhotoRow]], None]
FailCallback = Callable[[str], None]


class AsyncPhotoSource(Protocol):
    """Where the grid's ids and rows come from when they are read on another thread: each
    answer is handed to a callback on the GUI thread, in the order the reads were asked."""

    cache_dir: Path

    def fetch_ids(self, deliver: IdsCallback, fail: FailCallback) -> None: ...

    def fetch_rows(
        self, photo_ids: list[int], deliver: RowsCallback, fail: FailCallback
    ) -> None: ...


class CatalogSource:
    """Rows from an open project through the core's public queries, on the calling thread."""

    def __init__(self, project: Project, query: PhotoQuery | None = None) -> None:
        self.project = project
        self.cache_dir = project.cache_dir
        self.query = query or PhotoQuery(sort="time")

    def photo_ids(self) -> list[int]:
        return list_photo_ids(self.project.conn, self.query)

    def rows(self, photo_ids: list[int]) -> dict[int, PhotoRow]:
        return read_rows(self.project, photo_ids)


def read_rows(project: Project, photo_ids: list[int]) -> dict[int, PhotoRow]:
    """The grid rows of these photos from ``project``'s connection (any thread that owns it).

    Ids that are gone (a running import took a damaged file out again) are simply not in the
    result; the next sync drops their rows."""
    return {
        cell.photo_id: PhotoRow(
            photo_id=cell.photo_id,
            filename=cell.filename,
            rating=cell.rating,
            flag=cell.flag,
            color_label=cell.color_label,
            content_hash=cell.content_hash,
            orientation=cell.orientation,
            source=project.resolve(cell.path),
            verdict=cell.verdict,
            keywords=cell.keywords,
            has_caption=cell.has_caption,
            has_alt_text=cell.has_alt_text,
            write_state=cell.write_state,
        )
        for cell in grid_cells(project.conn, photo_ids, CONSENT_USE).values()
    }


class ThreadedCatalogSource:
    """The windows' source: every read runs on their catalog thread, none on the GUI thread
    (whose own connection is never used), and none waits for its answer."""

    def __init__(
        self, project: Project, catalog: CatalogThread, query: PhotoQuery | None = None
    ) -> None:
        self.project = project
        self.cache_dir = project.cache_dir
        self.catalog = catalog
        self.query = query or PhotoQuery(sort="time")

    def fetch_ids(self, deliver: IdsCallback, fail: FailCallback) -> None:
        """Run the current query on the catalog thread; ``deliver`` or ``fail`` runs on the
        GUI thread, after every earlier catalog job's result."""
        query = self.query  # the query as it is now, not as it is when the job runs
        self.catalog.submit(lambda p: list_photo_ids(p.conn, query), deliver, fail)

    def fetch_rows(self, photo_ids: list[int], deliver: RowsCallback, fail: FailCallback) -> None:
        """Read these rows on the catalog thread; ``deliver`` or ``fail`` runs on the GUI
        thread, after every earlier catalog job's result."""
        ids = list(photo_ids)
        self.catalog.submit(lambda p: read_rows(p, ids), deliver, fail)


class Roles:
    """Custom data roles the delegate paints from."""

    ROW = Qt.ItemDataRole.UserRole + 1
    PHOTO_ID = Qt.ItemDataRole.UserRole + 2
    RATING = Qt.ItemDataRole.UserRole + 3
    FLAG = Qt.ItemDataRole.UserRole + 4
    COLOR_LABEL = Qt.ItemDataRole.UserRole + 5
    VERDICT = Qt.ItemDataRole.UserRole + 6
    THUMBNAIL_STATE = Qt.ItemDataRole.UserRole + 7
    """"loaded", "loading", "missing", or "resizing" (an older size, drawn scaled)."""
    WRITE_STATE = Qt.ItemDataRole.UserRole + 8
    """"up_to_date", "changed" or "never_written": the file against the catalog."""


_CELL_FLAGS = (
    Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
)

VERDICT_TEXT = {
    Verdict.CLEARED.value: "✓ Cleared",
    Verdict.NEEDS_REVIEW.value: "? Review",
    Verdict.BLOCKED.value: "⊘ Blocked",
}
FLAG_TEXT = {1: "Pick", -1: "Rejected", 0: "Not flagged"}


class PhotoGridModel(QAbstractListModel):
    """Ids in display order; rows on demand; thumbnails through a :class:`ThumbnailLoader`.

    Signals:
        rows_failed: a block read on the catalog thread failed (a sentence for the user).
        ids_loaded: ids read asynchronously (:meth:`reload`, :meth:`sync_ids`) are in the
            model now (also after a failure, with :attr:`load_error` set).
        loading_changed: :attr:`loading` or :attr:`load_error` changed (the view repaints
            its empty-grid message).
    """

    rows_failed = Signal(str)
    ids_loaded = Signal()
    loading_changed = Signal()

    def __init__(
        self,
        source: PhotoSource | AsyncPhotoSource,
        loader: ThumbnailLoader,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._source = source
        self._loader = loader
        self._ids: list[int] = []
        self._row_of: dict[int, int] | None = {}
        """Row of each id; None after rows moved, until someone asks (:meth:`_positions`)."""
        self._rows: dict[int, PhotoRow] = {}
        self._pending: set[int] = set()
        """Ids whose rows were asked of an asynchronous source and have not arrived."""
        self._waiters: dict[int, list[Callable[[PhotoRow | None], None]]] = {}
        self._generation = 0
        """Bumped by every wholesale replacement of the ids: an id answer asked for under an
        older generation is stale (its query is no longer the one shown)."""
        self._loading = False
        self._load_error = ""
        self._placeholder = _placeholder()
        loader.thumbnail_ready.connect(self._on_thumbnail)
        self.reload()

    # --- Qt model API -------------------------------------------------------------------

    def rowCount(  # noqa: N802
        self,
        parent: QModelIndex | QPersistentModelIndex = QModelIndex(),  # noqa: B008
    ) -> int:
        return 0 if parent.isValid() else len(self._ids)

    def data(
        self,
        index: QModelIndex | QPersistentModelIndex,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._ids):
            return None
        photo_id = self._ids[index.row()]
        if role == Roles.PHOTO_ID:
            return photo_id
        if role == Qt.ItemDataRole.DecorationRole:
            return self._thumbnail(photo_id)
        if role == Roles.THUMBNAIL_STATE:
            if self._loader.pixmap(photo_id) is not None:
                return "loaded" if self._loader.is_sharp(photo_id) else "resizing"
            return "missing" if self._loader.is_missing(photo_id) else "loading"
        row = self.row(photo_id)
        if row is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return row.filename
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            return _describe(row)
        if role == Roles.ROW:
            return row
        if role == Roles.RATING:
            return row.rating
        if role == Roles.FLAG:
            return row.flag
        if role == Roles.COLOR_LABEL:
            return row.color_label or ""
        if role == Roles.VERDICT:
            return row.verdict or ""
        if role == Roles.WRITE_STATE:
            return row.write_state
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        # Asked for every painted cell: a constant, not three enum ORs each time.
        return _CELL_FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags

    # --- our API ------------------------------------------------------------------------

    def cell(self, position: int) -> tuple[PhotoRow | None, QPixmap, str]:
        """What the delegate paints for one row — details, thumbnail, thumbnail state — in
        one Python call instead of three ``data()`` round trips through Qt (painting is on
        the scroll path). Same values as the ``ROW``, ``DecorationRole`` and
        ``THUMBNAIL_STATE`` roles."""
        photo_id = self._ids[position]
        pixmap = self._thumbnail(photo_id)
        loader = self._loader
        if loader.pixmap(photo_id) is not None:
            state = "loaded" if loader.is_sharp(photo_id) else "resizing"
        else:
            state = "missing" if loader.is_missing(photo_id) else "loading"
        return self.row(photo_id), pixmap, state

    @property
    def source(self) -> PhotoSource | AsyncPhotoSource:
        return self._source

    @property
    def loading(self) -> bool:
        """True while the ids of a :meth:`reload` are being read (the grid shows the old ids,
        or nothing at first)."""
        return self._loading

    @property
    def load_error(self) -> str:
        """Why the last :meth:`reload` failed (a sentence), or empty."""
        return self._load_error

    def reload(self) -> None:
        """Ask the source for the ids again; the grid is reset when they arrive.

        A synchronous source answers at once. An asynchronous one answers later; until then
        the grid keeps what it shows (at first: nothing, with :attr:`loading` set), and a
        newer :meth:`reload` or :meth:`reset_ids` makes this answer stale."""
        fetch_ids = getattr(self._source, "fetch_ids", None)
        if fetch_ids is None:
            self.reset_ids(self._source.photo_ids())  # type: ignore[union-attr]
            return
        self._generation += 1
        generation = self._generation
        self._set_loading(True, "")
        fetch_ids(
            lambda ids: self._on_ids(generation, ids, reset=True),
            lambda message: self._on_ids_failed(generation, message),
        )

    def reset_ids(self, photo_ids: list[int]) -> None:
        """Show exactly these ids (a filter's answer, read by the caller); any id answer still
        on its way is stale from now on. Selection and current item are reset (Qt's reset)."""
        self._generation += 1
        self._set_loading(False, "")
        self._replace(photo_ids)

    def _replace(self, photo_ids: list[int]) -> None:
        self.beginResetModel()
        self._loader.reset()
        self._ids = list(photo_ids)
        self._row_of = None
        self._rows.clear()
        self.endResetModel()

    def sync_ids(self) -> None:
        """Ask the source for the ids again and take in the difference when they arrive
        (:meth:`merge_ids`), keeping the selection. If the grid was reset in the meantime,
        the answer may predate photos added since, so the ids are asked for again."""
        fetch_ids = getattr(self._source, "fetch_ids", None)
        if fetch_ids is None:
            self.merge_ids(self._source.photo_ids())  # type: ignore[union-attr]
            return
        generation = self._generation
        fetch_ids(
            lambda ids: self._on_ids(generation, ids, reset=False),
            self.rows_failed.emit,
        )

    def _on_ids(self, generation: int, photo_ids: list[int], *, reset: bool) -> None:
        if generation != self._generation:
            if not reset:
                self.sync_ids()  # against the ids shown now
            return  # a newer reload or filter answer replaced what this was asked for
        if reset:
            self._set_loading(False, "")
            self._replace(photo_ids)
        else:
            self.merge_ids(photo_ids)
        self.ids_loaded.emit()

    def _on_ids_failed(self, generation: int, message: str) -> None:
        if generation != self._generation:
            return
        self._set_loading(False, message)
        self.rows_failed.emit(message)
        self.ids_loaded.emit()

    def _set_loading(self, loading: bool, error: str) -> None:
        if (loading, error) != (self._loading, self._load_error):
            self._loading, self._load_error = loading, error
            self.loading_changed.emit()

    def merge_ids(self, new_ids: list[int]) -> None:
        """Take in photos an import added or removed, keeping the selection and current photo.

        A running import adds rows every few hundred milliseconds while the user culls; a
        reset would throw their selection away each time. Existing photos keep their order
        (their sort keys do not change), so new ids are inserted where the source puts them
        and vanished ones removed; only if the order changed otherwise is this a reset.
        """
        new_set = set(new_ids)
        present = set(self._ids)
        kept = [i for i in self._ids if i in new_set]
        if kept != [i for i in new_ids if i in present]:
            self._replace(new_ids)  # a reload still on its way stays awaited
            return
        # Membership in ``present``; row numbers are worked out once, when next asked for
        # (rebuilding them after every run of rows made a merge O(runs × rows), several
        # times a second during an import).
        row = len(self._ids) - 1
        while row >= 0:  # remove from the end so earlier row numbers stay valid
            if self._ids[row] in new_set:
                row -= 1
                continue
            end = row
            while row >= 0 and self._ids[row] not in new_set:
                row -= 1
            self.beginRemoveRows(QModelIndex(), row + 1, end)
            for photo_id in self._ids[row + 1 : end + 1]:
                self._rows.pop(photo_id, None)
                present.discard(photo_id)
            del self._ids[row + 1 : end + 1]
            self._row_of = None
            self.endRemoveRows()
        position = 0
        while position < len(new_ids):
            if new_ids[position] in present:
                position += 1
                continue
            end = position
            while end < len(new_ids) and new_ids[end] not in present:
                end += 1
            # Everything before ``position`` is already in the model in this order.
            self.beginInsertRows(QModelIndex(), position, end - 1)
            self._ids[position:position] = new_ids[position:end]
            present.update(new_ids[position:end])
            self._row_of = None
            self.endInsertRows()
            position = end

    def _positions(self) -> dict[int, int]:
        if self._row_of is None:
            self._row_of = {photo_id: row for row, photo_id in enumerate(self._ids)}
        return self._row_of

    def photo_id_at(self, row: int) -> int:
        return self._ids[row]

    def row_of(self, photo_id: int) -> int | None:
        return self._positions().get(photo_id)

    def row(self, photo_id: int) -> PhotoRow | None:
        """The cell details for one photo, or None while its block is being read (a miss
        asks for the block of neighbours; an asynchronous source repaints them on arrival)."""
        cached = self._rows.get(photo_id)
        if cached is not None:
            return cached
        position = self._positions().get(photo_id)
        if position is None:
            return None
        start = position - position % _BLOCK
        block = [
            i
            for i in self._ids[start : start + _BLOCK]
            if i not in self._rows and i not in self._pending
        ]
        if block:
            self._read(block, announce=False)
        return self._rows.get(photo_id)

    def fetch_row(self, photo_id: int, callback: Callable[[PhotoRow | None], None]) -> None:
        """Call ``callback`` with the photo's row once it is read (at once if it is cached);
        None if the photo is not in the grid or the read failed. A row being read again
        (after an edit) is handed over when the new values arrive, not the old ones."""
        row = None if photo_id in self._pending else self.row(photo_id)
        if photo_id in self._pending:
            self._waiters.setdefault(photo_id, []).append(callback)
            return
        callback(row)

    def has_rows(self, first: int, last: int) -> bool:
        """Rows ``first``..``last`` are all read (painting them needs no query)."""
        last = min(last, len(self._ids) - 1)
        return all(self._ids[p] in self._rows for p in range(max(first, 0), last + 1))

    def prefetch(self, first: int, last: int) -> bool:
        """Ask for the rows ``first``..``last`` not yet read; True if the caller should call
        again (a synchronous source reads one block per call). The view calls this between
        frames for the screens next to the visible one, so a scroll's frame is a paint, not
        a paint plus a query."""
        last = min(last, len(self._ids) - 1)
        missing = [
            self._ids[p]
            for p in range(max(first, 0), last + 1)
            if self._ids[p] not in self._rows and self._ids[p] not in self._pending
        ]
        if not missing:
            return False
        if self._asynchronous():
            self._read(missing, announce=False)
            return False
        self.row(missing[0])
        return True

    def refresh(self, photo_ids: list[int]) -> None:
        """Re-read these photos and repaint only their cells (after an edit or undo).

        Rows already cached are read again (an asynchronous source repaints them when they
        arrive; until then the cells keep their old values rather than flashing empty); the
        others are simply read when first painted. One ``dataChanged`` goes out per run of
        adjacent rows, so a 1,000-photo edit is a handful of signals."""
        positions = self._positions()
        cached = [i for i in photo_ids if i in positions and i in self._rows]
        if cached:
            self._read(cached, announce=True)

    def invalidate(self) -> None:
        """Read every cached row again and repaint (after a change that may touch any photo,
        such as a consent record in the register)."""
        self.refresh(list(self._rows))

    def _asynchronous(self) -> bool:
        return getattr(self._source, "fetch_rows", None) is not None

    def _read(self, photo_ids: list[int], *, announce: bool) -> None:
        """Read rows from the source. A synchronous source stores them at once (``announce``:
        also repaint their cells); an asynchronous one repaints when they arrive."""
        fetch = getattr(self._source, "fetch_rows", None)
        if fetch is None:
            self._store(self._source.rows(photo_ids), announce=announce)  # type: ignore[union-attr]
            return
        ids = list(photo_ids)
        self._pending.update(ids)
        fetch(
            ids, lambda rows: self._on_rows(ids, rows), lambda msg: self._on_rows_failed(ids, msg)
        )

    def _on_rows(self, photo_ids: list[int], rows: dict[int, PhotoRow]) -> None:
        self._pending.difference_update(photo_ids)
        self._store(rows, announce=True)
        self._wake(photo_ids)

    def _on_rows_failed(self, photo_ids: list[int], message: str) -> None:
        self._pending.difference_update(photo_ids)
        self._wake(photo_ids)
        self.rows_failed.emit(message)

    def _wake(self, photo_ids: list[int]) -> None:
        if not self._waiters:
            return
        for photo_id in photo_ids:
            for callback in self._waiters.pop(photo_id, []):
                callback(self._rows.get(photo_id))

    def _store(self, rows: dict[int, PhotoRow], *, announce: bool) -> None:
        # Rows of photos a filter or an import took out meanwhile are not kept.
        positions = self._positions()
        fresh = {i: r for i, r in rows.items() if i in positions}
        if len(self._rows) + len(fresh) > _ROW_CACHE:
            # Drop the oldest half: a scroll through 20,000 photos would otherwise keep them
            # all, and a growing heap makes the garbage collector pause mid-scroll.
            for old in list(itertools.islice(self._rows, len(self._rows) // 2)):
                del self._rows[old]
        for photo_id in fresh:
            self._rows.pop(photo_id, None)  # re-inserted last: newest in the eviction order
        self._rows.update(fresh)
        if announce:
            rows_changed = sorted(positions[i] for i in fresh)
            for first, last in _runs(rows_changed):
                self.dataChanged.emit(self.index(first), self.index(last), [])

    def set_thumbnail_box(self, box: QSize) -> None:
        """The size (device pixels) cells draw thumbnails at; sharper ones are loaded lazily."""
        self._loader.set_box(box)

    def _thumbnail(self, photo_id: int) -> QPixmap:
        pixmap = self._loader.pixmap(photo_id)
        if pixmap is not None and self._loader.is_sharp(photo_id):
            return pixmap
        if not self._loader.is_missing(photo_id):
            row = self.row(photo_id)
            if row is not None:
                self._loader.request(photo_id, self._source.cache_dir, row.content_hash)
        return pixmap if pixmap is not None else self._placeholder

    def _on_thumbnail(self, photo_id: int) -> None:
        position = self._positions().get(photo_id)
        if position is None:
            return
        ix = self.index(position)
        self.dataChanged.emit(ix, ix, [Qt.ItemDataRole.DecorationRole, Roles.THUMBNAIL_STATE])


def _runs(positions: list[int]) -> list[tuple[int, int]]:
    """Sorted row numbers as (first, last) runs of adjacent rows."""
    runs: list[tuple[int, int]] = []
    for position in positions:
        if runs and position <= runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], max(position, runs[-1][1]))
        else:
            runs.append((position, position))
    return runs


def _placeholder() -> QPixmap:
    pixmap = QPixmap(4, 3)
    pixmap.fill(QColor(128, 128, 128, 60))
    return pixmap


def _describe(row: PhotoRow) -> str:
    parts = [row.filename, f"{row.rating} star{'s' if row.rating != 1 else ''}"]
    parts.append(FLAG_TEXT[row.flag])
    if row.color_label:
        parts.append(f"{row.color_label} label")
    if row.keywords:
        parts.append(f"{row.keywords} keyword{'s' if row.keywords != 1 else ''}")
    if row.verdict:
        parts.append("consent: " + VERDICT_TEXT.get(row.verdict, row.verdict))
    if row.changed_since_written:
        parts.append("edited since its metadata was written to the file")
    return ", ".join(parts)
