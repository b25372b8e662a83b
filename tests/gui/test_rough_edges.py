"""The main window's rough edges of issue 5: what shows while the catalog thread is still
reading, the preview in light and dark mode, and the status bar in a narrow window.

Several tests hold the window's real catalog thread with a gate job (a job that waits on an
event), so that "the summary has not arrived yet" or "the next photo's row is being read" is
a state the test can look at, not a race.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QItemSelectionModel, QRect, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from gallery_app.core.catalog import photos
from gallery_app.core.edits import EditRequest
from gallery_app.core.project import Project
from gallery_app.core.selection_summary import summarise
from gallery_app.gui.appearance import Appearance, appearance
from gallery_app.gui.main_window import MainWindow
from gallery_app.gui.metadata_panel import MetadataPanel
from gallery_app.gui.preview import _FOOTER
from gallery_app.gui.shell import FittingLabel, KeyHelpLabel
from gallery_app.gui.views.thumbnail_delegate import is_dark

from .conftest import show_main_window, show_widget
from .test_screenshots import _save


@pytest.fixture
def window(gui_project: Project, qtbot: QtBot) -> Iterator[MainWindow]:
    win = show_main_window(gui_project, qtbot, (1200, 800), activate=True)
    yield win
    win.shutdown()


@pytest.fixture
def look(qapp: QApplication) -> Iterator[Appearance]:
    """The app's appearance, put back to "follow the system" (and its palette) afterwards."""
    current = appearance()
    yield current
    current.set_mode("system")
    current._on_system_scheme(Qt.ColorScheme.Unknown)
    assert not is_dark(qapp.palette())


class Gate:
    """Holds the window's catalog thread: everything submitted after it waits until open()."""

    def __init__(self, window: MainWindow) -> None:
        self._open = threading.Event()
        started = threading.Event()

        def hold(_project: Project) -> None:
            started.set()
            self._open.wait(30)

        window.catalog.submit(hold)
        assert started.wait(10), "the catalog thread never took the gate job"

    def open(self) -> None:
        self._open.set()


def _select_row(window: MainWindow, row: int) -> int:
    window.view.selectionModel().setCurrentIndex(
        window.model.index(row), QItemSelectionModel.SelectionFlag.ClearAndSelect
    )
    return window.model.photo_id_at(row)


# --- 1. the metadata panel between a selection change and its summary ------------------------


def test_the_panel_says_loading_instead_of_the_previous_selections_values(
    window: MainWindow, qtbot: QtBot
) -> None:
    first, second = window.model.photo_id_at(0), window.model.photo_id_at(1)
    window.apply_to([first], EditRequest(caption="Keynote on stage", add_keywords=["Keynote"]))
    window.apply_to([second], EditRequest(caption="Coffee break in the foyer"))
    panel = window.panels.metadata_panel
    caption = panel.fields["caption"]
    _select_row(window, 0)
    assert window.catalog.settle()
    assert caption.text() == "Keynote on stage"
    assert [t for t, _n in panel.keywords.terms()] == ["Keynote"]

    gate = Gate(window)
    try:
        _select_row(window, 1)
        qtbot.waitUntil(lambda: panel.photo_ids == [second])  # the panel took the selection
        # Its summary is held on the catalog thread: nothing of the first photo may show.
        assert panel.loading
        assert caption.text() == "" and caption.widget.placeholderText() == "Loading…"
        assert not caption.widget.isEnabled()
        assert panel.keywords.terms() == []
        assert not panel.keywords.add_edit.isEnabled()
        assert panel.heading.text() == photos.get_photo(window.project.conn, second)["filename"]
        _save(window, "panel-loading")
    finally:
        gate.open()
    assert window.catalog.settle()
    assert not panel.loading
    assert caption.text() == "Coffee break in the foyer" and caption.widget.isEnabled()
    assert panel.keywords.terms() == []


def test_a_late_summary_of_an_old_selection_never_replaces_the_current_one(
    gui_project: Project, qtbot: QtBot
) -> None:
    first, second = (r[0] for r in gui_project.conn.execute("SELECT id FROM photos LIMIT 2"))
    gui_project.conn.execute("UPDATE photos SET caption = 'Old' WHERE id = ?", (first,))
    panel = show_widget(qtbot, MetadataPanel())
    panel.expect([first])
    assert panel.show_summary([first], summarise(gui_project.conn, [first]))
    assert panel.fields["caption"].text() == "Old"
    panel.expect([second])
    # The first photo's summary arrives again, late (asked before the selection moved on).
    assert not panel.show_summary([first], summarise(gui_project.conn, [first]))
    assert panel.loading and panel.fields["caption"].text() == ""
    assert panel.photo_ids == [second]
    assert panel.show_summary([second], summarise(gui_project.conn, [second]))
    assert not panel.loading and panel.fields["caption"].widget.isEnabled()


# --- 2. culling keys in the preview before the next photo's details arrive ---------------------


def test_a_culling_key_in_the_preview_acts_on_the_photo_moved_to(
    window: MainWindow, qtbot: QtBot
) -> None:
    first, second = window.model.photo_id_at(0), window.model.photo_id_at(1)
    before = photos.get_photo(window.project.conn, first)
    window.view.setCurrentIndex(window.model.index(0))
    window.show_preview()
    qtbot.waitUntil(lambda: window.preview.has_image and window.preview.photo_id == first)
    gate = Gate(window)
    try:
        # The grid re-reads every row (as after a consent change in the register): the
        # next photo's details are on their way, behind the gate.
        window.model.invalidate()
        qtbot.keyClick(window.preview, Qt.Key.Key_Right)
        assert window.view.currentIndex().row() == 1
        assert window.preview.photo_id == second  # not the photo shown before
        assert not window.preview.has_image  # "Loading…", not the previous photo
        qtbot.keyClick(window.preview, Qt.Key.Key_5)
        qtbot.keyClick(window.preview, Qt.Key.Key_X)
    finally:
        gate.open()
    assert window.catalog.settle()
    conn = window.project.conn
    assert photos.get_photo(conn, second)["rating"] == 5
    assert photos.get_photo(conn, second)["flag"] == "reject"
    assert photos.get_photo(conn, first)["rating"] == before["rating"] != 5
    assert photos.get_photo(conn, first)["flag"] == before["flag"] != "reject"
    qtbot.waitUntil(lambda: window.preview.has_image and window.preview.photo_id == second)


# --- 3. the preview in light and dark mode ----------------------------------------------------


def _luminance(colour: QColor) -> float:
    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * channel(colour.redF())
        + 0.7152 * channel(colour.greenF())
        + 0.0722 * channel(colour.blueF())
    )


def contrast(a: QColor, b: QColor) -> float:
    """WCAG contrast ratio of two opaque colours."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _strongest_contrast(image: QImage, area: QRect, backdrop: QColor) -> float:
    best = 1.0
    for y in range(area.top(), area.bottom() + 1):
        for x in range(area.left(), area.right() + 1):
            best = max(best, contrast(image.pixelColor(x, y), backdrop))
    return best


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_the_preview_follows_the_palette_and_its_text_is_legible(
    window: MainWindow, qtbot: QtBot, look: Appearance, mode: str
) -> None:
    look.set_mode(mode)
    window.view.setCurrentIndex(window.model.index(1))
    window.show_preview()
    qtbot.waitUntil(lambda: window.preview.has_image)
    image = window.preview.grab().toImage()
    _save(window, f"preview-{mode}")
    backdrop = image.pixelColor(3, 3)
    window_colour = QApplication.palette().color(QApplication.palette().ColorRole.Window)
    if mode == "light":
        assert backdrop.lightness() > 200, backdrop.name()  # not a dark box in a light app
    else:
        assert backdrop.lightness() < 60, backdrop.name()
    # The backdrop is in the app's own family of colours, not a fixed grey of its own.
    assert abs(backdrop.lightness() - window_colour.lightness()) < 40
    # The details line under the photo (file name, stars...) reads against the backdrop.
    height, width = image.height(), image.width()
    details = QRect(16, height - _FOOTER - 8 + 4, width // 3, _FOOTER - 8)
    assert _strongest_contrast(image, details, backdrop) >= 7.0
    # The key help on the right is quieter but still legible.
    keys = QRect(width - width // 3, height - _FOOTER - 8 + 4, width // 3 - 16, _FOOTER - 8)
    assert _strongest_contrast(image, keys, backdrop) >= 4.5


# --- 4. the status bar at 1,000 px ------------------------------------------------------------


def test_the_status_bar_fits_a_1000_px_window(window: MainWindow, qtbot: QtBot) -> None:
    window.view.selectAll()
    window.apply(EditRequest(add_keywords=["Sessions|Panel discussion"], rating=4, flag=1))
    assert window.catalog.settle()
    window.resize(1000, 720)
    qtbot.waitUntil(lambda: window.width() == 1000)
    QApplication.processEvents()
    bar = window.statusBar()
    assert bar.width() <= 1000
    count = window._count_label
    assert isinstance(count, FittingLabel)
    full = count.full_text
    assert full.startswith("12 photos · 12 selected · last change: set rating, flag")
    labels = [w for w in bar.findChildren(QLabel) if w.isVisible()]
    for label in labels:
        text_width = label.fontMetrics().horizontalAdvance(label.text())
        assert text_width <= label.contentsRect().width(), label.text()
        assert label.geometry().right() <= bar.width(), label.text()
    # The counts are never cut; what gave way is said in full in the tooltip.
    assert count.text().startswith("12 photos · 12 selected")
    if count.text() != full:
        assert count.text().endswith("…") and count.toolTip() == full
    hint = window._hint_label
    assert isinstance(hint, KeyHelpLabel)
    if hint.compact:
        assert "0–5 rate" in hint.toolTip()
    _save(window, "status-bar-1000")
    # Wide again: everything in full.
    window.resize(1600, 720)
    qtbot.waitUntil(lambda: window.width() == 1600)
    QApplication.processEvents()
    assert count.text() == full and count.toolTip() == ""
    assert not hint.compact and hint.text().startswith("0–5 rate")
