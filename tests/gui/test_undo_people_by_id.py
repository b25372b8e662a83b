"""The desktop app's undo of people tags goes through the core's edits, which remember people
by id: a person renamed in the People window after the tagging is the person undo restores."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from gallery_app.core.catalog.photos import get_photo
from gallery_app.core.edits import EditRequest
from gallery_app.core.people import register
from gallery_app.core.project import Project
from gallery_app.gui.main_window import MainWindow

from .conftest import show_main_window


@pytest.fixture
def window(gui_project: Project, qtbot: QtBot) -> Iterator[MainWindow]:
    win = show_main_window(gui_project, qtbot, (1000, 700))
    yield win
    win.shutdown()


def _people(window: MainWindow, photo_id: int) -> list[str]:
    assert window.catalog.settle()
    return list(get_photo(window.project.conn, photo_id)["people"])


def test_undo_after_a_rename_restores_the_renamed_person(
    window: MainWindow, errors: list[str]
) -> None:
    photo = window.model.photo_id_at(0)
    window.apply_to([photo], EditRequest(add_people=["Sam Lee"]))
    window.apply_to([photo], EditRequest(remove_people=["Sam Lee"]))
    assert _people(window, photo) == []
    [sam] = [p for p in register.list_people(window.project.conn) if p["name"] == "Sam Lee"]
    # Renamed from another window, through the same catalog thread.
    window.catalog.call(lambda p: register.update_person(p, sam["id"], name="Samantha Lee"))

    window.undo_stack.undo()
    assert _people(window, photo) == ["Samantha Lee"]
    window.undo_stack.redo()
    assert _people(window, photo) == []
    window.undo_stack.undo()
    window.undo_stack.undo()
    assert _people(window, photo) == []
    window.undo_stack.redo()
    assert _people(window, photo) == ["Samantha Lee"]
    names = [p["name"] for p in register.list_people(window.project.conn)]
    assert "Sam Lee" not in names and names.count("Samantha Lee") == 1
    assert errors == []
