"""The main window's frame around the panels: thumbnail size, appearance, remembered state.

Kept apart from ``main_window.py`` (whose layout other parts of the app fill in) so that the
window needs only three calls: :func:`install` once its menus and panels exist,
:func:`save` when it closes. What it adds:

* **View ▸ Larger / Smaller thumbnails** (Ctrl++ / Ctrl+-) and a size slider with a label at
  the right of the status bar; the size is remembered;
* **View ▸ Appearance**: Follow system / Light / Dark (see :mod:`gallery_app.gui.appearance`);
* the window's geometry, dock and splitter state, and the photo that was current in this
  project, restored on open and saved on close (:mod:`gallery_app.gui.settings`).
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMainWindow, QMenu, QSlider, QWidget

from gallery_app.core.project import Project
from gallery_app.gui import settings
from gallery_app.gui.appearance import MODE_LABELS, MODES, appearance
from gallery_app.gui.models.photo_grid_model import PhotoGridModel
from gallery_app.gui.views.photo_grid_view import PhotoGridView
from gallery_app.gui.views.thumbnail_delegate import (
    DEFAULT_THUMBNAIL,
    MAX_THUMBNAIL,
    MIN_THUMBNAIL,
    THUMBNAIL_STEP,
)


class ShellWindow(Protocol):
    """What :func:`install` needs from the main window."""

    project: Project
    view: PhotoGridView
    model: PhotoGridModel
    view_menu: QMenu


class ThumbnailSizeControl(QWidget):
    """ "Size" and a slider, for the status bar; moves with the view's size both ways."""

    def __init__(self, view: PhotoGridView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._view = view
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(MIN_THUMBNAIL, MAX_THUMBNAIL)
        self.slider.setSingleStep(THUMBNAIL_STEP)
        self.slider.setPageStep(THUMBNAIL_STEP * 2)
        self.slider.setFixedWidth(120)
        self.slider.setValue(view.thumbnail_size)
        self.slider.setAccessibleName("Thumbnail size")
        self.slider.setToolTip("Thumbnail size (Ctrl++ larger, Ctrl+- smaller)")
        self.slider.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # arrows stay with the grid
        label = QLabel("Size")
        label.setBuddy(self.slider)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 0, 4, 0)
        layout.setSpacing(6)
        layout.addWidget(label)
        layout.addWidget(self.slider)
        self.slider.valueChanged.connect(view.set_thumbnail_size)
        view.thumbnail_size_changed.connect(self._follow)

    def _follow(self, size: int) -> None:
        if self.slider.value() != size:
            self.slider.blockSignals(True)
            self.slider.setValue(size)
            self.slider.blockSignals(False)


def install(window: ShellWindow) -> None:
    """Add the View entries and the size slider, then restore what was remembered.
    Call once the window's menus and panels exist (so their saved state applies)."""
    assert isinstance(window, QMainWindow)
    view = window.view
    view.set_thumbnail_size(settings.thumbnail_size(DEFAULT_THUMBNAIL))
    view.thumbnail_size_changed.connect(settings.set_thumbnail_size)

    menu = window.view_menu
    menu.addSeparator()
    larger = QAction("&Larger thumbnails", window)
    larger.setShortcuts([QKeySequence(QKeySequence.StandardKey.ZoomIn), QKeySequence("Ctrl+=")])
    larger.triggered.connect(view.zoom_in)
    smaller = QAction("&Smaller thumbnails", window)
    smaller.setShortcuts([QKeySequence(QKeySequence.StandardKey.ZoomOut)])
    smaller.triggered.connect(view.zoom_out)
    menu.addAction(larger)
    menu.addAction(smaller)

    look = appearance()
    sub = menu.addMenu("&Appearance")
    group = QActionGroup(sub)
    for mode in MODES:
        action = sub.addAction(MODE_LABELS[mode])
        action.setCheckable(True)
        action.setChecked(mode == look.mode)
        action.setData(mode)
        action.triggered.connect(lambda _checked=False, m=mode: look.set_mode(m))
        group.addAction(action)

    control = ThumbnailSizeControl(view)
    control.setObjectName("thumbnail_size_control")
    window.statusBar().addPermanentWidget(control)

    settings.restore_window(window)
    if window.model.loading:
        # The grid's ids are still on their way from the catalog thread: restore the current
        # photo once, when they arrive.
        def restore_once() -> None:
            window.model.ids_loaded.disconnect(restore_once)
            _restore_current(window)

        window.model.ids_loaded.connect(restore_once)
    else:
        _restore_current(window)


def save(window: ShellWindow) -> None:
    """Remember the window and the current photo (call from ``closeEvent``)."""
    assert isinstance(window, QMainWindow)
    settings.save_window(window)
    current = window.view.currentIndex()
    if not current.isValid() and window.model.loading:
        return  # closed before the grid's ids arrived: what was remembered still holds
    photo_id = window.model.photo_id_at(current.row()) if current.isValid() else None
    settings.set_current_photo(window.project.root, photo_id)


def _restore_current(window: ShellWindow) -> None:
    photo_id = settings.current_photo(window.project.root)
    row = window.model.row_of(photo_id) if photo_id is not None else None
    if row is None:
        return
    index = window.model.index(row)
    window.view.selectionModel().setCurrentIndex(
        index, QItemSelectionModel.SelectionFlag.ClearAndSelect
    )
    window.view.scrollTo(index, PhotoGridView.ScrollHint.PositionAtCenter)
