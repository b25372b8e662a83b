"""The window's frame: thumbnail size, light/dark, remembered state, the thumbnail queue."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QObject, QRect, QSettings, Qt
from PySide6.QtGui import QColor, QPaintEvent, QPalette
from PySide6.QtWidgets import QApplication, QMainWindow, QSplitter, QTextEdit
from pytestqt.qtbot import QtBot

from gallery_app.core.consent import store
from gallery_app.core.consent.model import ConsentStatus
from gallery_app.core.edits import EditRequest
from gallery_app.core.people import register
from gallery_app.core.project import Project
from gallery_app.gui import settings
from gallery_app.gui.app import AppController
from gallery_app.gui.appearance import Appearance, appearance, dark_palette
from gallery_app.gui.main_window import MainWindow
from gallery_app.gui.models.photo_grid_model import PhotoGridModel, Roles
from gallery_app.gui.shell import ThumbnailSizeControl
from gallery_app.gui.thumbnail_loader import MAX_QUEUED, ThumbnailLoader
from gallery_app.gui.views.photo_grid_view import PhotoGridView
from gallery_app.gui.views.thumbnail_delegate import (
    DEFAULT_THUMBNAIL,
    MAX_THUMBNAIL,
    MIN_THUMBNAIL,
    is_dark,
)

from .test_grid import FakeSource, visible_rows


@pytest.fixture
def look(qapp: QApplication) -> Iterator[Appearance]:
    """The app's appearance, put back to "follow the system" (and its palette) afterwards."""
    current = appearance()
    yield current
    current.set_mode("system")
    current._on_system_scheme(Qt.ColorScheme.Unknown)
    assert not is_dark(qapp.palette())


def _open(controller: AppController, path: Path, qtbot: QtBot) -> MainWindow:
    window = controller.open_project(path)
    assert window is not None
    qtbot.addWidget(window)
    qtbot.waitExposed(window)
    assert window.catalog.settle()  # the grid's ids come from the catalog thread
    return window


def _all_loaded(window: MainWindow) -> None:
    rows = visible_rows(window.view)
    states = {window.model.data(window.model.index(r), Roles.THUMBNAIL_STATE) for r in rows}
    assert states == {"loaded"}


def test_thumbnail_size_keys_slider_and_memory(
    controller: AppController, project_path: Path, qtbot: QtBot
) -> None:
    window = _open(controller, project_path, qtbot)
    view = window.view
    assert view.thumbnail_size == DEFAULT_THUMBNAIL
    control = window.findChild(ThumbnailSizeControl)
    assert control is not None and control.slider.accessibleName() == "Thumbnail size"
    qtbot.waitUntil(lambda: _all_loaded(window), timeout=10_000)
    small_box = window.loader.box
    cell_before = view.gridSize()

    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    bigger = view.thumbnail_size
    assert bigger > DEFAULT_THUMBNAIL
    assert control.slider.value() == bigger  # the slider follows the keys
    assert view.gridSize().height() > cell_before.height()
    assert window.loader.box.width() > small_box.width()
    # Thumbnails already shown stay (drawn scaled) and sharper ones are decoded lazily.
    first = window.model.index(visible_rows(view)[0])
    assert window.model.data(first, Roles.THUMBNAIL_STATE) in {"resizing", "loaded"}
    qtbot.waitUntil(lambda: _all_loaded(window), timeout=10_000)
    pixmap = window.model.data(first, Qt.ItemDataRole.DecorationRole)
    assert max(pixmap.width(), pixmap.height()) > max(small_box.width(), small_box.height())

    control.slider.setValue(MIN_THUMBNAIL)  # the slider drives the view too
    assert view.thumbnail_size == MIN_THUMBNAIL
    for _ in range(30):
        qtbot.keyClick(view, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert view.thumbnail_size == MIN_THUMBNAIL  # clamped
    view.set_thumbnail_size(10_000)
    assert view.thumbnail_size == MAX_THUMBNAIL
    view.set_thumbnail_size(MIN_THUMBNAIL + 40)
    chosen = view.thumbnail_size
    window.close()

    again = _open(controller, project_path, qtbot)
    assert again.view.thumbnail_size == chosen
    assert again.findChild(ThumbnailSizeControl).slider.value() == chosen  # type: ignore[union-attr]


def test_window_and_current_photo_are_remembered_per_project(
    controller: AppController, project_path: Path, qtbot: QtBot
) -> None:
    window = _open(controller, project_path, qtbot)
    window.resize(720, 520)  # inside the offscreen screen (800×600): restore clamps to it
    window.view.setCurrentIndex(window.model.index(7))
    chosen = window.model.photo_id_at(7)
    window.close()
    assert settings.current_photo(project_path) == chosen

    again = _open(controller, project_path, qtbot)
    assert (again.width(), again.height()) == (720, 520)
    assert again.model.photo_id_at(again.view.currentIndex().row()) == chosen
    assert again.selected_ids() == [chosen]  # culling keys act on it straight away


def test_named_splitters_and_bad_values_in_the_settings_file(qtbot: QtBot) -> None:
    def make() -> tuple[QMainWindow, QSplitter]:
        window = QMainWindow()
        qtbot.addWidget(window)
        splitter = QSplitter()
        splitter.setObjectName("main_splitter")
        splitter.addWidget(QTextEdit())
        splitter.addWidget(QTextEdit())
        window.setCentralWidget(splitter)
        window.resize(600, 400)
        window.show()
        qtbot.waitExposed(window)
        return window, splitter

    window, splitter = make()
    splitter.setSizes([420, 170])
    wanted = splitter.sizes()
    settings.save_window(window, "test")
    window.close()

    window, splitter = make()
    assert settings.restore_window(window, "test")
    assert splitter.sizes() == wanted

    QSettings().setValue(settings.THUMBNAIL_SIZE, "huge")
    QSettings().setValue(settings.APPEARANCE, "purple")
    QSettings().setValue(settings.RECENT, 17)
    assert settings.thumbnail_size(DEFAULT_THUMBNAIL) == DEFAULT_THUMBNAIL
    assert settings.appearance() == "system"
    assert settings.recent_projects() == []
    fresh = QMainWindow()
    qtbot.addWidget(fresh)
    assert not settings.restore_window(fresh, "never-saved", (640, 480))
    assert (fresh.width(), fresh.height()) == (640, 480)


def test_dark_and_light_follow_the_choice_and_the_system(
    look: Appearance,
    controller: AppController,
    project_path: Path,
    qtbot: QtBot,
    qapp: QApplication,
) -> None:
    window = _open(controller, project_path, qtbot)
    viewport = window.view.viewport()
    assert not is_dark(qapp.palette())
    assert viewport.backgroundRole() == QPalette.ColorRole.Window

    modes = {a.data(): a for a in window.view_menu.findChildren(type(window.preview_action))}
    modes["dark"].trigger()  # View ▸ Appearance ▸ Dark
    assert look.mode == "dark" and settings.appearance() == "dark"
    assert is_dark(qapp.palette())
    qtbot.waitUntil(lambda: is_dark(window.view.palette()))  # delivered as an event
    assert viewport.backgroundRole() == QPalette.ColorRole.Base  # the grid restyled itself
    image = window.view.grab().toImage()
    corner = image.pixelColor(image.width() - 4, image.height() - 4)
    assert corner.lightness() < 80, corner.name()

    look.set_mode("system")
    assert not is_dark(qapp.palette())
    # The desktop turns dark: the app follows without a restart ...
    qapp.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert is_dark(qapp.palette())
    # ... and back.
    qapp.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Light)
    assert not is_dark(qapp.palette())
    # A fixed choice is not overridden by the system.
    look.set_mode("light")
    qapp.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert not is_dark(qapp.palette())
    with pytest.raises(ValueError, match="appearance"):
        look.set_mode("sepia")


def test_welcome_selects_the_last_project_and_handles_missing_folders(
    controller: AppController, project_path: Path, tmp_path: Path, qtbot: QtBot
) -> None:
    gone = str(tmp_path / "Unplugged drive" / "Gala 2025")
    settings.remember_project(project_path)
    QSettings().setValue(settings.RECENT, [gone, str(project_path.resolve())])
    welcome = controller.show_welcome()
    qtbot.addWidget(welcome)
    qtbot.waitExposed(welcome)
    items = [welcome.recent_list.item(i) for i in range(welcome.recent_list.count())]
    assert "not found" in items[0].text() and "not found" not in items[1].text()
    assert welcome.recent_list.currentItem() is items[1]  # the last project, ready for Enter

    welcome.recent_list.setCurrentItem(items[0])
    welcome.remove_action.trigger()  # Delete: off the list, the folder is not touched
    assert settings.recent_projects() == [str(project_path.resolve())]
    assert welcome.recent_list.count() == 1

    welcome.recent_list.setFocus()
    qtbot.keyClick(welcome.recent_list, Qt.Key.Key_Return)
    assert controller.main_window is not None
    qtbot.addWidget(controller.main_window)
    assert controller.main_window.project.root == project_path.resolve()


def test_scrolling_past_many_cells_drops_stale_requests_newest_first(
    qtbot: QtBot, tmp_path: Path
) -> None:
    loader = ThumbnailLoader(threads=1)
    order: list[int] = []
    loader.thumbnail_ready.connect(order.append)
    try:
        for photo_id in range(1, 201):  # no files: every load fails fast, in a known order
            loader.request(photo_id, tmp_path, f"{photo_id:064x}")
        assert loader.requests == 200
        assert loader.loads == 2  # two in flight; the rest wait in our queue, not the pool
        assert loader.dropped == 200 - 2 - MAX_QUEUED
        qtbot.waitUntil(lambda: len(order) == 2 + MAX_QUEUED, timeout=10_000)
        assert order[:2] == [1, 2]
        assert order[2:5] == [200, 199, 198]  # the cells painted last come first
        assert 3 not in order  # painted long ago, scrolled past: never decoded
        assert all(loader.is_missing(i) for i in order)
        loader.request(3, tmp_path, f"{3:064x}")  # painted again: asked for again
        qtbot.waitUntil(lambda: 3 in order, timeout=5_000)
    finally:
        loader.shutdown()


def test_badges_follow_the_register_after_invalidate(gui_project: Project, qtbot: QtBot) -> None:
    window = MainWindow(gui_project)
    qtbot.addWidget(window)
    try:
        assert window.catalog.settle()  # the grid's ids come from the catalog thread
        window.view.setCurrentIndex(window.model.index(0))
        window.apply(EditRequest(add_people=["Sam Speaker"]))
        assert window.catalog.settle()
        index = window.model.index(0)
        window.model.data(index, Roles.VERDICT)  # a miss: asks the catalog thread for the block
        assert window.catalog.settle()
        assert window.model.data(index, Roles.VERDICT) == "needs_review"
        assert register.find_person(gui_project.conn, "Sam Speaker").name == "Sam Speaker"
        store.add_record(
            gui_project,
            "Sam Speaker",
            store.new_record(ConsentStatus.GRANTED, store.parse_uses("all")),
        )
        # The register changed behind the grid (the People window): one call repaints it.
        changed: list[tuple[int, int]] = []
        window.model.dataChanged.connect(lambda a, b, _r: changed.append((a.row(), b.row())))
        window.model.invalidate()
        assert window.catalog.settle()  # every cached row read again, repainted in one run
        assert changed == [(0, window.model.rowCount() - 1)]
        assert window.model.data(index, Roles.VERDICT) == "cleared"
    finally:
        window.shutdown()


class _PaintSpy(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.rects: list[QRect] = []

    def eventFilter(self, _watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Paint:
            assert isinstance(event, QPaintEvent)
            self.rects.append(event.rect())
        return False


def test_an_arriving_thumbnail_repaints_only_its_picture(
    controller: AppController, project_path: Path, qtbot: QtBot
) -> None:
    window = _open(controller, project_path, qtbot)
    qtbot.waitUntil(lambda: _all_loaded(window), timeout=10_000)
    view, model = window.view, window.model
    qtbot.waitUntil(lambda: window.loader.pending == 0, timeout=10_000)  # partly shown rows too
    spy = _PaintSpy()
    view.viewport().installEventFilter(spy)
    qtbot.wait(50)  # repaints already asked for happen first
    spy.rects.clear()
    index = model.index(2)
    cell = view.visualRect(index)

    model.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole, Roles.THUMBNAIL_STATE])
    qtbot.waitUntil(lambda: bool(spy.rects))
    assert spy.rects == [view.delegate.layout.thumb.translated(cell.topLeft())]

    spy.rects.clear()
    model.dataChanged.emit(index, index, [])  # anything else: the whole cell
    qtbot.waitUntil(lambda: bool(spy.rects))
    assert spy.rects[0].contains(cell)
    view.viewport().removeEventFilter(spy)


def test_rows_of_the_next_screen_are_read_between_frames_without_thumbnails(
    qtbot: QtBot, tmp_path: Path
) -> None:
    source = FakeSource(tmp_path, count=2000)
    loader = ThumbnailLoader()
    model = PhotoGridModel(source, loader)
    view = PhotoGridView()
    qtbot.addWidget(view)
    view.set_thumbnail_size(MIN_THUMBNAIL)  # many cells per screen: a screen spans blocks
    view.resize(900, 700)
    view.setModel(model)
    view.show()
    qtbot.waitExposed(view)
    try:
        bar = view.verticalScrollBar()
        for line in range(1, 60):  # a screen whose next screen reaches into another block
            bar.setValue(view.gridSize().height() * line)
            first, last = view.visible_range()
            span = last - first + 1
            if (last + span) // 64 > last // 64:
                break
        view.viewport().repaint()
        assert first > 0 and (last + span) // 64 > last // 64, (first, last)
        # Between frames the view reads the next screen's block (one per event-loop turn).
        assert not model.has_rows(last + 1, last + span)
        qtbot.waitUntil(lambda: model.has_rows(last + 1, last + span))
        requested: set[int] = set()
        original = loader.request
        loader.request = lambda pid, d, h: (requested.add(pid), original(pid, d, h))  # type: ignore[method-assign]
        bar.setValue(bar.value() + view.viewport().height())
        asked = source.rows_asked
        view.viewport().repaint()  # the next screen paints from rows already read
        assert source.rows_asked == asked
        now_first, now_last = view.visible_range()
        assert now_last > last + span // 2  # moved on by about a screen
        on_screen = set(range(now_first, now_last + 1))
        assert requested and {model.row_of(i) for i in requested} <= on_screen
    finally:
        loader.shutdown()


def test_the_heap_is_settled_once_the_window_is_up(
    controller: AppController, project_path: Path, qtbot: QtBot
) -> None:
    gc.unfreeze()
    try:
        window = controller.open_project(project_path)
        assert window is not None
        qtbot.addWidget(window)
        qtbot.waitExposed(window)
        assert gc.get_freeze_count() == 0  # not before the first paint
        qtbot.waitUntil(lambda: gc.get_freeze_count() > 0, timeout=5_000)
        assert window.catalog.settle()
    finally:
        gc.unfreeze()


def test_a_platform_that_turns_dark_by_itself_keeps_its_own_palette(
    look: Appearance, qapp: QApplication
) -> None:
    """On Windows and macOS Qt installs the dark palette itself before it says so."""
    look.set_mode("system")
    native_dark = dark_palette()
    native_dark.setColor(QPalette.ColorRole.Highlight, QColor("#aa3377"))  # recognisably "theirs"
    before = look._original_palette
    try:
        qapp.setPalette(native_dark)  # what the platform does ...
        qapp.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Dark)  # ... then tells us
        assert qapp.palette().color(QPalette.ColorRole.Highlight) == QColor("#aa3377")
    finally:
        qapp.setPalette(before)
        look._original_palette = before
