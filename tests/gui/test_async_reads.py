"""The windows never wait for the catalog thread: every read arrives as a callback.

The catalog thread runs one job at a time, so a read asked for while a 1,000-photo edit runs
waits behind it; a GUI thread blocked on that read freezes the window. These tests keep the
thread busy on purpose (:func:`held`, a job that waits on a gate, as a long edit would), do
what the user does — open the project, filter, type a caption template, open Write-back,
look at a person, record a withdrawal — and check that the window answered at once with a
placeholder or a disabled control, then showed the right value once the thread was free.
Answers that a newer request superseded must not overwrite it.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QItemSelectionModel
from PySide6.QtWidgets import QApplication, QDialog
from pytestqt.qtbot import QtBot

from gallery_app.core import audit, edits
from gallery_app.core.catalog import photos
from gallery_app.core.consent import store
from gallery_app.core.consent.model import ConsentStatus, Verdict
from gallery_app.core.consent.review import ReviewQueue
from gallery_app.core.importing.importer import import_sources
from gallery_app.core.people import register
from gallery_app.core.project import Project
from gallery_app.gui.catalog_thread import CatalogThread
from gallery_app.gui.main_window import MainWindow
from gallery_app.gui.models import photo_grid_model as grid_model
from gallery_app.gui.models.photo_grid_model import Roles, ThreadedCatalogSource
from gallery_app.gui.people import dialogs
from gallery_app.gui.people import review_page as grid_review
from gallery_app.gui.people.review_page import ReviewPage
from gallery_app.gui.people.window import PeopleWindow
from tests.helpers import make_jpeg

from .conftest import PHOTO_COUNT, show_main_window

QUICK_S = 2.0
"""A call that returns within this while the catalog thread is held did not wait for it (the
held job lasts :data:`HOLD_S`)."""
HOLD_S = 20.0


@contextmanager
def held(catalog: CatalogThread) -> Iterator[None]:
    """Keep the catalog thread busy, as a long edit would, until the block ends."""
    started, gate = threading.Event(), threading.Event()

    def busy(_project: Project) -> None:
        started.set()
        gate.wait(HOLD_S)

    catalog.submit(busy)
    assert started.wait(5)
    try:
        yield
    finally:
        gate.set()


def quickly(action: Callable[[], object]) -> object:
    """Run ``action`` and check it returned without waiting for the (held) catalog thread."""
    start = time.monotonic()
    result = action()
    assert time.monotonic() - start < QUICK_S
    return result


@pytest.fixture
def window(gui_project: Project, qtbot: QtBot) -> Iterator[MainWindow]:
    win = show_main_window(gui_project, qtbot, (1100, 760), activate=True)
    yield win
    win.shutdown()


def _grid_ids(window: MainWindow) -> list[int]:
    return [window.model.photo_id_at(r) for r in range(window.model.rowCount())]


def _select(window: MainWindow, rows: list[int]) -> list[int]:
    selection = window.view.selectionModel()
    window.view.setCurrentIndex(window.model.index(rows[0]))
    selection.clearSelection()
    for row in rows:
        selection.select(window.model.index(row), QItemSelectionModel.SelectionFlag.Select)
    QApplication.processEvents()
    assert window.catalog.settle()
    return [window.model.photo_id_at(r) for r in rows]


# --- the main window and its grid ------------------------------------------------------------


def test_the_window_opens_before_its_title_and_photos_arrive(
    gui_project: Project, qtbot: QtBot
) -> None:
    window = quickly(lambda: MainWindow(gui_project))
    assert isinstance(window, MainWindow)
    qtbot.addWidget(window)
    try:
        # Nothing was read yet: a neutral title, an empty grid that says it is loading.
        assert window.windowTitle() == "Gallery Curator"
        assert window.model.loading and window.model.rowCount() == 0
        assert window.view.empty_text() == "Loading photos…"
        window.resize(900, 600)
        window.show()
        qtbot.waitExposed(window)
        assert window.catalog.settle()
        assert window.windowTitle() == "Open Data Summit 2026 — Gallery Curator"
        assert not window.model.loading and window.view.empty_text() == ""
        assert _grid_ids(window) == photos.list_photo_ids(
            gui_project.conn, photos.PhotoQuery(sort="time")
        )
        # A grid with photos has a current one, so the culling keys act at once.
        assert window.view.currentIndex().row() == 0
        first = _grid_ids(window)[0]
        qtbot.waitUntil(lambda: window.panels.metadata_panel.photo_ids == [first])
    finally:
        window.shutdown()


def test_a_reload_waits_for_no_one_and_keeps_the_grid_until_its_ids_arrive(
    window: MainWindow,
) -> None:
    before = _grid_ids(window)
    with held(window.catalog):
        quickly(window.model.reload)
        assert window.model.loading
        assert _grid_ids(window) == before  # the old ids stay shown meanwhile
        assert window.view.empty_text() == ""  # ... so there is no "Loading" over them
    assert window.catalog.settle()
    assert not window.model.loading
    assert _grid_ids(window) == before


def test_a_grid_whose_ids_cannot_be_read_says_why(window: MainWindow) -> None:
    source = window.model.source
    assert isinstance(source, ThreadedCatalogSource)
    source.query = photos.PhotoQuery(taken_from="yesterday")  # the core refuses this bound
    window.model.reset_ids([])
    window.model.reload()
    assert window.view.empty_text() == "Loading photos…"
    assert window.catalog.settle()
    assert not window.model.loading and "'yesterday' is not a date" in window.model.load_error
    assert window.view.empty_text() == f"Could not read the photos: {window.model.load_error}"
    assert "'yesterday' is not a date" in window.statusBar().currentMessage()
    assert not window.view.grab().isNull()  # the message is painted over the empty grid


def test_a_stale_id_answer_does_not_overwrite_a_newer_filter(
    window: MainWindow, gui_project: Project
) -> None:
    """A reload asked before a filter's answer arrived was for the old query: dropped."""
    ids = _grid_ids(window)
    edits.apply_edit(window.project, ids[:3], edits.EditRequest(rating=4))  # the oracle's view
    rated = photos.PhotoQuery(sort="time", min_rating=3)
    resets: list[int] = []
    window.model.modelReset.connect(lambda: resets.append(window.model.rowCount()))
    with held(window.catalog):
        window.panels.apply_query(rated)  # the filter's job is queued first ...
        quickly(window.model.reload)  # ... then a reload, still with the old query
    assert window.catalog.settle()
    expected = photos.list_photo_ids(gui_project.conn, rated)
    assert _grid_ids(window) == expected and len(expected) == 3
    assert resets == [3]  # the reload's answer (all 12) was never shown


def test_an_import_sync_asked_before_a_filter_does_not_bring_filtered_photos_back(
    window: MainWindow, gui_project: Project
) -> None:
    ids = _grid_ids(window)
    edits.apply_edit(window.project, ids[:2], edits.EditRequest(flag=1))
    picks = photos.PhotoQuery(sort="time", flag=1)
    with held(window.catalog):
        window.panels.apply_query(picks)
        quickly(window.model.sync_ids)  # asked while every photo was shown
    assert window.catalog.settle()
    assert _grid_ids(window) == photos.list_photo_ids(gui_project.conn, picks) == ids[:2]


def test_a_sync_keeps_the_selection_and_current_photo(
    window: MainWindow, gui_project: Project, tmp_path: Path
) -> None:
    chosen = _select(window, [3, 5])
    current = window.model.photo_id_at(window.view.currentIndex().row())
    # An import adds a photo taken before all the others: it goes first, the rows move, the
    # user's selection moves with its photos (a merge, not a reset).
    card = tmp_path / "late-card"
    make_jpeg(card / "EARLY.JPG", seed=7, captured="2026:05:14 08:00:00")
    summary = import_sources(gui_project, [card], workers=1)
    (new,) = summary.imported
    resets: list[bool] = []
    window.model.modelReset.connect(lambda: resets.append(True))
    with held(window.catalog):
        quickly(window.model.sync_ids)
        assert window.model.rowCount() == PHOTO_COUNT  # not merged before the answer
    assert window.catalog.settle()
    assert window.model.rowCount() == PHOTO_COUNT + 1 and window.model.row_of(new) == 0
    assert not resets
    assert sorted(window.panels.selected_ids()) == sorted(chosen)
    assert window.model.photo_id_at(window.view.currentIndex().row()) == current


# --- the caption template example ------------------------------------------------------------


def test_the_template_example_is_filled_without_asking_the_catalog_thread(
    window: MainWindow, errors: list[str]
) -> None:
    ids = _grid_ids(window)
    _select(window, [0, 1])
    panel = window.panels.metadata_panel
    panel.template_button.click()
    with held(window.catalog):
        quickly(lambda: panel.template_combo.setEditText("{event}, {date}: {people}"))
        assert panel.template_example.text() == (
            "e.g. “Open Data Summit 2026, 14 May 2026” (and 1 more, each its own)"
        )
        quickly(lambda: panel.template_combo.setEditText("{speaker}"))
        assert "{speaker}" in panel.template_example.text()  # a mistake, said at once
        assert not panel.template_apply.isEnabled()
        panel.template_combo.setEditText("{people} at {event}")
    # Tagging the photo changes its {people}: the example follows once the edit is in.
    window.apply_to([ids[0]], edits.EditRequest(add_people=["Ana Müller"]))
    assert window.catalog.settle()
    assert panel.template_example.text() == (
        "e.g. “Ana Müller at Open Data Summit 2026” (and 1 more, each its own)"
    )
    assert errors == []


def test_the_template_example_waits_for_a_new_selection_s_values(window: MainWindow) -> None:
    _select(window, [0])
    panel = window.panels.metadata_panel
    panel.template_button.click()
    panel.template_combo.setEditText("{event}")
    assert panel.template_example.text() == "e.g. “Open Data Summit 2026”"
    with held(window.catalog):
        window.view.setCurrentIndex(window.model.index(4))  # its summary waits in the queue
        QApplication.processEvents()
        panel.template_combo.setEditText("{event}!")
        assert panel.template_example.text() == "e.g. “…”"  # not photo 0's values
    assert window.catalog.settle()
    assert panel.photo_ids == [window.model.photo_id_at(4)]
    assert panel.template_example.text() == "e.g. “Open Data Summit 2026!”"


# --- write-back ------------------------------------------------------------------------------


def test_write_back_opens_when_the_photo_count_arrives(window: MainWindow) -> None:
    actions = window.file_actions
    chosen = _select(window, [1, 2])
    with held(window.catalog):
        assert quickly(actions.open_writeback) is None
        assert actions.writeback_dialog is None
        assert not actions.writeback_action.isEnabled()  # no second dialog meanwhile
        assert actions.open_writeback() is None
    assert window.catalog.settle()
    dialog = actions.writeback_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.total == PHOTO_COUNT and dialog.selected == chosen
    assert actions.writeback_action.isEnabled()
    assert actions.open_writeback() is dialog  # the open one is raised, not replaced
    dialog.reject()


# --- the People window -----------------------------------------------------------------------


@pytest.fixture
def seeded(gui_project: Project) -> Project:
    """Ana (granted) on photos 0-1, Sam (granted, then refused social) on photo 2."""
    ids = photos.list_photo_ids(gui_project.conn)
    register.add_person(gui_project, name="Ana Müller", email="ana@example.org")
    register.add_person(gui_project, name="Sam Lee", email="sam@example.org")
    for who in ("Ana Müller", "Sam Lee"):
        record = store.new_record(ConsentStatus.GRANTED, store.parse_uses("all"))
        store.add_record(gui_project, who, record)
    store.add_record(
        gui_project,
        "Sam Lee",
        store.new_record(ConsentStatus.REFUSED, store.parse_uses("social"), evidence="e-mail"),
    )
    edits.apply_edit(gui_project, ids[0:2], edits.EditRequest(add_people=["Ana Müller"]))
    edits.apply_edit(gui_project, [ids[2]], edits.EditRequest(add_people=["Sam Lee"]))
    return gui_project


@pytest.fixture
def main(seeded: Project, qtbot: QtBot) -> Iterator[MainWindow]:
    win = show_main_window(seeded, qtbot, (1100, 760))
    yield win
    win.close()  # closes the People window first, then the project


@pytest.fixture
def people(main: MainWindow, qtbot: QtBot) -> PeopleWindow:
    with held(main.catalog):
        window = quickly(lambda: main.people_menu.open(PeopleWindow.PEOPLE_TAB))
        assert isinstance(window, PeopleWindow)
        assert window.windowTitle() == "People and consent"  # the event's name follows
    assert main.catalog.settle()
    qtbot.waitUntil(lambda: not window.review_page.loading, timeout=10_000)
    assert main.catalog.settle()
    assert window.windowTitle() == "People and consent — Open Data Summit 2026"
    return window


def _history(window: PeopleWindow) -> list[str]:
    tree = window.people_page.panel.history
    return [tree.topLevelItem(i).text(1) for i in range(tree.topLevelItemCount())]


def test_a_person_s_history_and_photos_arrive_and_an_earlier_person_s_are_dropped(
    seeded: Project, people: PeopleWindow
) -> None:
    ana = register.find_person(seeded.conn, "Ana Müller")
    sam = register.find_person(seeded.conn, "Sam Lee")
    page, panel = people.people_page, people.people_page.panel
    with held(people.catalog):
        quickly(lambda: page.select_person(ana.id))
        quickly(lambda: page.select_person(sam.id))
        assert panel.name_label.text() == "Sam Lee"
        assert _history(people) == ["Reading the consent history…"]
        assert panel.photos_label.text() == "Photos of Sam Lee"
    assert people.catalog.settle()
    assert _history(people) == ["✕ Refused", "✓ Granted"]  # Sam's, newest first; not Ana's
    assert panel.photos_label.text() == "Photos of Sam Lee (1)"
    shown = [panel.photo_model.photo_id_at(r) for r in range(panel.photo_model.rowCount())]
    assert shown == [photos.list_photo_ids(seeded.conn)[2]]


def _panel_ids(window: PeopleWindow) -> list[int]:
    model = window.people_page.panel.photo_model
    return [model.photo_id_at(r) for r in range(model.rowCount())]


def test_a_newly_selected_person_never_shows_the_previous_person_s_photos(
    seeded: Project, people: PeopleWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana = register.find_person(seeded.conn, "Ana Müller")
    sam = register.find_person(seeded.conn, "Sam Lee")
    page, panel = people.people_page, people.people_page.panel
    page.select_person(ana.id)
    assert people.catalog.settle()
    ids = photos.list_photo_ids(seeded.conn)
    assert _panel_ids(people) == ids[0:2]
    with held(people.catalog):  # while Sam's photos are being read: nobody's
        quickly(lambda: page.select_person(sam.id))
        assert panel.photos_label.text() == "Photos of Sam Lee"
        assert _panel_ids(people) == [] and panel.photo_model.loading
    assert people.catalog.settle()
    assert _panel_ids(people) == [ids[2]]

    # If Sam's photos cannot be read, the panel says so instead of showing Ana's.
    page.select_person(ana.id)
    assert people.catalog.settle()
    real = grid_model.list_photo_ids

    def locked(conn: object, query: photos.PhotoQuery) -> list[int]:
        if query.person == "Sam Lee":
            raise sqlite3.OperationalError("database is locked")
        return real(conn, query)  # type: ignore[arg-type]

    monkeypatch.setattr(grid_model, "list_photo_ids", locked)
    page.select_person(sam.id)
    assert people.catalog.settle()
    assert _panel_ids(people) == []
    assert panel.photos_label.text().startswith("Could not read the photos of Sam Lee: ")


def test_culling_while_the_review_queue_loads_does_not_restart_it(
    seeded: Project,
    main: MainWindow,
    people: PeopleWindow,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An edit made while the queue loads is re-checked once the queue is in; restarting the
    load instead never finished while someone kept culling."""
    monkeypatch.setattr(ReviewPage, "PART_SIZE", 2)  # 12 photos: six parts
    page = people.review_page
    parts: list[int] = []
    real_part = grid_review.review_queue

    def counted(*args: Any, **kwargs: Any) -> Any:
        parts.append(1)
        return real_part(*args, **kwargs)

    monkeypatch.setattr(grid_review, "review_queue", counted)
    ids = photos.list_photo_ids(seeded.conn)
    untagged = ids[3:9]
    to_edit = list(untagged)
    submit = people.catalog.submit

    def culling_meanwhile(work: Any, on_result: Any = None, on_error: Any = None) -> None:
        # Each time a part's answer arrives, the user marks one more photo: the edit is
        # queued before the next part, so its answer comes while the queue is loading.
        def answered(answer: Any) -> None:
            if isinstance(answer, ReviewQueue) and to_edit:
                main.apply_to([to_edit.pop(0)], edits.EditRequest(no_identifiable_people=True))
            if on_result is not None:
                on_result(answer)

        submit(work, answered, on_error)

    monkeypatch.setattr(people.catalog, "submit", culling_meanwhile)
    loads: list[int] = []
    page.loaded.connect(lambda: loads.append(len(to_edit)))
    page.reload()
    assert main.catalog.settle()
    assert not to_edit and not page.loading
    assert loads == [0] and len(parts) == 6  # one load of six parts, never restarted
    queued = {page.model.item(r).photo_id for r in range(page.model.rowCount())}
    assert not queued & set(untagged)  # the edits made meanwhile are in the queue
    oracle = store.report(seeded.conn, "web")
    assert queued == {item["id"] for item in oracle["needs_review"]}


def test_a_withdrawal_is_recorded_without_waiting_and_shows_the_affected_photos(
    seeded: Project,
    main: MainWindow,
    people: PeopleWindow,
    fill_dialogs: Callable[[Callable[[QDialog], bool]], None],
) -> None:
    ana = register.find_person(seeded.conn, "Ana Müller")
    people.people_page.select_person(ana.id)
    assert people.catalog.settle()
    ids = photos.list_photo_ids(seeded.conn)
    seen: dict[str, object] = {}

    def withdraw(dialog: QDialog) -> bool:
        assert isinstance(dialog, dialogs.WithdrawalDialog)
        dialog.reason_edit.setText("phone call")
        dialog.rejected.connect(lambda: seen.setdefault("rejected", True))
        with held(people.catalog):
            quickly(dialog.withdraw_button.click)
            # Sent, not yet recorded: nothing to press twice, no way to hide the outcome.
            seen["while"] = (
                dialog.recording,
                dialog.withdraw_button.isEnabled(),
                dialog.withdraw_button.text(),
                dialog.reason_edit.isEnabled(),
                dialog.buttons.button(dialogs.Cancel).isEnabled(),
                dialog.title.text(),
            )
            dialog.reject()  # Escape: ignored while recording
        assert people.catalog.settle()
        seen["after"] = dialog.title.text()
        seen["photos"] = dialog.photos_label.text()
        seen["outcome"] = dialog.outcome
        return False

    fill_dialogs(withdraw)
    people.withdraw()
    assert people.catalog.settle()
    assert seen["while"] == (
        True,
        False,
        "Recording…",
        False,
        False,
        "Ana Müller withdraws consent",
    )
    assert "rejected" not in seen
    assert seen["after"] == "Withdrawal of Ana Müller recorded"
    assert "2 photos" in str(seen["photos"]) and "now blocked" in str(seen["photos"])
    outcome = seen["outcome"]
    assert isinstance(outcome, dict) and sorted(outcome["photos"]) == sorted(ids[0:2])
    last = audit.entries(seeded.conn)[-1]
    assert (last["action"], last["reason"]) == ("consent_withdrawn", "phone call")
    grid = main.model
    for photo in ids[0:2]:
        row = grid.row_of(photo)
        assert row is not None
        assert grid.data(grid.index(row), Roles.VERDICT) == Verdict.BLOCKED.value


def test_a_withdrawal_that_fails_leaves_the_dialog_ready_to_try_again(
    seeded: Project,
    people: PeopleWindow,
    fill_dialogs: Callable[[Callable[[QDialog], bool]], None],
    errors: list[str],
) -> None:
    sam = register.find_person(seeded.conn, "Sam Lee")
    people.people_page.select_person(sam.id)
    assert people.catalog.settle()
    before = len(audit.entries(seeded.conn))
    seen: dict[str, object] = {}

    def withdraw(dialog: QDialog) -> bool:
        assert isinstance(dialog, dialogs.WithdrawalDialog)
        with held(people.catalog):
            dialog.withdraw_button.click()
            # Someone else removed Sam from the register meanwhile (another copy of the app,
            # a script): the withdrawal finds nobody to record it for.
            seeded.conn.execute("PRAGMA foreign_keys = OFF")
            seeded.conn.execute("DELETE FROM people WHERE id = ?", (sam.id,))
            seeded.conn.commit()
        assert people.catalog.settle()
        seen["after"] = (
            dialog.recording,
            dialog.outcome,
            dialog.withdraw_button.isEnabled(),
            dialog.withdraw_button.isHidden(),
            dialog.withdraw_button.text(),
            dialog.reason_edit.isEnabled(),
            dialog.buttons.button(dialogs.Cancel).isEnabled(),
            dialog.title.text(),
        )
        return False

    fill_dialogs(withdraw)
    people.withdraw()
    assert people.catalog.settle()
    assert seen["after"] == (
        False,
        None,
        True,
        False,
        "&Record withdrawal",
        True,
        True,
        "Sam Lee withdraws consent",
    )
    assert len(errors) == 1 and "nobody" in errors[0] and "Traceback" not in errors[0]
    assert len(audit.entries(seeded.conn)) == before


def test_saving_the_register_suggests_the_event_s_name(
    people: PeopleWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gallery_app.gui.people import window as people_window

    asked: list[str] = []
    target = tmp_path / "register.csv"

    def choose(_parent: object, suggested: str) -> Path:
        asked.append(suggested)
        return target

    monkeypatch.setattr(people_window, "choose_save_csv", choose)
    with held(people.catalog):
        quickly(people.export_csv)
        assert asked == []  # the name is on its way
    assert people.catalog.settle()
    assert asked == ["Open Data Summit 2026 people.csv"]
    assert target.is_file() and "Ana Müller" in target.read_text(encoding="utf-8")


def test_pressing_withdraw_twice_before_the_dialog_is_up_opens_one_dialog(
    seeded: Project,
    people: PeopleWindow,
    fill_dialogs: Callable[[Callable[[QDialog], bool]], None],
) -> None:
    ana = register.find_person(seeded.conn, "Ana Müller")
    people.people_page.select_person(ana.id)
    assert people.catalog.settle()
    opened: list[QDialog] = []
    fill_dialogs(lambda dialog: opened.append(dialog) or False)
    with held(people.catalog):  # what it touches is still being read
        quickly(people.withdraw)
        quickly(people.withdraw)
    assert people.catalog.settle()
    assert len(opened) == 1 and isinstance(opened[0], dialogs.WithdrawalDialog)
    people.withdraw()  # once it is closed, the next press opens one again
    assert people.catalog.settle()
    assert len(opened) == 2


@pytest.fixture
def fill_dialogs(monkeypatch: pytest.MonkeyPatch) -> Callable[[Callable[[QDialog], bool]], None]:
    """Replace the modal run of the People window's dialogs with ``filler``."""

    def install(filler: Callable[[QDialog], bool]) -> None:
        monkeypatch.setattr(dialogs, "run_dialog", filler)

    return install
