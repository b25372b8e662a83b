"""Start-up: welcome screen, opening and creating projects, settings, errors, the launcher."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, QSettings, Qt
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from gallery_app import launcher
from gallery_app.gui import app as gui_app
from gallery_app.gui import welcome
from gallery_app.gui.app import AppController, recent_projects

from .conftest import PHOTO_COUNT


def test_welcome_lists_recent_projects_and_opens_one(
    controller: AppController, project_path: Path, qtbot: QtBot, errors: list[str]
) -> None:
    QSettings().setValue("recent_projects", [str(project_path)])
    window = controller.show_welcome()
    qtbot.addWidget(window)
    assert window.recent_list.count() == 1
    item = window.recent_list.item(0)
    assert project_path.name in item.text()
    window.recent_list.itemActivated.emit(item)
    main = controller.main_window
    assert main is not None
    qtbot.addWidget(main)
    assert main.catalog.settle()  # the ids and the event's name come from the catalog thread
    assert main.model.rowCount() == PHOTO_COUNT
    assert "Open Data Summit 2026" in main.windowTitle()
    assert not window.isVisible()
    assert QSettings().value("last_project") == str(project_path.resolve())
    assert errors == []


def test_open_button_picks_a_folder(
    controller: AppController,
    project_path: Path,
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(welcome, "choose_project_folder", lambda _parent: project_path)
    window = controller.show_welcome()
    qtbot.addWidget(window)
    qtbot.mouseClick(window.open_button, Qt.MouseButton.LeftButton)
    assert controller.main_window is not None
    qtbot.addWidget(controller.main_window)
    assert recent_projects() == [str(project_path.resolve())]


def test_new_event_project_creates_it_through_the_core(
    controller: AppController,
    tmp_path: Path,
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def fill_in(dialog: QDialog) -> bool:
        assert isinstance(dialog, welcome.NewProjectDialog)
        dialog.name_edit.setText("Volunteer Awards 2026")
        dialog.date_edit.setDate(QDate(2026, 6, 2))
        dialog.folder_edit.setText(str(tmp_path))
        return True

    monkeypatch.setattr(welcome, "run_dialog", fill_in)
    window = controller.show_welcome()
    qtbot.addWidget(window)
    qtbot.mouseClick(window.new_button, Qt.MouseButton.LeftButton)
    main = controller.main_window
    assert main is not None
    qtbot.addWidget(main)
    defaults = main.project.defaults()
    assert defaults.event_name == "Volunteer Awards 2026"
    assert defaults.event_date == "2026-06-02"
    assert main.project.root == tmp_path / "Volunteer Awards 2026"
    assert main.model.rowCount() == 0


def test_a_folder_that_is_not_a_project_gives_a_plain_message(
    controller: AppController, tmp_path: Path, qtbot: QtBot, errors: list[str]
) -> None:
    window = controller.show_welcome()
    qtbot.addWidget(window)
    assert controller.open_project(tmp_path / "nowhere") is None
    assert controller.main_window is None
    assert len(errors) == 1
    assert "Traceback" not in errors[0]
    assert window.isVisible()


def test_window_geometry_persists(
    controller: AppController, project_path: Path, qtbot: QtBot
) -> None:
    main = controller.open_project(project_path)
    assert main is not None
    qtbot.addWidget(main)
    main.resize(700, 500)
    main.close()
    assert not QSettings().value("main/geometry").isEmpty()
    again = controller.open_project(project_path)
    assert again is not None
    qtbot.addWidget(again)
    assert (again.width(), again.height()) == (700, 500)


def test_gui_main_opens_a_project_directly(
    project_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[AppController] = []

    def fake_exec() -> int:
        return 0

    original = AppController.open_project

    def spy(self: AppController, path: Path) -> object:
        opened.append(self)
        return original(self, path)

    app = gui_app.create_application()
    monkeypatch.setattr(app, "exec", fake_exec)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(AppController, "open_project", spy)
    assert launcher.main(["open", str(project_path)]) == 0
    assert opened and opened[0].main_window is not None
    assert opened[0].welcome is None


def test_launcher_sends_everything_else_to_the_cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import gallery_app.cli.main as cli_main

    calls: list[list[str]] = []

    def fake_cli(argv: list[str]) -> int:
        calls.append(list(argv))
        return 0

    monkeypatch.setattr(cli_main, "main", fake_cli)
    assert launcher.main(["info", "some-project"]) == 0
    assert calls == [["info", "some-project"]]
    assert launcher.main(["open"]) == 2
    assert "usage" in capsys.readouterr().err


def test_launcher_without_the_gui_extra_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(launcher, "gui_available", lambda: False)
    assert launcher.main([]) == 1
    err = capsys.readouterr().err
    assert "gui" in err and len(err.strip().splitlines()) == 1


def test_an_unexpected_error_becomes_a_sentence(
    errors: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        raise KeyError("row 17")
    except KeyError as exc:
        gui_app.unexpected_error(KeyError, exc, exc.__traceback__)
    assert errors == [gui_app.UNEXPECTED]
    assert "Traceback" in capsys.readouterr().err  # details for the log, not the dialog
