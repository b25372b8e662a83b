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


def test_undo_that_would_tag_a_removed_person_says_so_and_keeps_the_stack_in_step(
    window: MainWindow, errors: list[str]
) -> None:
    photo = window.model.photo_id_at(0)
    window.apply_to([photo], EditRequest(add_people=["Sam Lee", "Kit"]))
    window.apply_to([photo], EditRequest(remove_people=["Sam Lee"]))
    assert _people(window, photo) == ["Kit"]
    # Nothing in the app deletes people; another program could.
    window.catalog.call(lambda p: p.conn.execute("DELETE FROM people WHERE name = 'Sam Lee'"))

    window.undo_stack.undo()
    assert _people(window, photo) == ["Kit"]
    assert len(errors) == 1 and "would tag Sam Lee (id " in errors[0]
    assert "no longer in the people register" in errors[0]
    # The step was not undone, so the app still offers it as the next undo, not as a redo.
    assert window.undo_stack.index() == window.undo_stack.count() == 2
    # Later edits undo and redo as usual.
    window.apply_to([photo], EditRequest(caption="Later"))
    window.undo_stack.undo()
    assert get_photo(window.project.conn, photo)["caption"] is None
    window.undo_stack.redo()
    assert _people(window, photo) == ["Kit"]
    assert get_photo(window.project.conn, photo)["caption"] == "Later"
    assert len(errors) == 1


def test_redo_that_would_tag_a_removed_person_is_refused_and_stays_a_redo(
    window: MainWindow, errors: list[str]
) -> None:
    photo = window.model.photo_id_at(0)
    window.apply_to([photo], EditRequest(add_people=["Sam Lee"]))
    window.undo_stack.undo()
    assert _people(window, photo) == []
    window.catalog.call(lambda p: p.conn.execute("DELETE FROM people WHERE name = 'Sam Lee'"))
    window.undo_stack.redo()
    assert _people(window, photo) == []
    assert len(errors) == 1 and errors[0].startswith("cannot redo “set people on 1 photo”")
    assert (window.undo_stack.index(), window.undo_stack.count()) == (0, 1)
    assert window.undo_stack.canRedo()
