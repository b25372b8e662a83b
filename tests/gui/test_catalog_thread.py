"""The catalog thread: the main window's one way into the catalog.

Two kinds of test. The first drive :class:`CatalogThread` on its own against a real project:
work runs off the GUI thread, in submission order, results and errors come back on the GUI
thread as values and sentences, and closing finishes queued writes. The last one proves the
boundary for the whole window: once the window is up, the GUI thread's own connection is
wrapped so that any use of it is recorded (and any new SQLite connection opened on the GUI
thread too), then a user culls with keys, edits in the panel, undoes and redoes, filters,
selects, sets a camera clock and works in the People window. Nothing may be recorded, and an
independent read-only connection checks that every change reached the catalog.

The long jobs get the same proof from the other side: every SQLite connection opened while the
window lives is a recording subclass that notes the thread of each use. Through an import of
real JPEGs (culling while it runs), an export, a write-back and the review queue, exactly one
connection may be opened (the catalog thread's) and only its own thread may use it.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QApplication, QDialog
from pytestqt.qtbot import QtBot

from gallery_app.core import cameras, edits
from gallery_app.core.catalog import photos
from gallery_app.core.catalog.database import connect
from gallery_app.core.errors import UserError
from gallery_app.core.people import register
from gallery_app.core.progress import ProgressEvent
from gallery_app.core.project import Project, open_project
from gallery_app.gui import import_dialog, panels
from gallery_app.gui.catalog_thread import CatalogThread, CatalogUnavailable
from gallery_app.gui.clock_dialog import ClockOffsetDialog
from gallery_app.gui.jobs import UNEXPECTED
from gallery_app.gui.main_window import MainWindow
from gallery_app.gui.models.photo_grid_model import Roles
from gallery_app.gui.people import dialogs
from gallery_app.gui.people.window import PeopleWindow
from tests.helpers import make_jpeg

from .conftest import PHOTO_COUNT, show_main_window


@pytest.fixture
def catalog(gui_project: Project) -> Iterator[CatalogThread]:
    thread = CatalogThread(gui_project)
    yield thread
    thread.shutdown()


def test_work_runs_off_the_gui_thread_in_order_and_results_come_back_on_it(
    catalog: CatalogThread, gui_project: Project
) -> None:
    gui = threading.get_ident()
    ran_on: list[int] = []
    delivered: list[tuple[int, int]] = []

    def work(n: int) -> Callable[[Project], int]:
        def run(project: Project) -> int:
            ran_on.append(threading.get_ident())
            assert project.conn is not gui_project.conn  # the worker's own connection
            return n

        return run

    for n in range(50):
        catalog.submit(work(n), lambda value: delivered.append((value, threading.get_ident())))
    assert catalog.settle()
    assert [value for value, _ in delivered] == list(range(50))
    assert {thread for _, thread in delivered} == {gui}
    assert len(set(ran_on)) == 1 and ran_on[0] != gui


def test_a_write_and_the_read_after_it_see_each_other_in_submission_order(
    catalog: CatalogThread, gui_project: Project
) -> None:
    ids = photos.list_photo_ids(gui_project.conn)
    seen: list[int] = []
    for rating in (1, 4, 2):
        catalog.submit(
            lambda p, r=rating: edits.apply_edit(p, ids[:3], edits.EditRequest(rating=r))
        )
        catalog.submit(
            lambda p: photos.get_photo(p.conn, ids[0])["rating"], lambda v: seen.append(int(v))
        )
    assert catalog.settle()
    assert seen == [1, 4, 2]


def test_errors_come_back_as_sentences_never_tracebacks(
    catalog: CatalogThread, capsys: pytest.CaptureFixture[str], errors: list[str]
) -> None:
    got: list[str] = []

    def refused(_project: Project) -> None:
        raise UserError("the photo IMG_0001.JPG is not in this project")

    def bug(_project: Project) -> None:
        raise KeyError("oops")

    catalog.submit(refused, pytest.fail, got.append)
    catalog.submit(bug, pytest.fail, got.append)
    catalog.submit(refused)  # no error callback: the user gets a message box
    assert catalog.settle()
    assert got == ["the photo IMG_0001.JPG is not in this project", UNEXPECTED]
    assert errors == ["the photo IMG_0001.JPG is not in this project"]
    assert all("Traceback" not in text for text in got + errors)
    assert "KeyError" in capsys.readouterr().err  # the details go to the terminal
    # A blocking call (a long job's unit) raises what the work raised, exactly as the core's
    # DirectAccess does on the command line; the job turns it into a sentence (jobs.py).
    with pytest.raises(UserError, match="IMG_0001"):
        catalog.call(refused)
    with pytest.raises(KeyError):
        catalog.call(bug)
    assert catalog.call(lambda p: photos.count_photos(p.conn)) == PHOTO_COUNT


def test_a_unit_that_leaves_a_transaction_open_fails_and_is_rolled_back(
    catalog: CatalogThread, capsys: pytest.CaptureFixture[str]
) -> None:
    """Left open, its change would be committed by the next unit that commits, or every
    later change would fail with "cannot start a transaction within a transaction"."""
    got: list[str] = []

    def sloppy(project: Project) -> None:
        project.conn.execute("BEGIN")
        project.conn.execute("UPDATE photos SET rating = 5")

    catalog.submit(sloppy, pytest.fail, got.append)
    assert catalog.settle()
    assert got == [UNEXPECTED]
    assert "left a transaction open" in capsys.readouterr().err
    # Nothing of it was kept, and the next edit works.
    ids = catalog.call(lambda p: photos.list_photo_ids(p.conn))
    catalog.call(lambda p: edits.apply_edit(p, ids[:1], edits.EditRequest(rating=2)))
    ratings = catalog.call(lambda p: [photos.get_photo(p.conn, i)["rating"] for i in ids])
    assert ratings[0] == 2 and set(ratings[1:]) == {0}


def test_closing_finishes_queued_edits_and_runs_no_more_callbacks(
    gui_project: Project, project_path: Path
) -> None:
    thread = CatalogThread(gui_project)
    ids = photos.list_photo_ids(gui_project.conn)
    called: list[object] = []
    for photo_id in ids:
        thread.submit(
            lambda p, i=photo_id: edits.apply_edit(p, [i], edits.EditRequest(rating=5)),
            called.append,
        )
    thread.shutdown()
    QApplication.processEvents()
    assert called == []  # the window is gone: nobody to tell
    oracle = connect(project_path / "catalog.sqlite", readonly=True)
    try:
        assert {photos.get_photo(oracle, i)["rating"] for i in ids} == {5}
    finally:
        oracle.close()
    thread.submit(lambda _p: pytest.fail("ran after shutdown"))
    with pytest.raises(CatalogUnavailable):
        thread.call(lambda _p: None)


def test_a_jobs_units_wait_their_turn_without_a_time_limit(
    catalog: CatalogThread, capsys: pytest.CaptureFixture[str]
) -> None:
    """A long job's thread queues its units here and waits, however busy the queue is; the
    catalog thread cannot wait on itself; a job still asking after shutdown is told so."""
    access = catalog.access()
    catalog.submit(lambda _p: time.sleep(0.5))  # the grid's work ahead of the job's unit
    answers: list[tuple[int, int, int]] = []

    def job() -> None:
        answers.append(
            (
                threading.get_ident(),
                *access.run(lambda p: (threading.get_ident(), photos.count_photos(p.conn))),
            )
        )

    started = time.monotonic()
    worker = threading.Thread(target=job)
    worker.start()
    worker.join(30)
    assert time.monotonic() - started >= 0.4  # it waited for the work queued before it
    [(job_thread, ran_on, count)] = answers
    assert count == PHOTO_COUNT
    assert ran_on not in (job_thread, threading.get_ident())
    got: list[str] = []
    catalog.submit(lambda _p: catalog.call(lambda _q: 1), pytest.fail, got.append)
    assert catalog.settle()
    assert got == [UNEXPECTED]  # refused (it would have waited for itself forever)
    assert "catalog thread itself" in capsys.readouterr().err
    catalog.shutdown()
    with pytest.raises(CatalogUnavailable, match="closing"):
        access.run(lambda _p: 1)


# --- the boundary -------------------------------------------------------------------------


class GuiThreadGuard:
    """Stands in for the GUI thread's catalog connection and records every use of it."""

    def __init__(self, conn: sqlite3.Connection, uses: list[str]) -> None:
        self._conn = conn
        self._uses = uses

    def __getattr__(self, name: str) -> Any:
        stack = "".join(traceback.format_stack(limit=6)[:-1])
        self._uses.append(f"project.conn.{name} on {threading.current_thread().name}\n{stack}")
        return getattr(self._conn, name)


@pytest.fixture
def uses() -> list[str]:
    return []


@pytest.fixture
def guarded(
    gui_project: Project,
    project_path: Path,
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
    uses: list[str],
) -> Iterator[tuple[MainWindow, sqlite3.Connection]]:
    """The main window, up and idle, with the GUI thread cut off from the catalog."""
    oracle = connect(project_path / "catalog.sqlite", readonly=True)
    window = MainWindow(gui_project)
    qtbot.addWidget(window)
    window.resize(1100, 760)
    window.show()
    qtbot.waitExposed(window)
    window.view.setFocus()
    assert window.catalog.settle()
    real = gui_project.conn
    gui_project.conn = GuiThreadGuard(real, uses)  # type: ignore[assignment]
    gui = threading.get_ident()
    real_connect = sqlite3.connect

    def watched_connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        if threading.get_ident() == gui:
            uses.append(f"sqlite3.connect{args[:1]} on the GUI thread\n")
        return real_connect(*args, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", watched_connect)
    try:
        yield window, oracle
    finally:
        monkeypatch.undo()
        assert window.catalog.settle()
        gui_project.conn = real
        window.close()
        oracle.close()


def _select(window: MainWindow, rows: list[int]) -> list[int]:
    selection = window.view.selectionModel()
    window.view.setCurrentIndex(window.model.index(rows[0]))
    selection.clearSelection()
    for row in rows:
        selection.select(window.model.index(row), QItemSelectionModel.SelectionFlag.Select)
    return [window.model.photo_id_at(r) for r in rows]


def _field(oracle: sqlite3.Connection, ids: list[int], name: str) -> set[object]:
    return {photos.get_photo(oracle, i)[name] for i in ids}


def _idle(window: MainWindow, qtbot: QtBot) -> None:
    """Every submitted job answered, and no filter running (callbacks may submit more)."""
    for _ in range(3):
        assert window.catalog.settle()
        qtbot.waitUntil(lambda: not window.panels.busy, timeout=10_000)
    assert window.catalog.settle()


@pytest.mark.qt_log_ignore(
    "does not support propagateSizeHints",
    "does not support raise",
    "does not support grabbing the keyboard",
)
def test_after_the_window_is_up_only_the_catalog_thread_touches_the_catalog(
    guarded: tuple[MainWindow, sqlite3.Connection],
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
    uses: list[str],
    errors: list[str],
) -> None:
    window, oracle = guarded
    all_ids = [window.model.photo_id_at(r) for r in range(window.model.rowCount())]
    assert len(all_ids) == PHOTO_COUNT

    # Culling with keys on a selection; the grid follows when the result arrives.
    ids = culled = _select(window, [0, 2, 3])
    qtbot.keyClick(window.view, Qt.Key.Key_3)
    qtbot.keyClick(window.view, Qt.Key.Key_P)
    qtbot.keyClick(window.view, Qt.Key.Key_6)
    _idle(window, qtbot)
    assert _field(oracle, ids, "rating") == {3}
    assert _field(oracle, ids, "flag") == {"pick"}
    assert _field(oracle, ids, "color_label") == {"red"}
    assert window.model.data(window.model.index(2), Roles.RATING) == 3
    assert window.undo_stack.count() == 3

    # Undo and redo from the keyboard, pressed faster than results come back.
    qtbot.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(
        window.view,
        Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    _idle(window, qtbot)
    assert _field(oracle, ids, "color_label") == {None}
    assert _field(oracle, ids, "flag") == {"pick"}
    assert window.model.data(window.model.index(0), Roles.COLOR_LABEL) == ""
    assert window.model.data(window.model.index(0), Roles.FLAG) == 1

    # The metadata panel: the selection's summary, and an edit of all selected photos.
    ids = _select(window, [1, 4, 5])
    _idle(window, qtbot)
    panel = window.panels.metadata_panel
    assert panel.photo_ids == ids
    steps = window.undo_stack.index()  # one redo-able step is dropped by the next edit
    credit = panel.fields["credit"].widget
    credit.setFocus()
    qtbot.keyClicks(credit, "Photo: Jo Bloggs")
    qtbot.keyClick(credit, Qt.Key.Key_Return)
    _idle(window, qtbot)
    assert _field(oracle, ids, "credit") == {"Photo: Jo Bloggs"}
    assert window.undo_stack.index() == window.undo_stack.count() == steps + 1
    assert window.undo_stack.undoText() == "set credit on 3 photos"
    window.undo_stack.undo()
    _idle(window, qtbot)
    assert _field(oracle, ids, "credit") == {None}

    # Whether the files hold what the catalog says: the grid's marker, the panel's line, and
    # the write-back dialog's project count are all read on the catalog thread.
    assert window.model.data(window.model.index(1), Roles.WRITE_STATE) == "never_written"
    assert panel.file_state_label.text() == "Files: 3 never written"
    window.file_actions.open_writeback()
    assert window.catalog.settle()  # it opens once the project's count is in
    writeback = window.file_actions.writeback_dialog
    assert writeback is not None
    assert writeback.total == PHOTO_COUNT and writeback.selected == ids
    writeback.reject()

    # A filter: the grid holds exactly what the core query returns (the three rated ones).
    query = photos.PhotoQuery(sort="time", min_rating=3)
    window.panels.apply_query(query)
    _idle(window, qtbot)
    shown = [window.model.photo_id_at(r) for r in range(window.model.rowCount())]
    assert shown == photos.list_photo_ids(oracle, query)
    assert sorted(shown) == sorted(culled)
    window.panels.apply_query(photos.PhotoQuery(sort="time"))
    _idle(window, qtbot)
    assert window.model.rowCount() == PHOTO_COUNT

    # A camera clock, set from one photo and undone.
    _select(window, [0])
    _idle(window, qtbot)

    def answer(dialog: ClockOffsetDialog) -> bool:
        dialog.set_true_time(dialog.recorded + dt.timedelta(hours=1))
        return True

    monkeypatch.setattr(panels, "run_dialog", answer)
    window.panels.clock_action.trigger()
    _idle(window, qtbot)
    assert {body.offset_seconds for body in cameras.list_cameras(oracle)} == {3600}
    window.undo_stack.undo()
    _idle(window, qtbot)
    assert {body.offset_seconds for body in cameras.list_cameras(oracle)} == {0}

    # The People window: add a person, record their consent, tag them from the review queue.
    people = window.people_menu.open(PeopleWindow.PEOPLE_TAB)
    qtbot.waitExposed(people)
    qtbot.waitUntil(lambda: not people.review_page.loading, timeout=10_000)
    _idle(window, qtbot)

    def run(filler: Callable[[QDialog], None]) -> None:
        def fill(dialog: QDialog) -> bool:
            filler(dialog)
            dialog.accept()
            return dialog.result() == QDialog.DialogCode.Accepted

        monkeypatch.setattr(dialogs, "run_dialog", fill)

    def add(dialog: QDialog) -> None:
        assert isinstance(dialog, dialogs.PersonDialog)
        dialog.name_edit.setText("Jo Walker")
        dialog.email_edit.setText("jo@example.org")

    run(add)
    people.add_person()
    _idle(window, qtbot)
    jo = register.find_person(oracle, "jo@example.org")
    assert people.people_page.current_person_id() == jo.id
    window.apply_to([all_ids[7]], edits.EditRequest(add_people=["Jo Walker"]))
    _idle(window, qtbot)
    assert window.model.data(window.model.index(7), Roles.VERDICT) == "needs_review"

    def consent(dialog: QDialog) -> None:
        assert isinstance(dialog, dialogs.ConsentDialog)

    run(consent)
    people.record_consent()
    _idle(window, qtbot)
    assert people.people_page.model.rowCount() == 1
    assert window.model.data(window.model.index(7), Roles.VERDICT) == "cleared"
    people.show_tab(PeopleWindow.AUDIT_TAB)
    _idle(window, qtbot)
    assert people.audit_page.model.rowCount() > 0
    people.close()

    assert errors == []
    assert uses == [], "the GUI thread touched the catalog:\n" + "\n".join(uses)


def test_an_edit_that_changes_nothing_leaves_no_undo_step(
    guarded: tuple[MainWindow, sqlite3.Connection], qtbot: QtBot, uses: list[str]
) -> None:
    window, _oracle = guarded
    _select(window, [0])
    qtbot.keyClick(window.view, Qt.Key.Key_0)  # already unrated
    _idle(window, qtbot)
    assert window.undo_stack.count() == 0
    # ... and one whose result has not come back yet is undone in order, not skipped.
    qtbot.keyClick(window.view, Qt.Key.Key_2)
    window.undo_stack.undo()
    _idle(window, qtbot)
    assert window.model.data(window.model.index(0), Roles.RATING) == 0
    assert window.undo_stack.index() == 0 and window.undo_stack.count() == 1
    assert uses == []


# --- the long jobs ------------------------------------------------------------------------


class _Uses:
    """Every SQLite connection opened while it listens, and the threads that used each."""

    def __init__(self) -> None:
        self.opened: list[int] = []
        """The thread that opened each connection, by connection number."""
        self.used: list[tuple[int, int]] = []
        """(connection number, thread) per use."""
        self.lock = threading.Lock()

    def connection_class(self) -> type[sqlite3.Connection]:
        uses = self

        class Recording(sqlite3.Connection):
            """A real connection that notes who uses it (cursors come from ``cursor``/
            ``execute``, so every statement passes here first)."""

            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, **kwargs)
                with uses.lock:
                    self.number = len(uses.opened)
                    uses.opened.append(threading.get_ident())

            def _note(self) -> None:
                with uses.lock:
                    uses.used.append((self.number, threading.get_ident()))

            def execute(self, *args: Any) -> sqlite3.Cursor:  # type: ignore[override]
                self._note()
                return super().execute(*args)

            def executemany(self, *args: Any) -> sqlite3.Cursor:  # type: ignore[override]
                self._note()
                return super().executemany(*args)

            def executescript(self, *args: Any) -> sqlite3.Cursor:  # type: ignore[override]
                self._note()
                return super().executescript(*args)

            def cursor(self, *args: Any) -> sqlite3.Cursor:  # type: ignore[override]
                self._note()
                return super().cursor(*args)

            def commit(self) -> None:
                self._note()
                super().commit()

            def rollback(self) -> None:
                self._note()
                super().rollback()

        return Recording


@pytest.mark.qt_log_ignore(
    "does not support propagateSizeHints",
    "does not support raise",
    "does not support grabbing the keyboard",
)
def test_import_export_write_back_and_review_use_only_the_catalog_thread(  # noqa: PLR0917
    gui_project: Project,
    project_path: Path,
    tmp_path: Path,
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
    errors: list[str],
) -> None:
    card = tmp_path / "card"
    for i in range(4):
        make_jpeg(card / f"NEW_{i:04d}.JPG", seed=300 + i, captured=f"2026:05:14 11:{i:02d}:00")
    oracle = connect(project_path / "catalog.sqlite", readonly=True)  # before listening
    guard_uses: list[str] = []
    real = gui_project.conn
    uses = _Uses()
    real_connect = sqlite3.connect

    def recording_connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        kwargs.setdefault("factory", uses.connection_class())
        return real_connect(*args, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", recording_connect)
    # The window's own connection (opened before) must not be used at all, by any thread.
    gui_project.conn = GuiThreadGuard(real, guard_uses)  # type: ignore[assignment]
    window = show_main_window(gui_project, qtbot, (1100, 760))
    gui = threading.get_ident()
    try:
        # Import, and cull the first new photo as soon as the grid shows it.
        monkeypatch.setattr(import_dialog, "choose_folder", lambda _parent: card)
        dialog = window.file_actions.open_import()
        dialog.workers = 1
        dialog.add_folder_button.click()
        assert window.catalog.settle()  # the example name's numbers
        assert dialog.example_label.text().startswith("Example: ")
        assert "…" not in dialog.example_label.text()
        culled: list[int] = []

        def cull(photo_ids: list[int]) -> None:
            if not culled:
                culled.append(photo_ids[0])
                window.apply_to([photo_ids[0]], edits.EditRequest(rating=4))

        dialog.photos_added.connect(cull)
        dialog.import_button.click()
        qtbot.waitUntil(lambda: dialog.summary is not None, timeout=60_000)
        assert dialog.summary is not None and len(dialog.summary.imported) == 4
        _idle(window, qtbot)
        assert photos.count_photos(oracle) == PHOTO_COUNT + 4
        assert window.model.rowCount() == PHOTO_COUNT + 4
        assert _field(oracle, culled, "rating") == {4}
        dialog.close()

        # Export three photos as a website: the plan, then the export itself.
        ids = _select(window, [0, 1, 2])
        window.apply_to(ids, edits.EditRequest(no_identifiable_people=True))  # cleared
        _idle(window, qtbot)
        export = window.file_actions.open_export()
        qtbot.waitUntil(lambda: not export.is_planning(), timeout=30_000)
        assert export.going_out() == 3
        out = tmp_path / "web"
        export.destination_edit.setText(str(out))
        export.start()
        qtbot.waitUntil(lambda: export.summary is not None, timeout=120_000)
        assert export.summary is not None and sorted(export.summary.exported) == sorted(ids)
        assert (out / "index.html").is_file()
        assert oracle.execute("SELECT count(*) FROM exports").fetchone()[0] == 1
        export.close()

        # Write the same three photos' metadata into their files.
        window.file_actions.open_writeback()
        assert window.catalog.settle()  # it opens once the project's count is in
        writeback = window.file_actions.writeback_dialog
        assert writeback is not None
        with qtbot.waitSignal(writeback.writeback_finished, timeout=60_000) as finished:
            writeback.write_button.click()
        assert finished.args is not None and len(finished.args[0].written) == 3
        written = oracle.execute("SELECT DISTINCT photo_id FROM photo_writes").fetchall()
        assert sorted(r[0] for r in written) == sorted(ids)
        writeback.close()

        # The review queue, loaded in full and re-checked after an edit.
        people = window.people_menu.open(PeopleWindow.REVIEW_TAB)
        qtbot.waitUntil(lambda: not people.review_page.loading, timeout=10_000)
        window.apply_to([ids[0]], edits.EditRequest(add_people=["Sam Doe"]))
        _idle(window, qtbot)
        assert people.review_page.model.row_of(ids[0]) is not None
        people.close()
        _idle(window, qtbot)
    finally:
        monkeypatch.undo()
        gui_project.conn = real
        window.close()
        oracle.close()

    assert errors == []
    assert guard_uses == [], "the window's own connection was used:\n" + "\n".join(guard_uses)
    assert len(uses.opened) == 1, f"{len(uses.opened)} connections were opened, not one"
    catalog_thread = uses.opened[0]
    assert catalog_thread != gui
    assert uses.used, "the recording missed the catalog thread's work"
    strangers = {thread for _, thread in uses.used if thread != catalog_thread}
    assert not strangers, f"{len(strangers)} other thread(s) used the catalog"


def test_closing_the_window_mid_write_back_finishes_the_file_in_hand_first(
    gui_project: Project, project_path: Path, qtbot: QtBot
) -> None:
    """The window closes while a write-back waits between two files: the job is stopped and
    waited for *before* the catalog thread goes, so its last units (the record of the file
    it wrote, the audit entry) still reach the catalog, while the GUI thread is blocked in
    the close. Nothing is left half-recorded and the project's lock is free afterwards."""
    window = show_main_window(gui_project, qtbot, (1100, 760))
    window.file_actions.open_writeback()
    assert window.catalog.settle()  # it opens once the project's count is in
    dialog = window.file_actions.writeback_dialog
    assert dialog is not None
    reached = threading.Event()
    resume = threading.Event()

    def hold_after_first(event: ProgressEvent) -> None:  # on the job's thread
        if event.kind == "written" and not reached.is_set():
            reached.set()
            resume.wait(30)

    dialog.job_created.connect(
        lambda job: job.progress.connect(hold_after_first, Qt.ConnectionType.DirectConnection)
    )
    dialog.write_button.click()
    qtbot.waitUntil(reached.is_set, timeout=30_000)
    # Let the job go on only once the GUI thread is inside the close, blocked on the job.
    threading.Timer(0.5, resume.set).start()
    window.close()
    assert not window.catalog._worker.isRunning()  # the catalog thread went last
    with open_project(project_path) as reopened:  # the lock is free again
        writes = reopened.conn.execute("SELECT photo_id, fields_hash FROM photo_writes").fetchall()
        assert len(writes) == 1 and writes[0]["fields_hash"] != "pending"
        audit = reopened.conn.execute(
            "SELECT details FROM audit_log WHERE action = 'write_back'"
        ).fetchall()
        assert len(audit) == 1 and f"[{writes[0]['photo_id']}]" in audit[0]["details"]


def test_a_read_in_parts_lets_other_work_in_between_and_stops_when_no_longer_wanted(
    catalog: CatalogThread,
) -> None:
    ran: list[str] = []
    answers: list[list[int]] = []

    def part(_p: Project, number: int) -> int:
        ran.append(f"part {number}")
        return number * 10

    def done(parts: list[int]) -> None:
        answers.append(parts)

    # Work submitted after the read started runs before its parts: each part is submitted
    # only when the one before has answered.
    catalog.submit_in_parts(lambda _p: [1, 2, 3], part, done, pytest.fail, wanted=lambda: True)
    catalog.submit(lambda _p: ran.append("culling"))
    assert catalog.settle()
    assert answers == [[10, 20, 30]]
    assert ran == ["culling", "part 1", "part 2", "part 3"]

    # No longer wanted: the chain stops at its next unit, and says so.
    wanted = [True]
    dropped: list[bool] = []

    def stop_after_first(_p: Project, number: int) -> int:
        wanted[0] = False
        return number

    catalog.submit_in_parts(
        lambda _p: [1, 2, 3],
        stop_after_first,
        pytest.fail,
        pytest.fail,
        wanted=lambda: wanted[0],
        on_dropped=lambda: dropped.append(True),
    )
    assert catalog.settle()
    assert dropped == [True]

    # A failing part ends the chain with a sentence.
    failures: list[str] = []

    def broken(_p: Project, number: int) -> int:
        raise UserError(f"part {number} cannot be read")

    catalog.submit_in_parts(
        lambda _p: [1, 2], broken, pytest.fail, failures.append, wanted=lambda: True
    )
    assert catalog.settle()
    assert failures == ["part 1 cannot be read"]
