"""The main window's frame around the panels: thumbnail size, appearance, remembered state.

Kept apart from ``main_window.py`` (whose layout other parts of the app fill in) so that the
window needs only three calls: :func:`install` once its menus and panels exist,
:func:`save` when it closes. What it adds:

* **View ▸ Larger / Smaller thumbnails** (Ctrl++ / Ctrl+-) and a size slider with a label at
  the right of the status bar; the size is remembered;
* **View ▸ Appearance**: Follow system / Light / Dark (see :mod:`gallery_app.gui.appearance`);
* the window's geometry, dock and splitter state, and the photo that was current in this
  project, restored on open and saved on close (:mod:`gallery_app.gui.settings`);
* :class:`FittingLabel` and :class:`KeyHelpLabel`, the status bar's texts, which shorten
  rather than get cut off in a narrow window.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QEvent, QItemSelectionModel, QSize, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence, QResizeEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QSizePolicy,
    QSlider,
    QWidget,
)

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


class FittingLabel(QLabel):
    """A status-bar text that gives way when the window is narrow, instead of being cut off.

    When the whole text does not fit, its end is shortened with "…" and the whole of it goes
    into the tooltip (the accessible name always has all of it). It never gets narrower than
    its ``keep`` text, the start that must stay readable (the photo counts). ``slack_changed``
    says how many pixels it has to spare (negative: that many are missing), so a neighbour
    (:class:`KeyHelpLabel`) can make room before anything is cut.
    """

    slack_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self._keep = ""
        self._slack: int | None = None
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)

    @property
    def full_text(self) -> str:
        return self._full

    def set_full_text(self, text: str, keep: str = "") -> None:
        """Show ``text``, shortened at the end if it must be, never shorter than ``keep``."""
        if text == self._full and keep == self._keep:
            return
        self._full = text
        self._keep = keep
        self.setAccessibleName(text)
        self.updateGeometry()
        self._fit()

    def _width(self, text: str) -> int:
        margins = self.contentsMargins()
        return (
            self.fontMetrics().horizontalAdvance(text)
            + margins.left()
            + margins.right()
            + 2 * self.margin()
            + 2  # rounding: a text exactly as wide as the label must not be cut
        )

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(self._width(self._full), super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        least = self._keep if self._keep in ("", self._full) else self._keep + " …"
        return QSize(self._width(least), super().minimumSizeHint().height())

    def _fit(self) -> None:
        room = self.contentsRect().width() - 2 * self.margin() - 2
        metrics = self.fontMetrics()
        slack = room - metrics.horizontalAdvance(self._full)
        shown = (
            self._full
            if slack >= 0
            else metrics.elidedText(self._full, Qt.TextElideMode.ElideRight, room)
        )
        super().setText(shown)
        self.setToolTip("" if shown == self._full else self._full)
        if slack != self._slack:
            self._slack = slack
            self.slack_changed.emit(slack)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._fit()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self.updateGeometry()
            self._fit()


class KeyHelpLabel(QLabel):
    """The status bar's key help: the long wording when there is room, else a short one (the
    tooltip then has the long one). It gives way to a :class:`FittingLabel` beside it: the
    short wording as soon as that label would be cut, the long one again once the label
    would still fit with it (so the two never take turns)."""

    def __init__(self, long: str, short: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._long = long
        self._short = short
        self.compact = False
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setAccessibleName(long)
        # Exactly as wide as its wording: the neighbour, not this, takes what is left.
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
        self._show()

    def give_way_to(self, label: FittingLabel) -> None:
        label.slack_changed.connect(self._on_slack)

    def _on_slack(self, slack: int) -> None:
        metrics = self.fontMetrics()
        extra = metrics.horizontalAdvance(self._long) - metrics.horizontalAdvance(self._short)
        if not self.compact and slack < 0:
            self.compact = True
            self._show()
        elif self.compact and slack >= extra:
            self.compact = False
            self._show()

    def _show(self) -> None:
        self.setText(self._short if self.compact else self._long)
        self.setToolTip(self._long if self.compact else "")
        self.updateGeometry()


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
