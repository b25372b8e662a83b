"""The main window's rough edges of issue 5: what shows while the catalog thread is still
reading, the preview in light and dark mode, and the status bar in a narrow window.

Several tests hold the window's real catalog thread with a gate job (a job that waits on an
event), so that "the summary has not arrived yet" or "the next photo's row is being read" is
a state the test can look at, not a race.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PySide6.QtCore import QItemSelectionModel, QRect, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from gallery_app.core import edits
from gallery_app.core.catalog import photos
from gallery_app.core.edits import EditRequest
from gallery_app.core.project import Project
from gallery_app.core.selection_summary import summarise
from gallery_app.gui import panels
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


# --- 5. an undo right after an edit does not wait for the edit's panel reads ------------------


def test_an_undo_right_after_an_edit_skips_the_reads_it_makes_stale(
    window: MainWindow, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran: list[str] = []  # appended on the catalog thread, in the order the work ran

    def recorded(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            ran.append(name)
            return real(*args, **kwargs)

        return run

    monkeypatch.setattr(panels, "read_summary", recorded("summary", panels.read_summary))
    monkeypatch.setattr(panels, "read_vocabulary", recorded("vocabulary", panels.read_vocabulary))
    monkeypatch.setattr(edits, "apply_edit", recorded("edit", edits.apply_edit))
    monkeypatch.setattr(edits, "undo", recorded("undo", edits.undo))
    ids = [window.model.photo_id_at(r) for r in range(4)]
    window.view.selectAll()
    assert window.catalog.settle()
    ran.clear()

    window.apply_to(ids, EditRequest(add_keywords=["Awards|Winners"]))
    gate = Gate(window)  # the edit runs; what its result asks for waits behind the gate
    try:
        with qtbot.waitSignal(window.edit_applied, timeout=10_000):
            pass
        window.undo_stack.undo()  # at once, before the panel and suggestions were read
    finally:
        gate.open()
    assert window.catalog.settle()
    # The edit's reads were skipped: the undo ran right after the edit, then one read each.
    assert ran[:2] == ["edit", "undo"], ran
    assert sorted(ran[2:]) == ["summary", "vocabulary"], ran
    panel = window.panels.metadata_panel
    assert not panel.loading
    assert "Awards|Winners" not in [t for t, _n in panel.keywords.terms()]
    assert all(
        "Awards|Winners" not in photos.get_photo(window.project.conn, i)["keywords"] for i in ids
    )


# --- 6. the first paint waits for nothing but the grid ----------------------------------------


def test_the_first_paint_waits_only_for_the_grid(
    gui_project: Project, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[str] = []  # catalog reads (catalog thread) and the first paint (GUI thread)

    def recorded(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            events.append(name)
            return real(*args, **kwargs)

        return run

    monkeypatch.setattr(panels, "read_summary", recorded("summary", panels.read_summary))
    monkeypatch.setattr(panels, "read_vocabulary", recorded("vocabulary", panels.read_vocabulary))
    monkeypatch.setattr(photos, "count_photos", recorded("count", photos.count_photos))
    window = MainWindow(gui_project)
    qtbot.addWidget(window)
    try:
        panel = window.panels.metadata_panel
        at_first_paint: list[bool] = []

        def painted() -> None:
            if not at_first_paint:
                events.append("painted")
                at_first_paint.append(panel.loading)

        window.view.painted.connect(painted)
        window.resize(1200, 800)
        window.show()
        qtbot.waitUntil(lambda: bool(at_first_paint))
        assert window.catalog.settle()
        # The summary, the total count and the suggestions are read after the first paint;
        # meanwhile the panel says it is loading (never "No photo selected" with a photo).
        assert events[0] == "painted", events
        assert sorted(events[1:]) == ["count", "summary", "vocabulary"], events
        assert at_first_paint == [True]
        assert not panel.loading and panel.heading.text().endswith(".jpg")
        assert (
            window.panels.filter_bar.count_label.text()
            == f"<b>{window.model.rowCount()}</b> photos"
        )
    finally:
        window.shutdown()
