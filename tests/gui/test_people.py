"""The People window: register, consent records, review queue (N, T, O), withdrawal, menu.

Everything runs against a real project (12 imported JPEGs) through the real core; the only
things replaced are the modal ``exec()`` of dialogs (filled in by the test instead) and the
file chooser. The catalog, read with plain SQL, is the oracle for what the window claims.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QDialog, QLabel
from pytestqt.qtbot import QtBot

from gallery_app.core import audit, edits
from gallery_app.core.catalog.photos import list_photo_ids
from gallery_app.core.consent import review as review_page_module
from gallery_app.core.consent import store
from gallery_app.core.consent.model import ConsentStatus, Verdict
from gallery_app.core.consent.review import ReviewItem
from gallery_app.core.export.exporter import export
from gallery_app.core.people import register
from gallery_app.core.project import Project
from gallery_app.gui.main_window import MainWindow
from gallery_app.gui.models.photo_grid_model import Roles
from gallery_app.gui.people import dialogs
from gallery_app.gui.people import window as people_window
from gallery_app.gui.people.models import (
    STATE_ROLE,
    PeopleFilterModel,
    PeopleTableModel,
    ReviewQueueModel,
)
from gallery_app.gui.people.review_page import ReviewPage
from gallery_app.gui.people.window import PeopleWindow

from .conftest import PHOTO_COUNT, show_main_window, show_widget

WEB = PeopleTableModel.FIRST_USE_COLUMN
SOCIAL = WEB + 1


def _grant(project: Project, who: str, uses: str = "all", **kwargs: object) -> None:
    record = store.new_record(ConsentStatus.GRANTED, store.parse_uses(uses), **kwargs)  # type: ignore[arg-type]
    store.add_record(project, who, record)


def _tag(project: Project, photo_ids: list[int], *names: str) -> None:
    edits.apply_edit(project, photo_ids, edits.EditRequest(add_people=list(names)))


@pytest.fixture
def ids(gui_project: Project) -> list[int]:
    return list_photo_ids(gui_project.conn)


@pytest.fixture
def seeded(gui_project: Project, ids: list[int]) -> Project:
    """Ana (granted everything) on photos 0–1, Sam (web yes, social refused) and Kit (a minor,
    nothing recorded) on photo 2, Priya (withdrew) on photo 3."""
    project = gui_project
    register.add_person(project, name="Ana Müller", email="ana@example.org", role="speaker")
    register.add_person(project, name="Sam Lee", email="sam@example.org")
    register.add_person(project, name="Kit Lee", minor=True)
    register.add_person(project, name="Priya Natarajan", organisation="Press Association")
    _grant(project, "Ana Müller", evidence="form F-12")
    _grant(project, "Sam Lee", "web,internal", evidence="form F-13")
    store.add_record(
        project,
        "Sam Lee",
        store.new_record(ConsentStatus.REFUSED, store.parse_uses("social"), evidence="e-mail"),
    )
    store.add_record(
        project,
        "Priya Natarajan",
        store.new_record(ConsentStatus.WITHDRAWN, store.parse_uses(None)),
    )
    _tag(project, ids[0:2], "Ana Müller")
    _tag(project, [ids[2]], "Sam Lee", "Kit Lee")
    _tag(project, [ids[3]], "Priya Natarajan")
    return project


@pytest.fixture
def main(seeded: Project, qtbot: QtBot) -> Iterator[MainWindow]:
    win = show_main_window(seeded, qtbot, (1100, 760))
    yield win
    win.close()  # closes the People window first, then the project


def done(holder: PeopleWindow | MainWindow) -> None:
    """Wait until the catalog thread answered every job (register actions and edits run
    there) and the answers reached the windows."""
    assert holder.catalog.settle()


def settle(window: PeopleWindow, qtbot: QtBot) -> None:
    """Wait for the review queue's background reload to arrive."""
    qtbot.waitUntil(lambda: not window.review_page.loading, timeout=10_000)


@pytest.fixture
def people(main: MainWindow, qtbot: QtBot) -> PeopleWindow:
    window = main.people_menu.open(PeopleWindow.PEOPLE_TAB)
    qtbot.waitExposed(window)
    settle(window, qtbot)
    done(window)
    return window


def _review_row(people: PeopleWindow, photo_id: int) -> ReviewPage:
    """The review queue, with ``photo_id``'s row current (as if clicked)."""
    people.show_tab(PeopleWindow.REVIEW_TAB)
    page = people.review_page
    page.table.setCurrentIndex(page.model.index(page.model.row_of(photo_id) or 0, 0))
    return page


@pytest.fixture
def fill(monkeypatch: pytest.MonkeyPatch) -> Callable[[Callable[[QDialog], bool]], list[QDialog]]:
    """Replace the modal run of the next dialogs with ``filler`` (returns True to accept)."""
    seen: list[QDialog] = []

    def install(filler: Callable[[QDialog], bool]) -> list[QDialog]:
        def run(dialog: QDialog) -> bool:
            seen.append(dialog)
            accepted = filler(dialog)
            if accepted:
                dialog.accept()  # goes through the form's own checks
                return dialog.result() == QDialog.DialogCode.Accepted
            return False

        monkeypatch.setattr(dialogs, "run_dialog", run)
        return seen

    return install


def _cell(window: PeopleWindow, name: str, column: int) -> str:
    page = window.people_page
    row = next(r for r in range(page.model.rowCount()) if page.model.person(r)["name"] == name)
    return str(page.model.index(row, column).data())


def _verdict_in_grid(main: MainWindow, photo_id: int) -> str:
    row = main.model.row_of(photo_id)
    assert row is not None
    return str(main.model.index(row).data(Roles.VERDICT))


def main_grid_count(window: PeopleWindow) -> int:
    parent = window.parentWidget()
    assert isinstance(parent, MainWindow)
    return parent.model.rowCount()


def _queue_ids(window: PeopleWindow) -> list[int]:
    model = window.review_page.model
    return [model.item(r).photo_id for r in range(model.rowCount())]


# --- models ------------------------------------------------------------------------------


def test_models_pass_qtmodeltester(
    seeded: Project, people: PeopleWindow, qtmodeltester: object
) -> None:
    check = qtmodeltester.check  # type: ignore[attr-defined]
    check(people.people_page.model)
    check(people.people_page.proxy)
    check(people.review_page.model)
    people.people_page.search.setText("lee")
    check(people.people_page.proxy)
    fresh = PeopleTableModel()
    fresh.set_people(register.list_people(seeded.conn))
    check(fresh)
    proxy = PeopleFilterModel()
    proxy.setSourceModel(fresh)
    check(proxy)
    check(ReviewQueueModel())


def test_register_shows_consent_as_symbol_and_word(people: PeopleWindow) -> None:
    assert people.people_page.model.rowCount() == 4
    assert main_grid_count(people) == PHOTO_COUNT
    assert _cell(people, "Ana Müller", WEB) == "✓ Granted"
    assert _cell(people, "Sam Lee", WEB) == "✓ Granted"
    assert _cell(people, "Sam Lee", SOCIAL) == "✕ Refused"
    assert _cell(people, "Kit Lee", WEB) == "? Unknown"
    assert _cell(people, "Kit Lee", PeopleTableModel.MINOR_COLUMN) == "Minor"
    assert _cell(people, "Priya Natarajan", WEB) == "⊘ Withdrawn"
    assert _cell(people, "Ana Müller", PeopleTableModel.PHOTOS_COLUMN) == "2"
    assert people.people_page.summary.text() == (
        "4 people · ✕ 2 refused, withdrew or expired · ? 2 with unknown consent"
    )
    # The search narrows the list as you type, on name, e-mail or organisation.
    people.people_page.search.setText("press")
    assert people.people_page.proxy.rowCount() == 1
    people.people_page.search.setText("LEE")
    assert people.people_page.proxy.rowCount() == 2


def test_selecting_a_person_shows_their_history_and_exactly_their_photos(
    *,
    seeded: Project,
    main: MainWindow,
    people: PeopleWindow,
    ids: list[int],
    qtmodeltester: object,
) -> None:
    ana = register.find_person(seeded.conn, "Ana Müller")
    sam = register.find_person(seeded.conn, "Sam Lee")
    assert people.people_page.select_person(ana.id)
    assert people.people_page.select_person(sam.id)
    done(people)  # the history and the photos come from the catalog thread
    panel = people.people_page.panel
    assert panel.name_label.text() == "Sam Lee"
    # Sam's consent per use, and nothing left over from Ana (the chips are reused).
    assert [chip.text() for chip in panel.chip_labels.values()] == [
        "Web: ✓ Granted",
        "Social: ✕ Refused",
        "Print: ? Unknown",
        "Internal: ✓ Granted",
    ]
    chips = [
        label
        for label in panel.findChildren(QLabel)
        if label.isVisible() and label.accessibleName().endswith(("Granted", "Refused", "Unknown"))
    ]
    assert len(chips) == 4
    answers = [
        panel.history.topLevelItem(i).text(1) for i in range(panel.history.topLevelItemCount())
    ]
    assert answers == ["✕ Refused", "✓ Granted"]  # newest first
    qtmodeltester.check(panel.history.model())  # type: ignore[attr-defined]
    shown = [panel.photo_model.photo_id_at(r) for r in range(panel.photo_model.rowCount())]
    oracle = [
        r[0]
        for r in seeded.conn.execute(
            "SELECT photo_id FROM photo_people WHERE person_id = ?", (sam.id,)
        )
    ]
    assert shown == oracle == [ids[2]]
    assert panel.photos_label.text() == "Photos of Sam Lee (1)"
    # Activating a photo selects it in the main grid.
    panel.photos.activated.emit(panel.photo_model.index(0))
    assert main.model.photo_id_at(main.view.currentIndex().row()) == ids[2]


def test_add_and_edit_a_person(
    seeded: Project, people: PeopleWindow, fill: Callable[..., list[QDialog]], errors: list[str]
) -> None:
    def add(dialog: QDialog) -> bool:
        assert isinstance(dialog, dialogs.PersonDialog)
        dialog.name_edit.setText("  Jo   Walker ")
        dialog.email_edit.setText("jo@example.org")
        dialog.role_combo.setCurrentIndex(dialog.role_combo.findData("volunteer"))
        return True

    fill(add)
    people.add_person()
    done(people)
    jo = register.find_person(seeded.conn, "jo@example.org")
    assert (jo.name, jo.role, jo.minor) == ("Jo Walker", "volunteer", False)
    assert people.people_page.current_person_id() == jo.id
    assert _cell(people, "Jo Walker", WEB) == "? Unknown"

    def edit(dialog: QDialog) -> bool:
        assert isinstance(dialog, dialogs.PersonDialog)
        assert dialog.name_edit.text() == "Jo Walker"  # pre-filled
        dialog.minor_check.setChecked(True)
        return True

    fill(edit)
    people.edit_person()
    done(people)
    assert register.find_person(seeded.conn, str(jo.id)).minor is True
    assert _cell(people, "Jo Walker", PeopleTableModel.MINOR_COLUMN) == "Minor"
    assert audit.entries(seeded.conn)[-1]["action"] == "person_updated"

    # A clash is a message in words, and nothing changes.
    def clash(dialog: QDialog) -> bool:
        assert isinstance(dialog, dialogs.PersonDialog)
        dialog.name_edit.setText("ana müller")
        return True

    fill(clash)
    people.add_person()
    done(people)
    assert len(errors) == 1 and "already in the register" in errors[0]
    assert "Traceback" not in errors[0]
    assert people.people_page.model.rowCount() == 5


def test_person_dialog_refuses_a_missing_name_or_a_bad_email(qtbot: QtBot) -> None:
    dialog = dialogs.PersonDialog()
    qtbot.addWidget(dialog)
    dialog.accept()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.problem.text() == "Please give the person's name."
    dialog.name_edit.setText("Sam")
    dialog.email_edit.setText("sam at example")
    dialog.accept()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert "does not look like an e-mail address" in dialog.problem.text()


def test_recording_consent_updates_the_register_and_the_grid_badge(
    *,
    seeded: Project,
    main: MainWindow,
    people: PeopleWindow,
    ids: list[int],
    fill: Callable[..., list[QDialog]],
) -> None:
    kit = register.find_person(seeded.conn, "Kit Lee")
    people.people_page.select_person(kit.id)
    assert _verdict_in_grid(main, ids[2]) == Verdict.NEEDS_REVIEW.value

    def without_guardian(dialog: QDialog) -> bool:
        assert isinstance(dialog, dialogs.ConsentDialog)
        dialog.evidence_edit.setText("form F-20")
        return True

    fill(without_guardian)
    people.record_consent()
    done(people)
    # A minor's grant needs the guardian: the form says so and records nothing.
    assert store.person_consents(seeded.conn, [kit.id])[kit.id].records == ()

    def with_guardian(dialog: QDialog) -> bool:
        assert isinstance(dialog, dialogs.ConsentDialog)
        assert "minor" in dialog.problem.text() or not dialog.problem.isVisible()
        dialog.use_checks["print"].setChecked(False)
        dialog.evidence_edit.setText("form F-20")
        dialog.guardian_edit.setText("Lee Senior")
        return True

    fill(with_guardian)
    people.record_consent()
    done(people)
    records = store.person_consents(seeded.conn, [kit.id])[kit.id].records
    assert len(records) == 1
    assert records[0].uses == frozenset({"web", "social", "internal"})
    assert (records[0].evidence, records[0].guardian) == ("form F-20", "Lee Senior")
    assert _cell(people, "Kit Lee", WEB) == "✓ Granted"
    assert _cell(people, "Kit Lee", WEB + 2) == "? Unknown"  # print was left out
    # Sam and Kit both consented to web use now: the grid's badge changed without a reload.
    assert _verdict_in_grid(main, ids[2]) == Verdict.CLEARED.value
    assert people.people_page.panel.history.topLevelItem(0).text(4) == (
        "form F-20 · guardian: Lee Senior"
    )


def test_import_registration_csv_reports_rows_it_could_not_read(
    *,
    seeded: Project,
    main: MainWindow,
    ids: list[int],
    people: PeopleWindow,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fill: Callable[..., list[QDialog]],
    qtmodeltester: object,
) -> None:
    csv = tmp_path / "attendees.csv"
    csv.write_text(
        "First Name,Last Name,Email,Do you consent to being photographed at this event?\r\n"
        "Zoë,Müller,zoe@example.org,Yes\r\n"
        "Ann,Lee,ann@example.org,No\r\n"
        "Sam,Lee,sam@example.org,Yes\r\n"
        "Chloé,Ng,chloe@example.org,maybe\r\n"
        "Priya,Natarajan,,Yes\r\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(people_window, "choose_csv", lambda _parent: csv)
    before = register.list_people(seeded.conn)
    assert _verdict_in_grid(main, ids[3]) == Verdict.BLOCKED.value

    # First the preview: what each column is read as, and the people as they will come in.
    def cancel(dialog: QDialog) -> bool:
        assert isinstance(dialog, dialogs.ImportPreviewDialog)
        assert dialog.combos["first_name"].currentText() == "First Name"
        assert dialog.combos["consent"].currentData() == (
            "Do you consent to being photographed at this event?"
        )
        assert dialog.import_button.text() == "Import 5 people"
        names = [dialog.preview.item(r, 0).text() for r in range(dialog.preview.rowCount())]
        assert names == ["Zoë Müller", "Ann Lee", "Sam Lee", "Chloé Ng", "Priya Natarajan"]
        assert dialog.preview.item(1, 3).text() == "✕ No"
        assert dialog.problems.count() == 1
        qtmodeltester.check(dialog.preview.model())  # type: ignore[attr-defined]
        return False

    fill(cancel)
    people.import_csv()
    done(people)
    assert register.list_people(seeded.conn) == before  # nothing written on cancel

    shown = fill(lambda dialog: isinstance(dialog, dialogs.ImportPreviewDialog))
    people.import_csv()
    done(people)
    summary = shown[-1]
    assert isinstance(summary, dialogs.ImportResultDialog)
    assert summary.summary.text().startswith("3 people added, 0 updated, 2 already known.")
    qtmodeltester.check(summary.problems.model())  # type: ignore[attr-defined]
    assert [summary.problems.item(i).text() for i in range(summary.problems.count())] == [
        'Row 5: photo consent answer "maybe" is neither yes nor no; consent left unknown'
    ]
    assert people.people_page.model.rowCount() == 7
    assert _cell(people, "Ann Lee", WEB) == "✕ Refused"
    assert _cell(people, "Zoë Müller", WEB) == "✓ Granted"
    # Priya, who had withdrawn, registered again and said yes: her photo's badge follows.
    assert _cell(people, "Priya Natarajan", WEB) == "✓ Granted"
    assert _verdict_in_grid(main, ids[3]) == Verdict.CLEARED.value


def pick(dialog: dialogs.ImportPreviewDialog, field: str, column: str) -> None:
    """Choose a column as the user does (``activated`` fires only for user choices)."""
    combo = dialog.combos[field]
    combo.setCurrentIndex(combo.findData(column))
    combo.activated.emit(combo.currentIndex())


def test_columns_that_were_not_recognised_can_be_chosen(
    seeded: Project,
    people: PeopleWindow,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fill: Callable[..., list[QDialog]],
) -> None:
    csv = tmp_path / "volunteers.csv"
    csv.write_text(
        "Volunteer,Contact,Pictures OK?\r\nDee Okafor,dee@example.org,yes\r\n"
        "Eli Ross,eli@example.org,no\r\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(people_window, "choose_csv", lambda _parent: csv)

    def choose(dialog: QDialog) -> bool:
        if isinstance(dialog, dialogs.ImportResultDialog):
            return False  # the summary at the end, closed
        assert isinstance(dialog, dialogs.ImportPreviewDialog)
        # Nothing looked like a name: the dialog says so, in the app's words, and waits.
        assert not dialog.import_button.isEnabled()
        assert "Could not find a name column" in dialog.summary.text()
        assert str(tmp_path) not in dialog.summary.text()
        assert "--map" not in dialog.summary.text()
        pick(dialog, "name", "Volunteer")
        assert dialog.import_button.text() == "Import 2 people"
        # With the name known, the rest of the header is recognised, and the combos show it.
        assert dialog.combos["consent"].currentData() == "Pictures OK?"
        pick(dialog, "consent", "")
        assert "No photo consent column" in dialog.summary.text()
        assert dialog.preview.item(1, 3).text() == "? —"
        pick(dialog, "consent", "Pictures OK?")
        pick(dialog, "email", "Contact")
        assert dialog.mapping() == {
            "name": "Volunteer",
            "consent": "Pictures OK?",
            "email": "Contact",
        }
        assert dialog.preview.item(1, 1).text() == "eli@example.org"
        assert dialog.preview.item(1, 3).text() == "✕ No"
        return True

    shown = fill(choose)
    people.import_csv()
    done(people)
    assert isinstance(shown[-1], dialogs.ImportResultDialog)
    dee = register.find_person(seeded.conn, "dee@example.org")
    assert dee.name == "Dee Okafor"
    assert _cell(people, "Eli Ross", WEB) == "✕ Refused"


def test_a_file_that_is_not_a_registration_gives_a_plain_message(
    people: PeopleWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, errors: list[str]
) -> None:
    bad = tmp_path / "photo.csv"
    bad.write_bytes(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8)
    monkeypatch.setattr(people_window, "choose_csv", lambda _parent: bad)
    people.import_csv()
    done(people)
    missing = tmp_path / "gone.csv"
    monkeypatch.setattr(people_window, "choose_csv", lambda _parent: missing)
    people.import_csv()
    done(people)
    assert len(errors) == 2
    assert all("Traceback" not in e for e in errors)
    assert "gone.csv" in errors[1]
    assert people.people_page.model.rowCount() == 4


# --- review queue --------------------------------------------------------------------------


def test_review_queue_lists_what_needs_review_with_reasons(
    seeded: Project, people: PeopleWindow, ids: list[int], qtbot: QtBot
) -> None:
    people.show_tab(PeopleWindow.REVIEW_TAB)
    page = people.review_page
    oracle = store.report(seeded.conn, "web")
    assert _queue_ids(people) == [item["id"] for item in oracle["needs_review"]]
    assert _queue_ids(people) == [ids[2], *ids[4:]]
    first = page.model.index(0, ReviewQueueModel.WHY_COLUMN).data()
    assert first == "Consent of Kit Lee for web use is unknown"
    assert page.model.index(1, ReviewQueueModel.WHY_COLUMN).data() == "Nobody tagged yet"
    assert "not marked as showing no identifiable people" in str(
        page.model.index(1, 0).data(Qt.ItemDataRole.ToolTipRole)
    )
    assert page.summary.text() == "9 need review · 1 blocked · 2 cleared"
    page.blocked_check.setChecked(True)
    assert page.loading  # recomputed in the background
    settle(people, qtbot)
    assert ids[3] in _queue_ids(people)
    blocked_row = page.model.row_of(ids[3])
    assert blocked_row is not None
    assert page.model.index(blocked_row, 1).data() == "⊘ Blocked"
    page.use_combo.setCurrentIndex(page.use_combo.findData("social"))
    settle(people, qtbot)
    # Sam refused social use: the photo with Sam is blocked for social.
    social_blocked = [
        page.model.item(r).photo_id
        for r in range(page.model.rowCount())
        if page.model.index(r, 0).data(STATE_ROLE) == "blocked"
    ]
    assert social_blocked == [ids[2], ids[3]]


def test_the_whole_queue_is_computed_in_parts(
    seeded: Project,
    people: PeopleWindow,
    ids: list[int],
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Each part is its own unit of catalog work, submitted when the previous one answered, so
    # culling typed meanwhile runs between parts instead of waiting for the whole queue.
    part_sizes: list[int] = []

    def spy(conn: Any, use: str, **options: Any) -> Any:
        part_sizes.append(len(options["photo_ids"]))
        return review_page_module.review_queue(conn, use, **options)

    monkeypatch.setattr(ReviewPage, "PART_SIZE", 5)
    monkeypatch.setattr("gallery_app.gui.people.review_page.review_queue", spy)
    page = people.review_page
    page.reload()
    settle(people, qtbot)
    assert len(ids) == 12 and part_sizes == [5, 5, 2]
    oracle = store.report(seeded.conn, "web")
    assert _queue_ids(people) == [item["id"] for item in oracle["needs_review"]]
    assert page.summary.text() == "9 need review · 1 blocked · 2 cleared"


def test_n_marks_no_identifiable_people_moves_on_and_undoes(
    seeded: Project, main: MainWindow, people: PeopleWindow, ids: list[int], qtbot: QtBot
) -> None:
    people.show_tab(PeopleWindow.REVIEW_TAB)
    page = people.review_page
    page.table.setCurrentIndex(page.model.index(1, 0))  # the first photo with nobody tagged
    target = page.current_photo_id()
    assert target == ids[4]
    qtbot.keyClick(page.table, Qt.Key.Key_N)
    done(people)
    marked = seeded.conn.execute(
        "SELECT no_identifiable_people FROM photos WHERE id = ?", (target,)
    ).fetchone()[0]
    assert marked == 1
    assert target not in _queue_ids(people)
    assert page.current_photo_id() == ids[5]  # the cursor moved on to the next photo
    assert _verdict_in_grid(main, target) == Verdict.CLEARED.value
    assert main.undo_stack.count() == 1
    qtbot.keyClick(page.table, Qt.Key.Key_N)
    done(people)
    assert main.undo_stack.count() == 2

    # Undo from the main window: the photo is back in the queue and its badge too.
    main.undo_action.trigger()
    done(main)
    main.undo_action.trigger()
    done(main)
    qtbot.waitUntil(lambda: target in _queue_ids(people))
    assert _verdict_in_grid(main, target) == Verdict.NEEDS_REVIEW.value
    flags = seeded.conn.execute("SELECT sum(no_identifiable_people) FROM photos").fetchone()[0]
    assert flags == 0


def test_several_photos_marked_at_once_are_one_undo_step(
    main: MainWindow, people: PeopleWindow, qtbot: QtBot
) -> None:
    people.show_tab(PeopleWindow.REVIEW_TAB)
    page = people.review_page
    selection = page.table.selectionModel()
    page.table.setCurrentIndex(page.model.index(1, 0))
    for row in (1, 2, 3):
        selection.select(
            page.model.index(row, 0),
            QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
        )
    qtbot.keyClick(page.table, Qt.Key.Key_N)
    done(people)
    assert main.undo_stack.count() == 1
    assert len(_queue_ids(people)) == 9 - 3
    qtbot.keyClick(page.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    done(people)
    qtbot.waitUntil(lambda: len(_queue_ids(people)) == 9)


def test_n_and_shift_n_in_the_main_grid(main: MainWindow, ids: list[int], qtbot: QtBot) -> None:
    main.activateWindow()
    main.view.setFocus()
    main.view.setCurrentIndex(main.model.index(main.model.row_of(ids[6]) or 0))
    qtbot.keyClick(main.view, Qt.Key.Key_N)
    done(main)
    assert _verdict_in_grid(main, ids[6]) == Verdict.CLEARED.value
    qtbot.keyClick(main.view, Qt.Key.Key_N, Qt.KeyboardModifier.ShiftModifier)
    done(main)
    assert _verdict_in_grid(main, ids[6]) == Verdict.NEEDS_REVIEW.value
    assert main.undo_stack.count() == 2
    assert [a.text() for a in main.people_menu.menu.actions() if a.text()][:2] == [
        "People &register…",
        "Consent &review queue…",
    ]


def test_tag_people_from_the_queue_with_a_new_name(
    *,
    seeded: Project,
    main: MainWindow,
    people: PeopleWindow,
    ids: list[int],
    qtbot: QtBot,
    fill: Callable[..., list[QDialog]],
) -> None:
    people.show_tab(PeopleWindow.REVIEW_TAB)
    page = people.review_page
    page.table.setCurrentIndex(page.model.index(1, 0))

    def names(dialog: QDialog) -> bool:
        assert isinstance(dialog, dialogs.TagPeopleDialog)
        assert "Ana Müller" in dialog.known
        dialog.names_edit.setText("Ana Müller,  Walk-in   Guest ,")
        return True

    fill(names)
    qtbot.keyClick(page.table, Qt.Key.Key_T)
    done(people)
    tagged = [
        r[0]
        for r in seeded.conn.execute(
            "SELECT pe.name FROM photo_people pp JOIN people pe ON pe.id = pp.person_id"
            " WHERE pp.photo_id = ? ORDER BY pp.position",
            (ids[4],),
        )
    ]
    assert tagged == ["Ana Müller", "Walk-in Guest"]
    # The new name joined the register with consent unknown, so the photo still needs review.
    assert _cell(people, "Walk-in Guest", WEB) == "? Unknown"
    reasons = store.decisions(seeded.conn, "web", photo_ids=[ids[4]])[ids[4]].reasons
    assert reasons == ("consent of Walk-in Guest for web use is unknown",)
    assert main.undo_stack.count() == 1


def test_override_needs_a_reason_is_audited_and_never_lifts_a_block(
    *,
    seeded: Project,
    main: MainWindow,
    people: PeopleWindow,
    ids: list[int],
    qtbot: QtBot,
    fill: Callable[..., list[QDialog]],
    errors: list[str],
) -> None:
    people.show_tab(PeopleWindow.REVIEW_TAB)
    page = people.review_page
    page.table.setCurrentIndex(page.model.index(0, 0))
    assert page.current_photo_id() == ids[2]

    def no_reason(dialog: QDialog) -> bool:
        assert isinstance(dialog, dialogs.OverrideDialog)
        assert "Kit Lee" in dialog.reasons.text()
        assert dialog.reasons.isVisibleTo(dialog)  # in the form, not just made
        return True

    fill(no_reason)
    qtbot.keyClick(page.table, Qt.Key.Key_O)
    done(people)
    assert seeded.conn.execute("SELECT count(*) FROM consent_overrides").fetchone()[0] == 0

    def reason(dialog: QDialog) -> bool:
        assert isinstance(dialog, dialogs.OverrideDialog)
        dialog.reason_edit.setText("Kit's father confirmed by phone on 14 May")
        return True

    fill(reason)
    qtbot.keyClick(page.table, Qt.Key.Key_O)
    done(people)
    decision = store.decisions(seeded.conn, "web", photo_ids=[ids[2]])[ids[2]]
    assert decision.verdict is Verdict.CLEARED
    assert ids[2] not in _queue_ids(people)
    assert _verdict_in_grid(main, ids[2]) == Verdict.CLEARED.value
    entry = audit.entries(seeded.conn)[-1]
    assert entry["action"] == "override"
    assert entry["subject"] == f"photo:{ids[2]}"
    assert entry["reason"] == "Kit's father confirmed by phone on 14 May"

    # A blocked photo: the button is off and the key explains why; nothing is recorded.
    page.blocked_check.setChecked(True)
    settle(people, qtbot)
    row = page.model.row_of(ids[3])
    assert row is not None
    page.table.setCurrentIndex(page.model.index(row, 0))
    assert not page.override_button.isEnabled()
    fill(reason)
    people.override()
    done(people)
    assert len(errors) == 1 and "no reason can override" in errors[0]
    assert seeded.conn.execute("SELECT count(*) FROM consent_overrides").fetchone()[0] == 1


def test_show_in_grid_selects_the_photo(
    main: MainWindow, people: PeopleWindow, qtbot: QtBot
) -> None:
    people.show_tab(PeopleWindow.REVIEW_TAB)
    page = people.review_page
    page.table.setCurrentIndex(page.model.index(2, 0))
    wanted = page.current_photo_id()
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    assert main.model.photo_id_at(main.view.currentIndex().row()) == wanted


# --- withdrawal ------------------------------------------------------------------------------


def test_withdrawal_shows_photos_and_exported_files_before_recording(
    *,
    qtmodeltester: object,
    seeded: Project,
    main: MainWindow,
    people: PeopleWindow,
    ids: list[int],
    tmp_path: Path,
    fill: Callable[..., list[QDialog]],
) -> None:
    out = tmp_path / "site"
    summary = export(seeded, out, preset_name="website", workers=1)
    assert summary.to_dict()["exported"]  # Ana's two photos went out
    ana = register.find_person(seeded.conn, "Ana Müller")
    people.people_page.select_person(ana.id)
    before = len(audit.entries(seeded.conn))

    seen: dict[str, object] = {}

    def look_then_cancel(dialog: QDialog) -> bool:
        assert isinstance(dialog, dialogs.WithdrawalDialog)
        seen["photos"] = dialog.photos_label.text()
        seen["files"] = dialog.takedown_paths()
        return False

    fill(look_then_cancel)
    people.withdraw()
    done(people)
    checked = people.withdrawal_dialog
    qtmodeltester.check(checked.files_tree.model())  # type: ignore[attr-defined]
    assert "2 photos" in str(seen["photos"])
    files = seen["files"]
    assert isinstance(files, list) and files
    assert all(Path(f).is_file() and Path(f).is_relative_to(out) for f in files)
    # Cancelled: nothing recorded.
    assert len(audit.entries(seeded.conn)) == before
    assert _cell(people, "Ana Müller", WEB) == "✓ Granted"

    def withdraw(dialog: QDialog) -> bool:
        assert isinstance(dialog, dialogs.WithdrawalDialog)
        dialog.reason_edit.setText("e-mail of 3 November")
        dialog.withdraw_button.click()
        done(people)  # recorded on the catalog thread
        seen["after"] = dialog.title.text()
        seen["takedown"] = dialog.takedown_paths()
        dialog.copy_button.click()
        seen["clipboard"] = QGuiApplication.clipboard().text()
        return False  # the user closes the dialog after reading the list

    fill(withdraw)
    people.withdraw()
    done(people)
    assert seen["after"] == "Withdrawal of Ana Müller recorded"
    assert seen["takedown"] == files
    assert seen["clipboard"] == "\n".join(files) + "\n"
    last = audit.entries(seeded.conn)[-1]
    assert (last["action"], last["reason"]) == ("consent_withdrawn", "e-mail of 3 November")
    assert _cell(people, "Ana Müller", WEB) == "⊘ Withdrawn"
    for photo in ids[0:2]:
        assert _verdict_in_grid(main, photo) == Verdict.BLOCKED.value


def test_withdrawal_of_someone_never_exported_says_nothing_to_take_down(
    seeded: Project, people: PeopleWindow, fill: Callable[..., list[QDialog]]
) -> None:
    sam = register.find_person(seeded.conn, "Sam Lee")
    people.people_page.select_person(sam.id)
    seen: dict[str, str] = {}

    def withdraw(dialog: QDialog) -> bool:
        assert isinstance(dialog, dialogs.WithdrawalDialog)
        assert dialog.files_label.text().startswith("No exported file contains them")
        dialog.withdraw_button.click()
        done(people)  # recorded on the catalog thread
        seen["text"] = dialog.explain.text()
        return False

    fill(withdraw)
    people.withdraw()
    done(people)
    assert "nothing to take down" in seen["text"]


def test_closing_the_main_window_closes_the_people_window(
    main: MainWindow, people: PeopleWindow
) -> None:
    assert people.isVisible()
    main.close()
    assert not people.isVisible()


def test_menu_opens_the_register_and_the_queue(main: MainWindow, qtbot: QtBot) -> None:
    menu = main.people_menu
    assert menu.review_action.shortcut().toString() == "Ctrl+Shift+R"
    menu.review_action.trigger()
    window = menu.people_window
    assert window is not None and window.isVisible()
    assert window.tabs.currentIndex() == PeopleWindow.REVIEW_TAB
    menu.register_action.trigger()
    assert menu.people_window is window  # one window, reused
    assert window.tabs.currentIndex() == PeopleWindow.PEOPLE_TAB
    settle(window, qtbot)


def test_tagging_in_the_main_window_updates_the_people_window(
    main: MainWindow, people: PeopleWindow, ids: list[int]
) -> None:
    assert ids[6] in _queue_ids(people)
    main.view.setCurrentIndex(main.model.index(main.model.row_of(ids[6]) or 0))
    main.apply(edits.EditRequest(add_people=["Ana Müller"]))
    done(main)
    # Ana consented to everything: the photo left the queue, and she has one photo more.
    assert ids[6] not in _queue_ids(people)
    assert _cell(people, "Ana Müller", PeopleTableModel.PHOTOS_COLUMN) == "3"
    main.undo_action.trigger()
    done(main)
    assert ids[6] in _queue_ids(people)
    assert _cell(people, "Ana Müller", PeopleTableModel.PHOTOS_COLUMN) == "2"
    main.redo_action.trigger()
    done(main)
    assert ids[6] not in _queue_ids(people)


def test_an_empty_register_says_how_to_fill_it(gui_project: Project, qtbot: QtBot) -> None:
    win = MainWindow(gui_project)
    qtbot.addWidget(win)
    try:
        window = win.people_menu.open(PeopleWindow.PEOPLE_TAB)
        settle(window, qtbot)
        assert window.people_page.model.rowCount() == 0
        assert "registration CSV" in window.people_page.panel.empty.text()
        assert not window.people_page.edit_button.isEnabled()
        assert window.review_page.model.rowCount() == PHOTO_COUNT
    finally:
        win.close()


def test_review_model_merges_entries_in_time_order_under_the_model_tester(
    qtmodeltester: object,
) -> None:
    """The C++ model tester stays attached and checks every row signal merge() sends."""

    def entry(photo_id: int, minute: int, verdict: Verdict = Verdict.NEEDS_REVIEW) -> ReviewItem:
        return ReviewItem(
            photo_id, f"{photo_id}.jpg", None, verdict, ("why",), (), (float(minute), photo_id)
        )

    model = ReviewQueueModel()
    model.set_items([entry(1, 10), entry(2, 20), entry(3, 30)])
    qtmodeltester.check(model)  # type: ignore[attr-defined]
    model.merge(4, entry(4, 25))  # inserted between 2 and 3
    model.merge(2, None)  # cleared: leaves
    model.merge(1, entry(1, 10, Verdict.BLOCKED))  # same place, new verdict
    model.merge(3, entry(3, 5))  # moved earlier (a clock offset changed)
    model.merge(99, None)  # not in the queue: nothing happens
    assert [model.item(r).photo_id for r in range(model.rowCount())] == [3, 1, 4]
    assert model.index(1, ReviewQueueModel.VERDICT_COLUMN).data() == "⊘ Blocked"


def test_consent_colours_follow_a_dark_palette(people: PeopleWindow, qapp: QApplication) -> None:
    model = people.people_page.model
    row = next(r for r in range(model.rowCount()) if model.person(r)["name"] == "Sam Lee")
    social = model.index(row, SOCIAL)
    light_background = social.data(Qt.ItemDataRole.BackgroundRole)
    original = qapp.palette()
    dark = QPalette(original)
    dark.setColor(QPalette.ColorRole.Base, QColor("#1e1e1e"))
    dark.setColor(QPalette.ColorRole.Text, QColor("#e6e6e6"))
    qapp.setPalette(dark)
    try:
        background = social.data(Qt.ItemDataRole.BackgroundRole)
        text = social.data(Qt.ItemDataRole.ForegroundRole)
        assert background.lightness() < 100 < text.lightness()
        assert light_background.lightness() > 200
        assert social.data() == "✕ Refused"  # the word and symbol, whatever the colours
    finally:
        qapp.setPalette(original)


def test_reopening_the_window_shows_changes_made_while_it_was_closed(
    seeded: Project, main: MainWindow, people: PeopleWindow, qtbot: QtBot
) -> None:
    people.close()
    # Someone records consent meanwhile (here through the core, as the CLI would).
    _grant(seeded, "Kit Lee", guardian="Lee Senior")
    again = main.people_menu.open(PeopleWindow.PEOPLE_TAB)
    assert again is people
    settle(people, qtbot)
    assert _cell(people, "Kit Lee", WEB) == "✓ Granted"


def test_audit_log_tab_says_who_did_what_and_why(
    seeded: Project, people: PeopleWindow, ids: list[int], qtmodeltester: object
) -> None:
    store.override(seeded, ids[2], "web", "Kit's father confirmed by phone")
    kit = register.find_person(seeded.conn, "Kit Lee")
    register.update_person(seeded, kit.id, name="Kit Lee-Smith", minor=False)
    people.show_tab(PeopleWindow.AUDIT_TAB)
    done(people)  # the log is read on the catalog thread
    page = people.audit_page
    qtmodeltester.check(page.model)  # type: ignore[attr-defined]
    qtmodeltester.check(page.proxy)  # type: ignore[attr-defined]
    entries = audit.entries(seeded.conn)
    assert page.model.rowCount() == len(entries)

    def row(r: int) -> list[str]:
        return [str(page.model.index(r, c).data()) for c in range(page.model.columnCount())]

    newest, override = row(0), row(1)
    assert newest[2:4] == ["Person's details changed", "Kit Lee-Smith"]
    assert "name: Kit Lee → Kit Lee-Smith" in newest[4] and "minor: yes → no" in newest[4]
    assert override[2] == "Used anyway for web use"
    filename = str(photos_row(seeded, ids[2]))
    assert override[3] == filename
    assert override[4].startswith("Kit's father confirmed by phone · signed off: ")
    assert override[1] == entries[-2]["actor"]
    withdrawal = [row(r) for r in range(page.model.rowCount()) if row(r)[3] == "Priya Natarajan"]
    assert any(r[2] == "⊘ Withdrawal recorded" for r in withdrawal)
    page.search.setText("father")
    assert page.proxy.rowCount() == 1


def photos_row(project: Project, photo_id: int) -> str:
    path = project.conn.execute("SELECT path FROM photos WHERE id = ?", (photo_id,)).fetchone()[0]
    return str(path).replace("\\", "/").rsplit("/", 1)[-1]


def test_names_that_look_like_markup_are_shown_as_typed(
    *,
    seeded: Project,
    people: PeopleWindow,
    ids: list[int],
    fill: Callable[..., list[QDialog]],
    qtbot: QtBot,
) -> None:
    odd = "<b>Bo</b> & <img src=x> Co"
    person = register.add_person(seeded, name=odd)
    _tag(seeded, [ids[7]], odd)
    people.refresh()
    settle(people, qtbot)
    people.people_page.select_person(person.id)
    done(people)  # the photos come from the catalog thread
    panel = people.people_page.panel
    assert panel.name_label.text() == odd
    assert panel.name_label.textFormat() == Qt.TextFormat.PlainText
    assert panel.photos_label.text() == f"Photos of {odd} (1)"

    page = _review_row(people, ids[7])
    assert "&lt;b&gt;Bo&lt;/b&gt; &amp; &lt;img src=x&gt; Co" in page.reasons_label.text()

    people.show_tab(PeopleWindow.PEOPLE_TAB)
    people.people_page.select_person(person.id)
    seen: list[str] = []

    def look(dialog: QDialog) -> bool:
        assert isinstance(dialog, dialogs.WithdrawalDialog)
        seen.append(dialog.photos_label.text())
        assert dialog.title.text() == f"{odd} withdraws consent"
        return False

    fill(look)
    people.withdraw()
    done(people)
    assert "&lt;img src=x&gt;" in seen[0] and "<img" not in seen[0]


def test_rejecting_a_photo_in_the_grid_takes_it_out_of_the_queue(
    main: MainWindow, people: PeopleWindow, ids: list[int]
) -> None:
    assert ids[8] in _queue_ids(people)
    main.view.setCurrentIndex(main.model.index(main.model.row_of(ids[8]) or 0))
    main.apply(edits.EditRequest(flag=-1))  # X in the grid
    done(main)
    assert ids[8] not in _queue_ids(people)
    summary = people.review_page.summary.text()
    assert summary == (
        "8 need review · 1 blocked · 2 cleared · 1 rejected (not exported, not listed)"
    )
    main.undo_action.trigger()
    done(main)
    assert ids[8] in _queue_ids(people)
    assert people.review_page.summary.text() == "9 need review · 1 blocked · 2 cleared"


def test_override_from_the_keyboard_alone(
    seeded: Project,
    people: PeopleWindow,
    ids: list[int],
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """O, type the reason, Enter: signed off without the mouse."""
    page = _review_row(people, ids[5])

    def run(dialog: QDialog) -> bool:
        assert isinstance(dialog, dialogs.OverrideDialog)
        show_widget(qtbot, dialog)
        assert dialog.focusWidget() is dialog.reason_edit
        qtbot.keyClicks(dialog.reason_edit, "empty stage before the talk")
        qtbot.keyClick(dialog.reason_edit, Qt.Key.Key_Return)
        return dialog.result() == QDialog.DialogCode.Accepted

    monkeypatch.setattr(dialogs, "run_dialog", run)
    qtbot.keyClick(page.table, Qt.Key.Key_O)
    done(people)
    assert (
        store.decisions(seeded.conn, "web", photo_ids=[ids[5]])[ids[5]].verdict is Verdict.CLEARED
    )
    assert audit.entries(seeded.conn)[-1]["reason"] == "empty stage before the talk"


# The completer's popup on the offscreen platform: it cannot raise or grab the keyboard there.
@pytest.mark.qt_log_ignore(
    "does not support propagateSizeHints", "does not support raise", "grabbing the keyboard"
)
def test_tag_from_the_keyboard_with_completion(
    seeded: Project,
    people: PeopleWindow,
    ids: list[int],
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """T, a few letters, pick the completion, Enter: tagged without the mouse."""
    page = _review_row(people, ids[9])

    def run(dialog: QDialog) -> bool:
        assert isinstance(dialog, dialogs.TagPeopleDialog)
        show_widget(qtbot, dialog)
        qtbot.keyClicks(dialog.names_edit, "ller")  # QTest types ASCII only
        popup = dialog._completer.popup()
        qtbot.waitUntil(popup.isVisible)
        assert popup.model().index(0, 0).data() == "Ana Müller"
        qtbot.keyClick(popup, Qt.Key.Key_Down)
        qtbot.keyClick(popup, Qt.Key.Key_Return)
        assert dialog.names_edit.text() == "Ana Müller, "
        qtbot.keyClick(dialog.names_edit, Qt.Key.Key_Return)
        return dialog.result() == QDialog.DialogCode.Accepted

    monkeypatch.setattr(dialogs, "run_dialog", run)
    qtbot.keyClick(page.table, Qt.Key.Key_T)
    done(people)
    tagged = seeded.conn.execute(
        "SELECT pe.name FROM photo_people pp JOIN people pe ON pe.id = pp.person_id"
        " WHERE pp.photo_id = ?",
        (ids[9],),
    ).fetchall()
    assert [r[0] for r in tagged] == ["Ana Müller"]
    assert ids[9] not in _queue_ids(people)  # Ana consented: cleared


def test_the_register_can_be_saved_as_csv(
    people: PeopleWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, errors: list[str]
) -> None:
    target = tmp_path / "people.csv"
    monkeypatch.setattr(people_window, "choose_save_csv", lambda _parent, _name: target)
    people.people_page.export_button.click()
    done(people)
    with target.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    by_name = {row["name"]: row for row in rows}
    assert set(by_name) == {"Ana Müller", "Sam Lee", "Kit Lee", "Priya Natarajan"}
    assert by_name["Sam Lee"]["consent_social"] == "refused"
    assert by_name["Kit Lee"]["minor"] == "yes"
    assert people.people_page.summary.text() == "Saved 4 people to people.csv."
    # A folder that cannot be written: a message naming it, no traceback.
    monkeypatch.setattr(
        people_window, "choose_save_csv", lambda _parent, _name: tmp_path / "nowhere" / "x.csv"
    )
    people.export_csv()
    done(people)
    assert len(errors) == 1 and "x.csv" in errors[0] and "Traceback" not in errors[0]
