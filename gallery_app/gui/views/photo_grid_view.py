"""The thumbnail grid: a QListView tuned so only visible rows are ever asked for data.

IconMode with a fixed grid, uniform item sizes and batched layout (measured in
``style-anchors.md`` §3.1): with uniform sizes the view never calls ``data()`` to measure rows,
so the model's "load on paint" is visible-only loading for free. The thumbnail size is the
view's own setting (:meth:`PhotoGridView.set_thumbnail_size`); changing it keeps the current
photo in sight and tells the model which size to decode thumbnails at.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QPainter, QPaintEvent, QPalette, QResizeEvent, QShowEvent
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget

from gallery_app.gui.models.photo_grid_model import PhotoGridModel, Roles
from gallery_app.gui.views.thumbnail_delegate import (
    DEFAULT_THUMBNAIL,
    MAX_THUMBNAIL,
    MIN_THUMBNAIL,
    THUMBNAIL_STEP,
    ThumbnailDelegate,
    is_dark,
)

THUMBNAIL_ROLES = {int(Qt.ItemDataRole.DecorationRole), int(Roles.THUMBNAIL_STATE)}


class PhotoGridView(QListView):
    """Icon grid of photos with extended (Ctrl/Shift) selection and adjustable cell size."""

    thumbnail_size_changed = Signal(int)
    painted = Signal()
    """The viewport finished a paint (benchmarks and tests wait for it)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setMovement(QListView.Movement.Static)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setUniformItemSizes(True)
        self.setLayoutMode(QListView.LayoutMode.Batched)
        self.setBatchSize(300)
        self.setSpacing(0)
        self.setWrapping(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # it wraps
        self.delegate = ThumbnailDelegate(self)
        self.setItemDelegate(self.delegate)
        self.setAccessibleName("Photos")
        self.setAccessibleDescription(
            "Arrow keys move, Shift or Ctrl extend the selection, Space opens the preview"
        )
        self._thumbnail = DEFAULT_THUMBNAIL
        self._apply_layout()
        self._follow_palette()
        # Row details for the neighbouring screens are read after a paint, one block per
        # event-loop turn, so that the next scroll step only paints.
        self._watching_screen = False
        self._prefetch_timer = QTimer(self)
        self._prefetch_timer.setSingleShot(True)
        self._prefetch_timer.setInterval(0)
        self._prefetch_timer.timeout.connect(self._prefetch)

    # --- thumbnail size --------------------------------------------------------------------

    @property
    def thumbnail_size(self) -> int:
        return self._thumbnail

    def set_thumbnail_size(self, size: int) -> None:
        """Show thumbnails ``size`` pixels wide (clamped and rounded to the slider's steps)."""
        size = max(MIN_THUMBNAIL, min(MAX_THUMBNAIL, int(size)))
        size -= (size - MIN_THUMBNAIL) % THUMBNAIL_STEP
        if size == self._thumbnail:
            return
        self._thumbnail = size
        self._apply_layout()
        current = self.currentIndex()
        if current.isValid():
            self.scrollTo(current, QAbstractItemView.ScrollHint.PositionAtCenter)
        self.thumbnail_size_changed.emit(size)

    def zoom_in(self) -> None:
        self.set_thumbnail_size(self._thumbnail + THUMBNAIL_STEP * 2)

    def zoom_out(self) -> None:
        self.set_thumbnail_size(self._thumbnail - THUMBNAIL_STEP * 2)

    def _apply_layout(self) -> None:
        layout = self.delegate.set_thumbnail_size(self._thumbnail, self.font())
        self._fit_grid(layout.cell)
        model = self.model()
        if isinstance(model, PhotoGridModel):
            ratio = self.devicePixelRatioF()
            model.set_thumbnail_box(
                QSize(round(layout.thumb.width() * ratio), round(layout.thumb.height() * ratio))
            )
        self.viewport().update()

    def _fit_grid(self, cell: QSize) -> None:
        """Share the spare width between the columns so the grid fills the window evenly."""
        width = self.viewport().width()
        bar = self.verticalScrollBar()
        if not bar.isVisible():
            # It may appear once the rows are laid out and take its width from the viewport:
            # reserve it now, or the last column would wrap away.
            width -= bar.sizeHint().width()
        width -= 2  # Qt's icon flow wraps a row that would end exactly at the edge
        columns = max(1, width // cell.width())
        grid = QSize(max(cell.width(), width // columns), cell.height())
        if grid != self.gridSize():
            self.setGridSize(grid)

    def selected_rows(self) -> list[int]:
        """The selected rows, in order, read from the selection's ranges.

        ``selectedIndexes()`` builds (and asks the model's flags for) one index per row: a
        quarter of a second for 20,000 selected photos, on every culling key."""
        selection = self.selectionModel().selection()
        rows: set[int] = set()
        for i in range(selection.count()):
            part = selection.at(i)
            rows.update(range(part.top(), part.bottom() + 1))
        count = self.model().rowCount() if self.model() is not None else 0
        return sorted(r for r in rows if r < count)

    def selected_count(self) -> int:
        """How many rows are selected, without listing them."""
        selection = self.selectionModel().selection()
        return sum(selection.at(i).height() for i in range(selection.count()))

    def visible_range(self) -> tuple[int, int]:
        """First and last row (inclusive) with a cell at least partly on screen; (0, -1)
        when there are none. Computed from the uniform grid, without asking the model."""
        model = self.model()
        count = model.rowCount() if model is not None else 0
        grid = self.gridSize()
        if not count or grid.isEmpty():
            return 0, -1
        columns = max(1, self.viewport().width() // grid.width())
        top = self.verticalScrollBar().value()
        first_line = top // grid.height()
        last_line = (top + self.viewport().height() - 1) // grid.height()
        first = min(first_line * columns, count - 1)
        return first, min((last_line + 1) * columns, count) - 1

    def _prefetch(self) -> None:
        model = self.model()
        if not isinstance(model, PhotoGridModel):
            return
        first, last = self.visible_range()
        if last < first:
            return
        span = last - first + 1
        # The next screen first (scrolling down is the usual direction), then the previous.
        if model.prefetch(last + 1, last + span) or model.prefetch(first - span, first - 1):
            self._prefetch_timer.start()

    def _follow_palette(self) -> None:
        """Cards on the window colour in light mode, on the darker base in dark mode."""
        role = QPalette.ColorRole.Base if is_dark(self.palette()) else QPalette.ColorRole.Window
        if self.viewport().backgroundRole() != role:
            self.viewport().setBackgroundRole(role)

    # --- Qt overrides ----------------------------------------------------------------------

    def setModel(self, model: object) -> None:  # noqa: N802
        super().setModel(model)  # type: ignore[arg-type]
        if isinstance(model, PhotoGridModel):
            model.loading_changed.connect(self.viewport().update)
        self._apply_layout()

    def empty_text(self) -> str:
        """What an empty grid says: that its photos are on their way, or why they are not."""
        model = self.model()
        if not isinstance(model, PhotoGridModel) or model.rowCount():
            return ""
        if model.loading:
            return "Loading photos…"
        if model.load_error:
            return f"Could not read the photos: {model.load_error}"
        return ""

    def _paint_empty_text(self) -> None:
        text = self.empty_text()
        if not text:
            return
        painter = QPainter(self.viewport())
        try:
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            area = self.viewport().rect().adjusted(24, 24, -24, -24)
            painter.drawText(area, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, text)
        finally:
            painter.end()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        handle = self.window().windowHandle()
        if handle is not None and not self._watching_screen:
            # Moved to a screen with another pixel ratio: decode thumbnails for it.
            handle.screenChanged.connect(self._on_screen_changed)
            self._watching_screen = True
        super().showEvent(event)

    def _on_screen_changed(self, _screen: object) -> None:
        self._apply_layout()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        self._fit_grid(self.delegate.layout.cell)
        super().resizeEvent(event)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.StyleChange):
            self.delegate.clear_caches()
            self._follow_palette()
        elif event.type() == QEvent.Type.FontChange:
            self._apply_layout()
        super().changeEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        self.delegate.exposed = event.rect()
        try:
            super().paintEvent(event)
        finally:
            self.delegate.exposed = None
        self._paint_empty_text()
        if not self._prefetch_timer.isActive():
            self._prefetch_timer.start()
        self.painted.emit()

    def dataChanged(  # noqa: N802
        self,
        top_left: QModelIndex | QPersistentModelIndex,
        bottom_right: QModelIndex | QPersistentModelIndex,
        roles: Sequence[int] = (),
    ) -> None:
        """A thumbnail that arrived repaints only its picture, not the cell's text; rows that
        arrived for cells off screen (read ahead on the catalog thread) repaint nothing."""
        if top_left == bottom_right and roles and set(roles) <= THUMBNAIL_ROLES:
            rect = self.visualRect(top_left)
            if rect.isValid():
                self.viewport().update(self.delegate.layout.thumb.translated(rect.topLeft()))
            return
        if top_left.isValid() and bottom_right.isValid() and self.isVisible():
            first, last = self.visible_range()
            if bottom_right.row() < first or top_left.row() > last:
                return  # Qt would repaint the whole viewport for a range of rows
        super().dataChanged(top_left, bottom_right, roles)
