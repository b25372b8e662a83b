"""The thumbnail grid: a QListView tuned so only visible rows are ever asked for data.

IconMode with a fixed grid, uniform item sizes and batched layout (measured in
``style-anchors.md`` §3.1): with uniform sizes the view never calls ``data()`` to measure rows,
so the model's "load on paint" is visible-only loading for free.
"""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget

from gallery_app.gui.views.thumbnail_delegate import CELL, ThumbnailDelegate


class PhotoGridView(QListView):
    """Icon grid of photos with extended (Ctrl/Shift) selection."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setMovement(QListView.Movement.Static)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setUniformItemSizes(True)
        self.setLayoutMode(QListView.LayoutMode.Batched)
        self.setBatchSize(300)
        self.setGridSize(QSize(CELL.width() + 4, CELL.height() + 4))
        self.setSpacing(0)
        self.setWrapping(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setItemDelegate(ThumbnailDelegate(self))
        self.setAccessibleName("Photos")

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        """Share the spare width between the columns so the grid fills the window evenly."""
        width = self.viewport().width()
        columns = max(1, (width - 4) // (CELL.width() + 4))
        grid = QSize(max(CELL.width() + 4, (width - 4) // columns), CELL.height() + 4)
        if grid != self.gridSize():
            self.setGridSize(grid)
        super().resizeEvent(event)
