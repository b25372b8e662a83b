"""The Import dialog end to end: real generated camera JPEGs, a damaged file, a real catalog.

The import runs on its worker thread exactly as in the app; the tests watch the grid fill while
it runs, cull a photo before it ends, stop one half-way, and check every count against the
catalog (a fresh read-only connection), never against the dialog's own numbers.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QApplication, QWidget
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from gallery_app.core.catalog.photos import get_photo, list_photo_ids
from gallery_app.core.edits import EditRequest
from gallery_app.core.progress import ProgressEvent
from gallery_app.core.project import Project, ProjectDefaults, create_project, open_project
from gallery_app.core.samples import make_sample_photos
from gallery_app.gui import import_dialog
from gallery_app.gui.import_dialog import ImportDialog
from gallery_app.gui.main_window import MainWindow
from gallery_app.gui.models.photo_grid_model import Roles
from tests.helpers import make_jpeg

from .conftest import show_main_window
from .test_screenshots import _save as _save_now

CARD_PHOTOS = 24


@pytest.fixture(scope="session")
def sample_card(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A camera card of real sample JPEGs (small, so the tests stay quick), made once."""
    card = tmp_path_factory.mktemp("sample-card") / "DCIM"
    make_sample_photos(card, CARD_PHOTOS, size=(480, 320), quality=85)
    return card


@pytest.fixture
def card(sample_card: Path, tmp_path: Path) -> Path:
    """This test's copy of the card, plus a truncated JPEG and a text file."""
    target = tmp_path / "card" / "DCIM"
    shutil.copytree(sample_card, target)
    good = sorted(target.glob("*.JPG"))[0].read_bytes()
    (target / "broken.jpg").write_bytes(good[: len(good) // 3])
    (target / "notes.txt").write_text("shot list", encoding="utf-8")
    return target


@pytest.fixture
def empty_project(tmp_path: Path) -> Iterator[Project]:
    project = create_project(
        tmp_path / "Summit", ProjectDefaults(event_name="Open Data Summit", event_date="2026-05-14")
    )
    yield project
    project.close()


@pytest.fixture
def window(empty_project: Project, qtbot: QtBot) -> Iterator[MainWindow]:
    main = show_main_window(empty_project, qtbot, (1000, 700))
    yield main
    main.shutdown()


def catalog_ids(project: Project) -> list[int]:
    """The catalog's own answer, through a connection the GUI does not use."""
    with open_project(project.root, write=False) as reader:
        return list_photo_ids(reader.conn)


def open_dialog(window: MainWindow, monkeypatch: pytest.MonkeyPatch, folder: Path) -> ImportDialog:
    monkeypatch.setattr(import_dialog, "choose_folder", lambda _parent: folder)
    window.file_actions.import_action.trigger()
    dialog = window.file_actions.import_dialog
    assert dialog is not None and dialog.isVisible()
    assert window.catalog.settle()  # the example name's numbers come from the catalog thread
    dialog.workers = 1  # one worker process: the import takes long enough to act during it
    assert not dialog.import_button.isEnabled()  # nothing to import yet
    dialog.add_folder_button.click()
    assert dialog.sources() == [folder]
    assert dialog.import_button.isEnabled()
    return dialog


def _save(widget: QWidget, name: str) -> Path:
    """Let pending layout requests run (a changed text re-wraps), then render."""
    QApplication.processEvents()
    return _save_now(widget, name)


def test_import_fills_the_grid_while_the_user_culls(  # noqa: PLR0917
    window: MainWindow,
    card: Path,
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
    qtmodeltester: ModelTester,
    errors: list[str],
) -> None:
    project = window.project
    # The tester stays attached: every row the import inserts or removes is checked too.
    qtmodeltester.check(window.model)
    dialog = open_dialog(window, monkeypatch, card)
    dialog.template_combo.setCurrentIndex(dialog.template_combo.findData("{event}-{seq:04d}"))
    assert dialog.example_label.text() == "Example: Open-Data-Summit-0001.jpg"
    added: list[int] = []
    dialog.photos_added.connect(added.extend)
    culled_while_running: list[tuple[int, bool]] = []

    def cull_first_arrival(*_args: object) -> None:
        # The first photos are in the grid while the import still runs, and the user can
        # rate and pick at once, as one undoable step.
        if culled_while_running or window.model.rowCount() == 0:
            return
        index = window.model.index(0)
        window.view.setCurrentIndex(index)
        window.view.selectionModel().select(
            index, window.view.selectionModel().SelectionFlag.ClearAndSelect
        )
        window.apply(EditRequest(rating=4, flag=1))
        culled_while_running.append((window.model.photo_id_at(0), dialog.is_running()))

    # The grid lists an import's photos off the GUI thread: they arrive as inserted rows.
    window.model.rowsInserted.connect(cull_first_arrival)
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert dialog.pages.currentIndex() == 1
    qtbot.waitUntil(lambda: bool(culled_while_running), timeout=30_000)
    first, was_running = culled_while_running[0]
    assert was_running
    assert window.undo_stack.count() == 1

    qtbot.waitUntil(lambda: dialog.summary is not None, timeout=120_000)
    assert window.catalog.settle()  # the grid's last ids come from the catalog thread
    summary = dialog.summary
    assert summary is not None and not summary.cancelled

    in_catalog = catalog_ids(project)
    assert len(in_catalog) == CARD_PHOTOS == len(summary.imported)
    # The truncated JPEG's header read fine, so it was announced, then taken out again when
    # its pixels failed to decode: the grid dropped it as well (checked below).
    assert set(in_catalog) < set(added) and len(added) == CARD_PHOTOS + 1
    # The grid shows exactly the catalog, in its order, without having been reset: the photo
    # the user was on is still the current and selected one.
    assert [window.model.photo_id_at(r) for r in range(window.model.rowCount())] == in_catalog
    assert window.model.photo_id_at(window.view.currentIndex().row()) == first
    assert window.selected_ids() == [first]
    culled = get_photo(project.conn, first)
    assert culled["rating"] == 4 and culled["flag"] == "pick"
    # Copies are named from the chosen template, originals untouched on the card.
    names = sorted(Path(get_photo(project.conn, i)["path"]).name for i in in_catalog)
    assert names[0] == "Open-Data-Summit-0001.jpg"
    assert all(n.startswith("Open-Data-Summit-") for n in names)
    assert len(list(card.glob("*.JPG"))) == CARD_PHOTOS

    # The damaged file is listed by name, with a reason in words; the text file is left alone.
    assert dialog.failures.topLevelItemCount() == 1
    item = dialog.failures.topLevelItem(0)
    assert item.text(0) == "broken.jpg"
    assert len(item.text(1)) > 10 and "Traceback" not in item.text(1)
    assert [f["path"] for f in summary.failed] == [str(card / "broken.jpg")]
    assert summary.skipped == 1
    assert dialog.progress_title.text() == "Import finished, with problems"
    assert f"{CARD_PHOTOS} photos imported" in dialog.status_label.text()
    assert "1 other file (not photos) left alone" in dialog.status_label.text()
    assert dialog.close_button.isVisible() and not dialog.stop_button.isVisible()
    assert errors == []

    # Thumbnails made during the import reach the grid.
    view = window.view
    window.view.scrollToTop()
    visible = [
        r
        for r in range(window.model.rowCount())
        if view.visualRect(window.model.index(r)).intersects(view.viewport().rect())
    ]
    assert visible

    def thumbnails_shown() -> None:
        states = {window.model.data(window.model.index(r), Roles.THUMBNAIL_STATE) for r in visible}
        assert states == {"loaded"}

    qtbot.waitUntil(thumbnails_shown, timeout=10_000)
    qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()


def test_importing_the_same_card_again_skips_everything(
    window: MainWindow, card: Path, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialog = open_dialog(window, monkeypatch, card)
    dialog.import_button.click()
    qtbot.waitUntil(lambda: dialog.summary is not None, timeout=120_000)
    dialog.close_button.click()
    before = catalog_ids(window.project)

    again = open_dialog(window, monkeypatch, card)
    assert again is not dialog
    again.import_button.click()
    qtbot.waitUntil(lambda: again.summary is not None, timeout=120_000)
    assert again.summary is not None and again.summary.imported == []
    assert catalog_ids(window.project) == before
    assert f"{CARD_PHOTOS} photos were already in the project" in again.status_label.text()


def test_stop_keeps_what_was_imported(
    window: MainWindow,
    card: Path,
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
    errors: list[str],
) -> None:
    dialog = open_dialog(window, monkeypatch, card)
    dialog.import_button.click()
    assert dialog.job is not None
    stopped_at: list[str] = []

    def stop_at_first_photo(event: ProgressEvent) -> None:
        if event.kind == "photo_added" and not stopped_at:
            dialog.stop_button.click()
            stopped_at.append(dialog.progress_title.text())

    dialog.job.progress.connect(stop_at_first_photo)
    qtbot.waitUntil(lambda: bool(stopped_at), timeout=30_000)
    assert dialog.isVisible()
    assert stopped_at == ["Stopping…"]
    assert not dialog.stop_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.summary is not None, timeout=60_000)
    assert window.catalog.settle()  # the grid's last ids come from the catalog thread
    summary = dialog.summary
    assert summary is not None and summary.cancelled
    in_catalog = catalog_ids(window.project)
    assert 1 <= len(in_catalog) < CARD_PHOTOS
    assert sorted(summary.imported) == sorted(in_catalog)
    assert window.model.rowCount() == len(in_catalog)
    assert dialog.progress_title.text() == "Import stopped"
    assert "Stopped by you" in dialog.status_label.text()
    # Every photo that stayed has its copy in the project; nothing half-copied is left.
    for photo_id in in_catalog:
        assert window.project.resolve(get_photo(window.project.conn, photo_id)["path"]).is_file()
    assert not any((window.project.originals_dir / ".incoming").glob("*"))
    assert errors == []
    dialog.reject()
    assert not dialog.isVisible()


def test_an_import_can_go_on_behind_the_main_window(
    window: MainWindow, card: Path, tmp_path: Path, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    status = window.file_actions.import_status
    dialog = open_dialog(window, monkeypatch, card)
    dialog.import_button.click()
    assert not status.isVisible()
    # Esc (or the window's close button) puts the dialog away; it does not stop the import.
    dialog.reject()
    assert not dialog.isVisible() and dialog.is_running()
    assert status.isVisible()
    # The progress shows up there (every 250 ms: by then it may be at the thumbnails).
    qtbot.waitUntil(
        lambda: status.label.text().startswith(("Importing ", "Making thumbnails: ")),
        timeout=30_000,
    )
    # "Show" brings it back; "Keep working" puts it away again.
    status.show_button.click()
    assert dialog.isVisible() and not status.isVisible()
    dialog.background_button.click()
    assert not dialog.isVisible() and status.isVisible()
    qtbot.waitUntil(lambda: dialog.summary is not None, timeout=120_000)
    assert dialog.summary is not None and not dialog.summary.cancelled
    assert not status.isVisible()
    # The card had a damaged file: the result comes back on screen rather than staying hidden.
    assert dialog.isVisible()
    assert dialog.failures.topLevelItemCount() == 1
    dialog.close_button.click()

    # Without problems, a message in the status bar is enough.
    clean = tmp_path / "clean"
    for n in range(2):
        make_jpeg(clean / f"IMG_{n}.JPG", seed=40 + n)
    again = open_dialog(window, monkeypatch, clean)
    again.import_button.click()
    again.background_button.click()
    qtbot.waitUntil(lambda: again.summary is not None, timeout=60_000)
    assert not again.isVisible()
    assert window.statusBar().currentMessage() == "Import finished: 2 photos imported."


def test_closing_the_window_during_an_import_stops_it_first(
    empty_project: Project, card: Path, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    main = MainWindow(empty_project)
    qtbot.addWidget(main)
    dialog = open_dialog(main, monkeypatch, card)
    dialog.import_button.click()
    qtbot.waitUntil(lambda: main.model.rowCount() >= 1, timeout=30_000)
    main.close()  # waits for the worker, then releases the project's lock
    assert dialog.job is not None and not dialog.job.is_running()
    with open_project(empty_project.root) as reopened:  # the lock is free again
        # (+1: stopped while making thumbnails, the truncated JPEG is not yet found out; the
        # core keeps it until an import finishes its thumbnails.)
        assert 1 <= len(list_photo_ids(reopened.conn)) <= CARD_PHOTOS + 1


def test_naming_choices_and_their_example(
    window: MainWindow, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    dialog = open_dialog(window, monkeypatch, tmp_path)
    assert dialog.copy_radio.isChecked()
    assert not dialog.template_edit.isVisible()
    assert dialog.example_label.text().startswith("Example: ")
    assert dialog.example_label.text().endswith("-0001.jpg")

    dialog.template_combo.setCurrentIndex(dialog.template_combo.findText(import_dialog.CUSTOM))
    assert dialog.template_edit.isVisible()
    dialog.template_edit.clear()
    qtbot.keyClicks(dialog.template_edit, "{event}_{nope}")
    assert "unknown variable {nope}" in dialog.example_label.text()
    assert dialog.example_label.text().startswith("⚠")
    assert not dialog.import_button.isEnabled()
    dialog.template_edit.setText("{year}/{event}")  # a separator becomes a dash
    assert dialog.example_label.text().startswith("Example: ")
    assert "/" not in dialog.example_label.text().removeprefix("Example: ")
    assert dialog.import_button.isEnabled()

    dialog.reference_radio.setChecked(True)
    assert not dialog.template_combo.isEnabled()
    assert dialog.example_label.text() == "Files keep their own names."
    assert "must stay connected" in dialog.storage_hint.text()

    # The choices are remembered for the next import.
    dialog.import_button.click()
    qtbot.waitUntil(lambda: dialog.summary is not None, timeout=30_000)
    dialog.close_button.click()
    monkeypatch.setattr(import_dialog, "choose_folder", lambda _parent: None)
    window.file_actions.import_action.trigger()
    again = window.file_actions.import_dialog
    assert again is not None and again is not dialog
    assert again.reference_radio.isChecked()
    assert again.template() == "{year}/{event}"
    again.reject()


def test_sources_list_add_files_and_remove(
    window: MainWindow, card: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialog = open_dialog(window, monkeypatch, card)
    files = sorted(card.glob("*.JPG"))[:2]
    monkeypatch.setattr(import_dialog, "choose_files", lambda _parent: files)
    dialog.add_files_button.click()
    dialog.add_folder_button.click()  # the same folder twice is listed once
    assert dialog.sources() == [card, *files]
    assert dialog.sources_list.item(1).text().startswith(files[0].name + "\n")
    assert not dialog.remove_button.isEnabled()
    dialog.sources_list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    dialog.sources_list.item(0).setSelected(True)
    assert dialog.remove_button.isEnabled()
    dialog.remove_button.click()
    assert dialog.sources() == files
    dialog.reject()
    assert not dialog.isVisible()


def test_import_dialog_screenshots(
    window: MainWindow, card: Path, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each step rendered to PNG under test-output/screenshots/ for a reviewer's eyes."""
    dialog = open_dialog(window, monkeypatch, card)
    dialog.add_sources([card.parent.parent / "Downloads from Sam"])
    qtbot.waitExposed(dialog)
    _save(dialog, "import-setup")
    dialog.template_combo.setCurrentIndex(dialog.template_combo.findText(import_dialog.CUSTOM))
    dialog.template_edit.setText("{event}-{nope}")
    _save(dialog, "import-setup-bad-template")
    dialog.template_combo.setCurrentIndex(0)
    dialog.sources_list.takeItem(1)

    shots: list[Path] = []

    def shoot(_ids: list[int]) -> None:
        if not shots:
            shots.append(_save(dialog, "import-running"))
            dialog.put_away()
            shots.append(_save(window, "main-window-importing"))

    dialog.photos_added.connect(shoot)
    dialog.import_button.click()
    qtbot.waitUntil(lambda: dialog.summary is not None, timeout=120_000)
    assert shots
    _save(dialog, "import-finished")
    _save(window, "main-window-after-import")


def test_an_empty_project_offers_the_import_at_once(window: MainWindow, qtbot: QtBot) -> None:
    qtbot.waitUntil(lambda: window.file_actions.import_dialog is not None, timeout=5_000)
    dialog = window.file_actions.import_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.pages.currentIndex() == 0
    # The menu entry and its shortcut raise the same dialog instead of opening a second one.
    assert window.file_actions.import_action.shortcut() == QKeySequence("Ctrl+I")
    assert window.file_actions.export_action.shortcut() == QKeySequence("Ctrl+E")
    file_menu = window.menuBar().actions()[0].menu()
    assert file_menu is not None
    assert [a.text() for a in file_menu.actions()[:2]] == ["&Import Photos…", "&Export…"]
    window.file_actions.import_action.trigger()
    assert window.file_actions.import_dialog is dialog
    dialog.reject()


def test_a_project_with_photos_does_not(gui_project: Project, qtbot: QtBot) -> None:
    main = MainWindow(gui_project)
    qtbot.addWidget(main)
    main.show()
    qtbot.waitExposed(main)
    qtbot.wait(20)
    assert main.file_actions.import_dialog is None
    main.shutdown()


def test_folders_can_be_dropped_on_the_dialog(
    window: MainWindow, card: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialog = open_dialog(window, monkeypatch, card)
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(card.parent))])
    enter = QDragEnterEvent(
        QPoint(10, 10),
        Qt.DropAction.CopyAction,
        data,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    dialog.dragEnterEvent(enter)
    assert enter.isAccepted()
    drop = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        data,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    dialog.dropEvent(drop)
    assert dialog.sources() == [card, card.parent]
    dialog.reject()


def test_notes_and_a_missing_folder_are_reported_in_words(
    window: MainWindow, tmp_path: Path, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "phone"
    make_jpeg(folder / "IMG_0001.JPG", seed=1)
    make_jpeg(folder / "IMG_0002.JPG", seed=2, captured=None)
    gone = tmp_path / "unplugged-card"
    dialog = open_dialog(window, monkeypatch, folder)
    dialog.add_sources([gone])
    dialog.import_button.click()
    qtbot.waitUntil(lambda: dialog.summary is not None, timeout=60_000)
    assert len(catalog_ids(window.project)) == 2
    text = dialog.status_label.text()
    assert "2 photos imported" in text
    assert "1 photo has a note, for example IMG_0002.JPG: no capture time in the file" in text
    assert dialog.progress_title.text() == "Import finished, with problems"
    item = dialog.failures.topLevelItem(0)
    assert (item.text(0), item.text(1)) == ("unplugged-card", "Does not exist")
    assert item.toolTip(0) == str(gone)
    dialog.close_button.click()


def test_reference_import_leaves_the_files_where_they_are(
    window: MainWindow, tmp_path: Path, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "shared-drive"
    for n in range(3):
        make_jpeg(folder / f"IMG_{n:04d}.JPG", seed=n, captured=f"2026:05:14 11:0{n}:00")
    before = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    dialog = open_dialog(window, monkeypatch, folder)
    dialog.reference_radio.setChecked(True)
    dialog.import_button.click()
    qtbot.waitUntil(lambda: dialog.summary is not None, timeout=60_000)
    assert window.catalog.settle()  # the grid's last ids come from the catalog thread
    ids = catalog_ids(window.project)
    assert len(ids) == 3 == window.model.rowCount()
    for photo_id in ids:
        photo = get_photo(window.project.conn, photo_id)
        assert Path(photo["path"]).parent == folder  # stored where it is
    assert not [p for p in window.project.originals_dir.rglob("*") if p.is_file()]
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == before


def test_import_with_the_keyboard_only(
    gui_project: Project, card: Path, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    main = MainWindow(gui_project)
    qtbot.addWidget(main)
    main.show()
    main.activateWindow()
    qtbot.waitExposed(main)
    qtbot.waitUntil(main.isActiveWindow)
    main.view.setFocus()
    assert main.catalog.settle()  # the grid's ids come from the catalog thread
    before = main.model.rowCount()
    monkeypatch.setattr(import_dialog, "choose_folder", lambda _parent: card)
    qtbot.keyClick(main.view, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    dialog = main.file_actions.import_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    dialog.workers = 1
    assert dialog.focusWidget() is dialog.add_folder_button
    qtbot.keyClick(dialog.add_folder_button, Qt.Key.Key_Return)  # Add folder…
    assert dialog.sources() == [card]
    assert dialog.focusWidget() is dialog.import_button
    qtbot.keyClick(dialog.import_button, Qt.Key.Key_Return)  # Import
    qtbot.waitUntil(lambda: dialog.summary is not None, timeout=120_000)
    assert main.catalog.settle()  # the grid's last ids come from the catalog thread
    assert main.model.rowCount() == before + CARD_PHOTOS
    assert dialog.focusWidget() is dialog.close_button
    qtbot.keyClick(dialog.close_button, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    main.shutdown()
