"""Renders each screen to PNG for a human to look at, in the light and the dark palette.

The files go to ``test-output/screenshots/`` (gitignored). The test checks that they were
written and are not blank; whether they look right is for the reviewer's eyes.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from gallery_app.core.edits import EditRequest
from gallery_app.gui.app import AppController
from gallery_app.gui.appearance import appearance
from gallery_app.gui.models.photo_grid_model import Roles
from gallery_app.gui.views.thumbnail_delegate import DEFAULT_THUMBNAIL, MIN_THUMBNAIL, is_dark

from .test_grid import visible_rows

OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"


def _save(widget: QWidget, name: str) -> Path:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    path = OUTPUT / f"app-{name}.png"
    assert widget.grab().save(str(path))
    image = QImage(str(path))
    assert image.width() > 100 and image.height() > 100
    return path


def _mean_lightness(path: Path) -> float:
    image = QImage(str(path)).scaled(32, 32)
    values = [image.pixelColor(x, y).lightness() for x in range(32) for y in range(32)]
    return sum(values) / len(values)


def test_screenshots(project_path: Path, qtbot: QtBot) -> None:
    controller = AppController()
    try:
        QSettings().setValue(
            "recent_projects",
            [str(project_path), str(project_path.parent / "Volunteer Awards 2025")],
        )
        welcome = controller.show_welcome()
        qtbot.addWidget(welcome)
        qtbot.waitExposed(welcome)
        _save(welcome, "welcome")

        main = controller.open_project(project_path)
        assert main is not None
        qtbot.addWidget(main)
        main.resize(1000, 720)
        qtbot.waitExposed(main)
        assert main.catalog.settle()  # the grid's ids come from the catalog thread
        model = main.model

        def cull(rows: list[int], request: EditRequest) -> None:
            main.view.clearSelection()
            for row in rows:
                main.view.selectionModel().select(
                    model.index(row), main.view.selectionModel().SelectionFlag.Select
                )
            main.apply(request)

        cull([0, 1, 2], EditRequest(rating=4))
        cull([1], EditRequest(flag=1, color_label="green"))
        cull([3], EditRequest(flag=-1))
        cull([4], EditRequest(add_people=["Sam Speaker"], color_label="red"))
        cull([5, 6], EditRequest(no_identifiable_people=True, rating=2))
        cull([7], EditRequest(color_label="blue", rating=5))
        main.view.clearSelection()
        main.view.setCurrentIndex(model.index(1))

        visible = visible_rows(main.view)

        def loaded() -> None:
            states = {model.data(model.index(r), Roles.THUMBNAIL_STATE) for r in visible}
            assert states == {"loaded"}

        qtbot.waitUntil(loaded, timeout=10_000)
        _save(main, "main-window")

        # The same window in the dark palette (View ▸ Appearance ▸ Dark), then smaller
        # thumbnails (the smallest cells: "4★" and symbol-only badges), then back to light.
        look = appearance()
        try:
            look.set_mode("dark")
            qtbot.waitUntil(lambda: is_dark(main.view.palette()))
            dark = _save(main, "main-window-dark")
            assert _mean_lightness(dark) < 90
            main.view.set_thumbnail_size(MIN_THUMBNAIL)
            qtbot.waitUntil(loaded, timeout=10_000)
            _save(main, "main-window-dark-small")
            welcome.show()
            qtbot.waitUntil(lambda: is_dark(welcome.palette()))
            _save(welcome, "welcome-dark")
            welcome.hide()
        finally:
            look.set_mode("system")
        qtbot.waitUntil(lambda: not is_dark(main.view.palette()))
        light = _save(main, "main-window-light-small")
        assert _mean_lightness(light) > 150

        main.view.set_thumbnail_size(DEFAULT_THUMBNAIL)
        main.show_preview()
        qtbot.waitUntil(lambda: main.preview.has_image, timeout=10_000)
        _save(main, "preview")
    finally:
        controller.shutdown()
        if controller.main_window is not None:
            controller.main_window.shutdown()
