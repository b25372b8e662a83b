"""The Export dialog end to end: the plan before anything is written, overrides, the export.

The project is the shared 12-photo fixture with a real register: one photo shows a person who
refused (blocked), one shows a person who agreed (cleared), one has nobody identifiable
(cleared), one is rejected while culling, the rest have nobody tagged (needs review). The
export runs on the dialog's worker thread into ``tmp_path``; the files and the audit log are
checked on disk and in the catalog, not through the dialog.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QIcon, QKeySequence
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDialog,
    QLabel,
    QLineEdit,
    QProgressBar,
    QWidget,
)
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from gallery_app.core import edits
from gallery_app.core.catalog.photos import get_photo, list_photo_ids
from gallery_app.core.consent import store
from gallery_app.core.consent.model import ConsentStatus
from gallery_app.core.export.exporter import MANIFEST_NAME
from gallery_app.core.people import register
from gallery_app.core.project import Project
from gallery_app.gui import export_dialog
from gallery_app.gui.export_dialog import ExportDialog
from gallery_app.gui.export_plan import LeftOut, LeftOutModel, OverrideDialog, id_ranges
from gallery_app.gui.main_window import MainWindow
from gallery_app.gui.models.photo_grid_model import Roles

from .conftest import PHOTO_COUNT, show_main_window, show_widget
from .test_screenshots import _save as _save_now


@pytest.fixture
def cast(gui_project: Project) -> dict[str, int]:
    """Tag the fixture photos so that the plan has every kind of verdict."""
    ids = list_photo_ids(gui_project.conn)
    register.add_person(gui_project, name="Sam Lee")
    register.add_person(gui_project, name="Ana Müller")
    store.add_record(
        gui_project, "Sam Lee", store.new_record(ConsentStatus.REFUSED, store.parse_uses("all"))
    )
    store.add_record(
        gui_project,
        "Ana Müller",
        store.new_record(ConsentStatus.GRANTED, store.parse_uses("all"), evidence="F-1"),
    )
    request = edits.EditRequest
    edits.apply_edit(gui_project, [ids[0]], request(add_people=["Sam Lee"]))
    edits.apply_edit(
        gui_project,
        [ids[1]],
        request(
            add_people=["Ana Müller"],
            alt_text="Ana",
            add_keywords=["Sessions|Keynote", "People|Ana Müller"],
        ),
    )
    edits.apply_edit(
        gui_project, [ids[2]], request(no_identifiable_people=True, add_keywords=["Sessions|Panel"])
    )
    edits.apply_edit(gui_project, [ids[3]], request(flag=-1))
    return {"blocked": ids[0], "cleared": ids[1], "nobody": ids[2], "rejected": ids[3]}


@pytest.fixture
def window(gui_project: Project, cast: dict[str, int], qtbot: QtBot) -> Iterator[MainWindow]:
    del cast  # tagged before the window reads the catalog
    main = show_main_window(gui_project, qtbot, (1000, 700))
    yield main
    main.shutdown()


@pytest.fixture
def opened(window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Paths the dialog asked the system to open (instead of starting a browser)."""
    paths: list[Path] = []

    def record(path: Path) -> bool:
        paths.append(path)
        return True

    monkeypatch.setattr(export_dialog, "open_in_browser", record)
    del window
    return paths


def planned(qtbot: QtBot, dialog: ExportDialog) -> ExportDialog:
    """Wait for the plan the dialog computes on its worker thread."""
    qtbot.waitUntil(lambda: not dialog.is_planning(), timeout=30_000)
    return dialog


def left_out_rows(dialog: ExportDialog) -> dict[int, tuple[str, ...]]:
    model = dialog.left_out_model
    return {
        model.data(model.index(r, 0), Qt.ItemDataRole.UserRole): tuple(
            str(model.data(model.index(r, c))) for c in range(model.columnCount())
        )
        for r in range(model.rowCount())
    }


def select_left_out(dialog: ExportDialog, photo_ids: list[int]) -> None:
    view, model = dialog.left_out_view, dialog.left_out_model
    view.clearSelection()
    for row in range(model.rowCount()):
        if model.data(model.index(row, 0), Qt.ItemDataRole.UserRole) in photo_ids:
            view.selectionModel().select(
                model.index(row, 0),
                QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
            )


def _save(widget: QWidget, name: str) -> Path:
    """Let pending layout requests run (a changed text re-wraps), then render."""
    QApplication.processEvents()
    return _save_now(widget, name)


def test_plan_lists_every_photo_left_out_with_its_reason(
    window: MainWindow,
    cast: dict[str, int],
    qtbot: QtBot,
    qtmodeltester: ModelTester,
    errors: list[str],
) -> None:
    window.file_actions.export_action.trigger()
    dialog = window.file_actions.export_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.plan_title.text() == "Checking consent…"
    assert not dialog.export_button.isEnabled()
    planned(qtbot, dialog)
    qtmodeltester.check(dialog.left_out_model)
    assert dialog.preset().name == "website"
    assert dialog.scope_combo.currentData() == "all"  # nothing selected in the grid
    assert dialog.destination() == window.project.exports_dir / "website"

    rows = left_out_rows(dialog)
    blocked = rows[cast["blocked"]]
    assert blocked[1] == "⊘ Blocked"
    assert "Sam Lee" in blocked[2] and "refused" in blocked[2]
    assert blocked[3] == "Left out"
    assert rows[cast["rejected"]][1] == "✕ Rejected"
    assert rows[cast["rejected"]][2] == "Rejected while culling"
    review = [pid for pid, row in rows.items() if row[1] == "? Needs review"]
    assert len(review) == PHOTO_COUNT - 4
    assert all(rows[pid][3] == "Left out · may go with a reason" for pid in review)
    assert cast["cleared"] not in rows and cast["nobody"] not in rows
    assert dialog.plan_title.text() == "✓ 2 photos will be exported  ·  ✕ 10 left out"
    assert "1 blocked by consent" in dialog.plan_detail.text()
    assert "8 need review" in dialog.plan_detail.text()
    assert "1 rejected while culling" in dialog.plan_detail.text()
    assert dialog.export_button.text() == "Export 2 photos"
    # Nothing was written by planning.
    assert not (window.project.exports_dir / "website").exists()

    # Each left-out photo shows its thumbnail, loaded off the GUI thread for rows on screen.
    def thumbnail_shown() -> None:
        icon = dialog.left_out_model.data(
            dialog.left_out_model.index(0, 0), Qt.ItemDataRole.DecorationRole
        )
        assert isinstance(icon, QIcon) and not icon.isNull()

    qtbot.waitUntil(thumbnail_shown, timeout=10_000)
    assert dialog.thumbnails.requests <= dialog.left_out_model.rowCount()

    # A blocked photo cannot be overridden: the button stays off and says why.
    select_left_out(dialog, [cast["blocked"], cast["rejected"]])
    assert not dialog.override_button.isEnabled()
    assert "cannot be exported" in dialog.override_button.toolTip()
    assert errors == []
    dialog.reject()


def test_export_with_an_override_writes_the_gallery_and_opens_it(  # noqa: PLR0917
    window: MainWindow,
    cast: dict[str, int],
    tmp_path: Path,
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
    opened: list[Path],
    errors: list[str],
) -> None:
    dialog = planned(qtbot, window.file_actions.open_export())
    dialog.workers = 1
    out = tmp_path / "published"
    monkeypatch.setattr(export_dialog, "choose_destination", lambda _parent, _start: out)
    dialog.destination_edit.setText(str(out))
    rows = left_out_rows(dialog)
    review = sorted(pid for pid, row in rows.items() if row[1] == "? Needs review")[:2]
    # (The grid shows them as needing review, as the table does.)
    first_row = window.model.row_of(review[0])
    assert first_row is not None
    assert window.model.data(window.model.index(first_row), Roles.VERDICT) == "needs_review"
    asked: list[tuple[int, str]] = []

    def give_reason(_parent: object, count: int, use: str) -> str:
        asked.append((count, use))
        return "crowd from behind, nobody recognisable"

    monkeypatch.setattr(export_dialog, "ask_override_reason", give_reason)
    select_left_out(dialog, [*review, cast["blocked"]])
    assert dialog.override_button.isEnabled()
    qtbot.mouseClick(dialog.override_button, Qt.MouseButton.LeftButton)
    assert asked == [(2, "web")]  # only the two that may be overridden
    rows = left_out_rows(dialog)
    assert rows[review[0]][3] == "✓ Goes out: crowd from behind, nobody recognisable"
    assert rows[cast["blocked"]][3] == "Left out"
    assert dialog.export_button.text() == "Export 4 photos"
    assert "2 going out with your reason" in dialog.plan_detail.text()

    # Changing one's mind is possible before exporting.
    select_left_out(dialog, [review[1]])
    assert dialog.keep_out_button.isEnabled()
    dialog.keep_out_button.click()
    assert dialog.export_button.text() == "Export 3 photos"

    # Albums by session; a People keyword is never offered (album titles are published).
    choices = [dialog.albums_combo.itemData(i) for i in range(dialog.albums_combo.count())]
    assert choices == [None, "Sessions"]
    assert dialog.albums_combo.isEnabled()
    dialog.albums_combo.setCurrentIndex(1)
    assert dialog.albums_combo.currentText().startswith("One album per Sessions keyword (2 albums")

    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert dialog.pages.currentIndex() == 1
    qtbot.waitUntil(lambda: dialog.summary is not None, timeout=120_000)
    summary = dialog.summary
    assert summary is not None and not summary.cancelled and summary.failed == []
    expected = {cast["cleared"], cast["nobody"], review[0]}
    assert set(summary.exported) == expected
    assert dialog.progress_title.text() == "Export finished"
    assert f"3 photos exported to {out}" in dialog.status_label.text()
    assert "9 photos were left out" in dialog.status_label.text()
    assert "2 exported photos have no alt text" in dialog.status_label.text()

    # On disk: the gallery, the images of exactly those photos, the report in the project.
    assert (out / "index.html").is_file()
    albums = sorted(p.name for p in (out / "albums").glob("*.html"))
    assert albums == ["keynote.html", "more-photos.html", "panel.html"]
    manifest = json.loads((out / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert {int(k) for k in manifest["photos"]} == expected
    report = Path(summary.report_html)
    assert report.is_file() and window.project.exports_dir in report.parents
    # The override is recorded with its reason, for the export's use only.
    audit = window.project.conn.execute(
        "SELECT subject, reason FROM audit_log WHERE action = 'override'"
    ).fetchall()
    assert [(a["subject"], a["reason"]) for a in audit] == [
        (f"photo:{review[0]}", "crowd from behind, nobody recognisable")
    ]

    # The grid's consent badge of the overridden photo changed with it (once the catalog
    # thread delivered the re-read rows).
    assert window.catalog.settle()
    verdicts = {}
    for photo_id in review:
        row = window.model.row_of(photo_id)
        assert row is not None
        verdicts[photo_id] = window.model.data(window.model.index(row), Roles.VERDICT)
    assert verdicts == {review[0]: "cleared", review[1]: "needs_review"}

    assert dialog.open_gallery_button.isVisible()
    dialog.open_gallery_button.click()
    dialog.open_report_button.click()
    dialog.open_folder_button.click()
    assert opened == [out / "index.html", report, out]
    assert errors == []
    dialog.close_button.click()
    assert not dialog.isVisible()


def test_selected_photos_and_other_presets(
    window: MainWindow, cast: dict[str, int], qtbot: QtBot
) -> None:
    model = window.model
    selection = window.view.selectionModel()
    for photo_id in (cast["cleared"], cast["blocked"]):
        row = model.row_of(photo_id)
        assert row is not None
        selection.select(model.index(row), QItemSelectionModel.SelectionFlag.Select)
    dialog = planned(qtbot, window.file_actions.open_export())
    assert dialog.scope_combo.currentData() == "selected"
    assert dialog.scope_combo.currentText() == "The 2 selected photos"
    assert dialog.plan is not None
    assert [p.photo_id for p in dialog.plan.photos if p.exported] == [cast["cleared"]]
    assert set(left_out_rows(dialog)) == {cast["blocked"]}

    # Another preset checks another use, and proposes its own folder.
    dialog.preset_combo.setCurrentIndex(dialog.preset_combo.findData("social"))
    planned(qtbot, dialog)
    assert not dialog.albums_combo.isEnabled()  # one image per photo: nothing to split
    dialog.zip_check.setChecked(True)
    assert dialog.albums_combo.isEnabled()  # ...unless zips are made, one per album
    dialog.zip_check.setChecked(False)
    assert "social media" in dialog.preset_hint.text()
    assert dialog.destination() == window.project.exports_dir / "social"
    # A folder the user typed is kept when the preset changes.
    qtbot.keyClicks(dialog.destination_edit, "-mine")
    dialog.preset_combo.setCurrentIndex(dialog.preset_combo.findData("cms"))
    planned(qtbot, dialog)
    assert dialog.destination() == window.project.exports_dir / "social-mine"

    # Quick changes: only the plan for the last choice is shown, however the threads finish.
    dialog.preset_combo.setCurrentIndex(dialog.preset_combo.findData("archive"))
    dialog.scope_combo.setCurrentIndex(dialog.scope_combo.findData("all"))
    dialog.scope_combo.setCurrentIndex(dialog.scope_combo.findData("picked"))
    assert dialog.is_planning() and not dialog.export_button.isEnabled()
    planned(qtbot, dialog)
    assert dialog.plan is not None and dialog.plan.preset.name == "archive"
    assert [p.photo_id for p in dialog.plan.photos] == [cast["rejected"]]
    # Nothing is picked; the rejected photo is still named, so nobody wonders where it went.
    assert dialog.plan_title.text() == "No photos go out  ·  ✕ 1 left out"
    assert "press P" in dialog.plan_detail.text()
    assert not dialog.export_button.isEnabled()
    dialog.reject()


def test_export_can_be_stopped_and_errors_are_sentences(
    window: MainWindow,
    tmp_path: Path,
    qtbot: QtBot,
    errors: list[str],
) -> None:
    dialog = planned(qtbot, window.file_actions.open_export())
    # Exporting into the project's own folder is refused by the core, in words.
    dialog.destination_edit.setText(str(window.project.root))
    dialog.start()
    qtbot.waitUntil(lambda: bool(errors), timeout=30_000)
    assert "folder of its own" in errors[0]
    assert dialog.progress_title.text() == "Export did not finish"
    assert "Traceback" not in dialog.status_label.text()
    dialog.close_button.click()

    dialog = planned(qtbot, window.file_actions.open_export())
    dialog.workers = 1
    dialog.destination_edit.setText(str(tmp_path / "stopped"))
    dialog.start()
    assert dialog.job is not None
    dialog.reject()  # Esc stops a running export rather than abandoning it
    assert dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.summary is not None, timeout=60_000)
    assert dialog.summary is not None and dialog.summary.cancelled
    assert dialog.progress_title.text() == "Export stopped"
    assert not dialog.open_gallery_button.isVisible()
    assert len(errors) == 1
    dialog.reject()
    assert not dialog.isVisible()


def test_left_out_model_passes_the_model_tester(qtmodeltester: ModelTester) -> None:
    model = LeftOutModel()
    qtmodeltester.check(model)
    model.set_rows(
        [
            LeftOut(1, "a.jpg", "blocked", ("Sam Lee refused web use",)),
            LeftOut(2, "b.jpg", "needs_review", ()),
        ],
        {2: "crowd"},
    )
    qtmodeltester.check(model)
    assert model.data(model.index(1, 2)) == "—"
    assert model.data(model.index(1, 3)) == "✓ Goes out: crowd"


def test_id_ranges() -> None:
    assert id_ranges([7, 1, 2, 3, 3, 9, 10]) == "1-3,7,9-10"
    assert id_ranges([5]) == "5"
    assert id_ranges([]) == ""


def test_photo_row_names_are_read_from_the_catalog(
    window: MainWindow, cast: dict[str, int], qtbot: QtBot
) -> None:
    dialog = planned(qtbot, window.file_actions.open_export())
    rows = left_out_rows(dialog)
    assert rows[cast["blocked"]][0] == get_photo(window.project.conn, cast["blocked"])["filename"]
    dialog.reject()


def test_export_dialog_screenshots(
    window: MainWindow,
    cast: dict[str, int],
    tmp_path: Path,
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each step rendered to PNG under test-output/screenshots/ for a reviewer's eyes."""
    dialog = planned(qtbot, window.file_actions.open_export())
    dialog.workers = 1
    dialog.destination_edit.setText(str(tmp_path / "Open Data Summit gallery"))
    qtbot.waitExposed(dialog)
    review = sorted(pid for pid, row in left_out_rows(dialog).items() if row[1].startswith("?"))
    monkeypatch.setattr(export_dialog, "ask_override_reason", lambda *_: "crowd from behind")
    select_left_out(dialog, review[:1])
    dialog.override_button.click()
    select_left_out(dialog, [cast["blocked"]])
    dialog.left_out_view.setCurrentIndex(dialog.left_out_model.index(0, 0))
    assert "Sam Lee refused consent" in dialog.reasons_label.text()
    model = dialog.left_out_model

    def thumbnails_shown() -> None:
        for row in range(4):
            icon = model.data(model.index(row, 0), Qt.ItemDataRole.DecorationRole)
            assert isinstance(icon, QIcon)

    qtbot.waitUntil(thumbnails_shown, timeout=10_000)
    _save(dialog, "export-plan")

    reason = OverrideDialog(3, "web", dialog)
    reason.reason_edit.setText("Crowd from behind, nobody recognisable")
    reason.show()
    qtbot.waitExposed(reason)
    _save(reason, "export-override-reason")
    reason.close()

    dialog.start()
    qtbot.waitUntil(lambda: dialog.summary is not None, timeout=120_000)
    assert dialog.progress_title.text() == "Export finished"
    _save(dialog, "export-finished")
    dialog.close_button.click()


def test_override_reason_dialog_needs_a_reason(qtbot: QtBot) -> None:
    dialog = show_widget(qtbot, OverrideDialog(1, "social"))
    text = dialog.explanation.text()
    assert "1 photo needs a decision before it can be used for social media" in text
    assert "audit log" in text
    assert not dialog.ok_button.isEnabled()
    qtbot.keyClicks(dialog.reason_edit, "   ")
    assert not dialog.ok_button.isEnabled()  # blanks are not a reason
    qtbot.keyClicks(dialog.reason_edit, "team photo, all staff agreed verbally")
    assert dialog.ok_button.isEnabled()
    qtbot.keyClick(dialog.reason_edit, Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.reason() == "team photo, all staff agreed verbally"


def unnamed_controls(root: QWidget) -> list[str]:
    """Controls a screen reader would announce without a name (Qt's own parts of a combo
    box or a scroll area excepted: they are named by Qt)."""
    kinds = (QAbstractButton, QComboBox, QLineEdit, QAbstractItemView, QProgressBar)
    missing = []
    for widget in root.findChildren(QWidget):
        if not isinstance(widget, kinds) or widget.accessibleName():
            continue
        owner = widget.parentWidget()
        inside_qt_part = False
        while owner is not None and owner is not root:
            if isinstance(owner, (QComboBox, QAbstractItemView)) or owner.inherits(
                "QComboBoxPrivateContainer"
            ):
                inside_qt_part = True
            owner = owner.parentWidget()
        if not inside_qt_part:
            text = widget.text() if isinstance(widget, QAbstractButton) else ""
            missing.append(f"{type(widget).__name__} {text}")
    return missing


def mnemonic_clashes(root: QWidget) -> list[str]:
    """Alt+letter keys used twice on the visible page (Qt then only cycles the focus)."""
    seen: dict[str, str] = {}
    clashes = []
    for widget in root.findChildren(QWidget):
        if not widget.isVisibleTo(root) or not isinstance(widget, (QAbstractButton, QLabel)):
            continue
        key = QKeySequence.mnemonic(widget.text()).toString()
        if key:
            if key in seen:
                clashes.append(f"{key}: {seen[key]!r} and {widget.text()!r}")
            seen[key] = widget.text()
    return clashes


def test_every_control_of_both_dialogs_has_an_accessible_name(
    window: MainWindow, qtbot: QtBot
) -> None:
    export = planned(qtbot, window.file_actions.open_export())
    assert unnamed_controls(export) == []
    assert mnemonic_clashes(export) == []
    export.reject()
    assert unnamed_controls(OverrideDialog(2, "web")) == []
    importer = window.file_actions.open_import()
    assert unnamed_controls(importer) == []
    assert mnemonic_clashes(importer) == []
    importer.reject()


def test_a_left_out_photo_can_be_fixed_in_the_grid_and_the_plan_follows(
    window: MainWindow, cast: dict[str, int], qtbot: QtBot
) -> None:
    dialog = planned(qtbot, window.file_actions.open_export())
    qtbot.waitExposed(dialog)
    model = dialog.left_out_model
    row = next(r for r in range(model.rowCount()) if model.left_out(r).photo_id == cast["blocked"])
    dialog.left_out_view.setCurrentIndex(model.index(row, 0))
    # Enter on the row shows the photo in the grid; it does not start the export.
    qtbot.keyClick(dialog.left_out_view, Qt.Key.Key_Return)
    assert dialog.job is None and dialog.pages.currentIndex() == 0
    assert window.selected_ids() == [cast["blocked"]]

    # Sam Lee was tagged by mistake: the user fixes it in the main window...
    window.apply(edits.EditRequest(remove_people=["Sam Lee"], no_identifiable_people=True))
    assert window.catalog.settle()  # the edit is in; the dialog checks its plan again
    planned(qtbot, dialog)
    # ...and the plan, checked again, lets the photo go out.
    assert cast["blocked"] not in left_out_rows(dialog)
    assert dialog.export_button.text() == "Export 3 photos"
    window.undo_stack.undo()
    assert window.catalog.settle()
    planned(qtbot, dialog)
    assert left_out_rows(dialog)[cast["blocked"]][1] == "⊘ Blocked"
    # The row the user was on is still the current one after each check.
    current = dialog.left_out_view.currentIndex()
    assert model.left_out(current.row()).photo_id == cast["blocked"]
    dialog.reject()


def test_a_photo_that_cannot_be_rendered_is_listed_and_the_rest_go_out(
    window: MainWindow, cast: dict[str, int], tmp_path: Path, qtbot: QtBot, errors: list[str]
) -> None:
    original = window.project.resolve(get_photo(window.project.conn, cast["nobody"])["path"])
    original.unlink()  # the laptop lost the file since the import
    dialog = planned(qtbot, window.file_actions.open_export())
    dialog.workers = 1
    dialog.destination_edit.setText(str(tmp_path / "site"))
    dialog.start()
    qtbot.waitUntil(lambda: dialog.summary is not None, timeout=120_000)
    assert dialog.summary is not None
    assert dialog.summary.exported == [cast["cleared"]]
    assert dialog.progress_title.text() == "Export finished, with problems"
    assert dialog.failures.topLevelItemCount() == 1
    item = dialog.failures.topLevelItem(0)
    assert item.text(0) == original.name
    assert item.text(1) == (
        "The file is not there any more (moved, renamed, or on a drive that is not connected?)"
    )
    assert errors == []  # a failed photo is reported in the list, not as an error box


def test_export_with_the_keyboard_only(
    window: MainWindow,
    cast: dict[str, int],
    tmp_path: Path,
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(export_dialog, "ask_override_reason", lambda *_: "crowd, from behind")
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(window.view, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    dialog = window.file_actions.export_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.scope_combo.currentText() == f"The {PHOTO_COUNT} selected photos"
    planned(qtbot, dialog)
    dialog.activateWindow()  # as the window manager does for a new window
    qtbot.waitUntil(dialog.isActiveWindow)
    dialog.workers = 1
    dialog.destination_edit.setText(str(tmp_path / "keys"))
    # Down the list of left-out photos to the first that needs review, Alt+A for "anyway".
    view = dialog.left_out_view
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Home)
    while dialog.left_out_model.left_out(view.currentIndex().row()).verdict != "needs_review":
        qtbot.keyClick(view, Qt.Key.Key_Down)
    chosen = dialog.left_out_model.left_out(view.currentIndex().row()).photo_id
    qtbot.keyClick(view, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)
    # (a button's shortcut clicks it after a short press animation)
    qtbot.waitUntil(lambda: dialog.overrides == {chosen: "crowd, from behind"}, timeout=2_000)
    qtbot.keyClick(dialog.export_button, Qt.Key.Key_Space)
    assert dialog.job is not None
    qtbot.keyClick(dialog.stop_button, Qt.Key.Key_Return)  # a second Enter does not stop it
    assert not dialog.job.cancel_token.cancelled
    qtbot.waitUntil(lambda: dialog.summary is not None, timeout=120_000)
    assert dialog.summary is not None
    assert set(dialog.summary.exported) == {cast["cleared"], cast["nobody"], chosen}
    assert dialog.focusWidget() is dialog.open_gallery_button  # Enter opens the gallery next
    qtbot.keyClick(dialog.open_gallery_button, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_the_whole_plan_is_computed_in_parts(
    window: MainWindow,
    cast: dict[str, int],
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
    errors: list[str],
) -> None:
    # Each part is its own unit of catalog work, submitted when the previous one answered, so
    # culling typed while the plan is made runs between two parts instead of after the plan.
    del cast  # tagged: the plan has blocked, needs-review, rejected and cleared photos
    ran: list[object] = []
    entered, release = threading.Event(), threading.Event()
    real = export_dialog.plan_with_names

    def spy(*args: Any) -> Any:
        ran.append(len(args[4]))
        entered.set()
        assert release.wait(10)  # held until the test has queued its own unit
        return real(*args)

    monkeypatch.setattr(ExportDialog, "PLAN_PART_SIZE", 5)
    monkeypatch.setattr(export_dialog, "plan_with_names", spy)
    dialog = window.file_actions.open_export()
    qtbot.waitUntil(entered.is_set, timeout=10_000)  # the first part is running
    window.catalog.submit(lambda _p: ran.append("edit"), lambda _r: None, errors.append)
    release.set()
    planned(qtbot, dialog)
    assert PHOTO_COUNT == 12 and ran == [5, "edit", 5, 2]

    # The plan put together on the GUI thread is the plan made at once, and so is the dialog.
    whole, left_out = real(window.project, dialog.preset(), None, None)
    assert dialog.plan == whole
    assert [dialog.left_out_model.left_out(r) for r in range(len(left_out))] == left_out
    assert dialog.left_out_model.rowCount() == len(left_out)
    verdicts = [row.verdict for row in left_out]
    assert dialog.plan_title.text() == (
        f"✓ {len(whole.exported)} photos will be exported  ·  ✕ {len(left_out)} left out"
    )
    assert dialog.plan_detail.text().startswith(
        f"{verdicts.count('blocked')} blocked by consent · "
        f"{verdicts.count('needs_review')} need review · "
        f"{verdicts.count('rejected')} rejected while culling."
    )
    assert {"blocked", "needs_review", "rejected"} <= set(verdicts) and whole.exported

    # A plan superseded while its first part runs stops there: its other parts are not made.
    ran.clear()
    entered.clear()
    release.clear()
    dialog.refresh_plan()
    qtbot.waitUntil(entered.is_set, timeout=10_000)
    dialog.preset_combo.setCurrentIndex(dialog.preset_combo.findData("social"))
    release.set()
    planned(qtbot, dialog)
    qtbot.waitUntil(lambda: dialog.plans_in_flight() == 0, timeout=10_000)
    assert ran == [5, 5, 5, 2]  # one part of the old plan, then the three of the new one
    assert dialog.plan is not None and dialog.plan.preset.name == "social"
    assert dialog.plan == real(window.project, dialog.preset(), None, None)[0]
    assert errors == []
    dialog.reject()
