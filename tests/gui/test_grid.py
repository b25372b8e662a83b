"""The grid model and view: model contract, lazy visible-only thumbnails, keyboard culling."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from gallery_app.core.catalog.photos import get_photo, list_photo_ids
from gallery_app.core.project import Project
from gallery_app.gui.main_window import MainWindow
from gallery_app.gui.models.photo_grid_model import (
    CatalogSource,
    PhotoGridModel,
    PhotoRow,
    Roles,
)
from gallery_app.gui.thumbnail_loader import ThumbnailLoader
from gallery_app.gui.views.photo_grid_view import PhotoGridView

from .conftest import PHOTO_COUNT, show_main_window


@pytest.fixture
def loader() -> Iterator[ThumbnailLoader]:
    thumbnails = ThumbnailLoader()
    yield thumbnails
    thumbnails.shutdown()


@pytest.fixture
def window(gui_project: Project, qtbot: QtBot) -> Iterator[MainWindow]:
    win = show_main_window(gui_project, qtbot, (1100, 760), activate=True)
    win.view.setFocus()
    assert win.catalog.settle()
    yield win
    win.shutdown()


def visible_rows(view: PhotoGridView) -> list[int]:
    """Rows whose cell is at least partly inside the viewport."""
    area = view.viewport().rect()
    model = view.model()
    return [
        r for r in range(model.rowCount()) if view.visualRect(model.index(r, 0)).intersects(area)
    ]


class FakeSource:
    """2,000 photos with no thumbnails on disk: loads fail fast, counts stay exact."""

    def __init__(self, cache_dir: Path, count: int = 2000) -> None:
        self.cache_dir = cache_dir
        self.count = count
        self.rows_asked = 0

    def photo_ids(self) -> list[int]:
        return list(range(1, self.count + 1))

    def rows(self, photo_ids: list[int]) -> dict[int, PhotoRow]:
        self.rows_asked += len(photo_ids)
        return {
            i: PhotoRow(i, f"IMG_{i:05d}.JPG", i % 6, 0, None, f"{i:064x}", 1, Path("x"), None)
            for i in photo_ids
        }


def test_grid_model_passes_qtmodeltester(
    gui_project: Project, loader: ThumbnailLoader, qtmodeltester: object
) -> None:
    model = PhotoGridModel(CatalogSource(gui_project), loader)
    assert model.rowCount() == PHOTO_COUNT
    qtmodeltester.check(model)  # type: ignore[attr-defined]
    assert [model.photo_id_at(r) for r in range(PHOTO_COUNT)] == list_photo_ids(gui_project.conn)
    assert model.data(model.index(0), Roles.VERDICT) in {"cleared", "needs_review", "blocked"}


def test_thumbnails_arrive_for_visible_cells(window: MainWindow, qtbot: QtBot) -> None:
    model = window.model

    visible = visible_rows(window.view)
    assert visible

    def all_loaded() -> None:
        states = {model.data(model.index(r), Roles.THUMBNAIL_STATE) for r in visible}
        assert states == {"loaded"}

    qtbot.waitUntil(all_loaded, timeout=10_000)
    assert len(visible) <= window.loader.requests <= PHOTO_COUNT  # one load each at most


def test_a_2000_row_grid_loads_only_what_is_visible(
    qtbot: QtBot, loader: ThumbnailLoader, tmp_path: Path
) -> None:
    source = FakeSource(tmp_path)
    model = PhotoGridModel(source, loader)
    view = PhotoGridView()
    qtbot.addWidget(view)
    view.resize(900, 700)
    view.setModel(model)
    view.show()
    qtbot.waitExposed(view)
    qtbot.waitUntil(lambda: loader.requests > 0)
    QApplication.processEvents()
    first_screen = loader.requests
    assert 0 < first_screen < 100, first_screen
    assert source.rows_asked <= 128  # one or two blocks of rows, not 2,000
    view.verticalScrollBar().setValue(view.verticalScrollBar().maximum())
    QApplication.processEvents()
    qtbot.waitUntil(lambda: loader.requests > first_screen)
    assert loader.requests < 200
    assert model.data(model.index(0), Roles.THUMBNAIL_STATE) in {"loading", "missing"}


def _select_rows(window: MainWindow, rows: list[int]) -> list[int]:
    window.view.clearSelection()
    for row in rows:
        window.view.selectionModel().select(
            window.model.index(row), window.view.selectionModel().SelectionFlag.Select
        )
    window.view.setCurrentIndex(window.model.index(rows[0]))
    for row in rows:
        window.view.selectionModel().select(
            window.model.index(row), window.view.selectionModel().SelectionFlag.Select
        )
    return [window.model.photo_id_at(r) for r in rows]


def _field(window: MainWindow, ids: list[int], name: str) -> set[object]:
    assert window.catalog.settle()  # edits run on the catalog thread; wait for them
    return {get_photo(window.project.conn, i)[name] for i in ids}


def test_culling_keys_edit_the_catalog_and_undo_in_one_step(
    window: MainWindow, qtbot: QtBot, errors: list[str]
) -> None:
    ids = _select_rows(window, [0, 2, 3])
    other = window.model.photo_id_at(1)
    assert window.selected_ids() == ids
    # Every row read (they arrive from the catalog thread), so only edits repaint from here.
    qtbot.waitUntil(lambda: window.model.has_rows(0, PHOTO_COUNT - 1))
    assert window.catalog.settle()
    changed: list[int] = []
    window.model.dataChanged.connect(  # thumbnails arriving meanwhile name their roles
        lambda top, bottom, roles: roles or changed.extend(range(top.row(), bottom.row() + 1))
    )

    qtbot.keyClick(window.view, Qt.Key.Key_3)
    assert _field(window, ids, "rating") == {3}
    assert get_photo(window.project.conn, other)["rating"] == 0
    assert sorted(set(changed)) == [0, 2, 3]  # only the touched cells repaint
    assert window.model.data(window.model.index(2), Roles.RATING) == 3

    qtbot.keyClick(window.view, Qt.Key.Key_P)
    assert _field(window, ids, "flag") == {"pick"}
    qtbot.keyClick(window.view, Qt.Key.Key_X)
    assert _field(window, ids, "flag") == {"reject"}
    qtbot.keyClick(window.view, Qt.Key.Key_U)
    assert _field(window, ids, "flag") == {None}
    qtbot.keyClick(window.view, Qt.Key.Key_6)
    assert _field(window, ids, "color_label") == {"red"}
    assert window.model.data(window.model.index(0), Roles.COLOR_LABEL) == "red"
    assert window.undo_stack.count() == 5

    qtbot.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert _field(window, ids, "color_label") == {None}  # all three in one step
    assert _field(window, ids, "rating") == {3}
    assert window.model.data(window.model.index(0), Roles.COLOR_LABEL) == ""
    qtbot.keyClick(
        window.view,
        Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert _field(window, ids, "color_label") == {"red"}
    for _ in range(5):
        window.undo_stack.undo()
    assert _field(window, ids, "rating") == {0}
    assert _field(window, ids, "flag") == {None}
    assert errors == []


def test_consent_badge_follows_people_tagging(window: MainWindow) -> None:
    from gallery_app.core.edits import EditRequest

    _select_rows(window, [0])
    before = window.model.data(window.model.index(0), Roles.VERDICT)
    window.apply(EditRequest(add_people=["Unknown Visitor"]))
    assert window.catalog.settle()
    after = window.model.data(window.model.index(0), Roles.VERDICT)
    window.apply(EditRequest(no_identifiable_people=True, remove_people=["Unknown Visitor"]))
    assert window.catalog.settle()
    cleared = window.model.data(window.model.index(0), Roles.VERDICT)
    assert after != before or after == "needs_review"
    assert after in {"needs_review", "blocked"}
    assert cleared == "cleared"


def test_preview_opens_and_arrows_move(window: MainWindow, qtbot: QtBot) -> None:
    window.view.setCurrentIndex(window.model.index(0))
    qtbot.keyClick(window.view, Qt.Key.Key_Space)
    assert window.stack.currentWidget() is window.preview
    first = window.model.photo_id_at(0)
    qtbot.waitUntil(lambda: window.preview.has_image and window.preview.photo_id == first)
    qtbot.keyClick(window.preview, Qt.Key.Key_Z)
    assert window.preview.zoom is not None and window.preview.zoom > 1.0 - 1e-9
    centre = window.preview.rect().center()
    qtbot.mousePress(window.preview, Qt.MouseButton.LeftButton, pos=centre)
    qtbot.mouseMove(window.preview, centre + QPoint(40, 25))
    qtbot.mouseRelease(window.preview, Qt.MouseButton.LeftButton, pos=centre + QPoint(40, 25))
    assert window.preview.offset == QPointF(40, 25)
    qtbot.keyClick(window.preview, Qt.Key.Key_Right)
    assert window.preview.zoom is None  # the next photo starts fitted
    second = window.model.photo_id_at(1)
    qtbot.waitUntil(lambda: window.preview.has_image and window.preview.photo_id == second)
    assert window.view.currentIndex().row() == 1
    qtbot.keyClick(window.preview, Qt.Key.Key_Left)
    assert window.preview.photo_id == first
    qtbot.keyClick(window.preview, Qt.Key.Key_P)  # culling keys work in the preview too
    assert window.catalog.settle()
    assert get_photo(window.project.conn, first)["flag"] == "pick"
    qtbot.keyClick(window.preview, Qt.Key.Key_Escape)
    assert window.stack.currentWidget() is window.view
    qtbot.keyClick(window.view, Qt.Key.Key_Space)
    assert window.stack.currentWidget() is window.preview
    qtbot.keyClick(window.preview, Qt.Key.Key_Space)
    assert window.stack.currentWidget() is window.view


def test_a_missing_original_shows_a_message_not_a_crash(window: MainWindow, qtbot: QtBot) -> None:
    row = window.model.row(window.model.photo_id_at(3))
    assert row is not None
    row.source.unlink()
    window.view.setCurrentIndex(window.model.index(3))
    window.show_preview()
    qtbot.waitUntil(lambda: window.preview.photo_id == row.photo_id)
    qtbot.waitUntil(lambda: "cannot be shown" in window.preview._message)
    assert not window.preview.has_image
