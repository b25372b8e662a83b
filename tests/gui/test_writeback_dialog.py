"""File ▸ Write Metadata to Files… end to end, and the grid's "changed since written" marker.

Real sample JPEGs (``gallery_app.core.samples``) imported into a real project; the write-back
runs on its worker thread exactly as in the app; exiftool reads the files afterwards as an
independent oracle, and the catalog's own write states (core ``write_states``) are compared
with what the grid and the panel show. The stop test holds the worker right after its first
file (a direct connection on the worker's progress signal) until the Stop button was clicked,
so "stopped mid-way" is exact, not a race.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import stat
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from gallery_app.core.catalog.photos import get_photo
from gallery_app.core.edits import EditRequest
from gallery_app.core.importing.importer import import_sources
from gallery_app.core.progress import ProgressEvent
from gallery_app.core.project import Project, ProjectDefaults, create_project, open_project
from gallery_app.core.samples import make_sample_photos
from gallery_app.core.writeback import WriteBackSummary, write_states
from gallery_app.gui import writeback_dialog
from gallery_app.gui.main_window import MainWindow
from gallery_app.gui.models.photo_grid_model import Roles
from gallery_app.gui.views.thumbnail_delegate import MIN_THUMBNAIL
from gallery_app.gui.writeback_dialog import WriteBackDialog, user_reason

from .test_screenshots import _save

PHOTOS = 6
CAPTION = "Zoë Müller eröffnet den Gipfel — “Daten für alle”"


@pytest.fixture(scope="session")
def sample_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project of real sample JPEGs (copied in), built once per session."""
    base = tmp_path_factory.mktemp("writeback-gui")
    card = base / "card"
    make_sample_photos(card, PHOTOS, size=(480, 320), quality=85)
    root = base / "project"
    project = create_project(
        root, ProjectDefaults(event_name="Open Data Summit 2026", event_date="2026-05-14")
    )
    try:
        summary = import_sources(project, [card], workers=1)
        assert len(summary.imported) == PHOTOS, summary.to_dict()
    finally:
        project.close()
    return root


@pytest.fixture
def window(sample_project: Path, tmp_path: Path, qtbot: QtBot) -> Iterator[MainWindow]:
    target = tmp_path / "Open Data Summit 2026"
    shutil.copytree(sample_project, target)
    project = open_project(target)
    win = MainWindow(project)
    qtbot.addWidget(win)
    win.resize(1100, 760)
    win.show()
    qtbot.waitExposed(win)
    assert win.catalog.settle()
    yield win
    win.shutdown()


def _select(window: MainWindow, rows: list[int]) -> list[int]:
    selection = window.view.selectionModel()
    selection.clearSelection()
    if rows:
        window.view.setCurrentIndex(window.model.index(rows[0]))
        selection.clearSelection()
    for row in rows:
        selection.select(window.model.index(row), QItemSelectionModel.SelectionFlag.Select)
    QApplication.processEvents()
    return [window.model.photo_id_at(r) for r in rows]


def _open(window: MainWindow) -> WriteBackDialog:
    window.file_actions.writeback_action.trigger()
    assert window.catalog.settle()  # it opens once the photo count is in
    dialog = window.file_actions.writeback_dialog
    assert dialog is not None and dialog.isVisible()
    return dialog


def _run(dialog: WriteBackDialog, qtbot: QtBot) -> WriteBackSummary:
    with qtbot.waitSignal(dialog.writeback_finished, timeout=60_000) as blocker:
        qtbot.mouseClick(dialog.write_button, Qt.MouseButton.LeftButton)
    summary = blocker.args[0] if blocker.args else None
    assert isinstance(summary, WriteBackSummary)
    return summary


def _path(window: MainWindow, photo_id: int) -> Path:
    return window.project.resolve(str(get_photo(window.project.conn, photo_id)["path"]))


def _state(window: MainWindow, photo_id: int) -> str:
    # Edits, and the re-read of their cells, run on the catalog thread: wait for both.
    assert window.catalog.settle()
    row = window.model.row_of(photo_id)
    assert row is not None
    return str(window.model.data(window.model.index(row), Roles.WRITE_STATE))


def _exif(exiftool: str, path: Path) -> dict[str, Any]:
    result = subprocess.run(
        [exiftool, "-j", "-a", "-G1", "-charset", "utf8", str(path)],
        capture_output=True,
        check=True,
        timeout=60,
    )
    document: dict[str, Any] = json.loads(result.stdout)[0]
    return document


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_selection_is_written_and_the_marker_follows_edits(
    window: MainWindow, qtbot: QtBot, exiftool: str, qtmodeltester: object, errors: list[str]
) -> None:
    ids = [window.model.photo_id_at(r) for r in range(window.model.rowCount())]
    chosen = _select(window, [0, 1])
    window.apply(EditRequest(caption=CAPTION, add_keywords=["Sessions|Keynote"]))
    window.apply(EditRequest(add_people=["Zoë Müller"]))
    # Never written: no marker, the panel says so.
    assert {_state(window, i) for i in ids} == {"never_written"}
    panel = window.panels.metadata_panel
    assert panel.file_state_label.text() == "Files: 2 never written"

    dialog = _open(window)
    assert dialog.selection_radio.isVisible() and dialog.selection_radio.isChecked()
    assert dialog.selection_radio.text() == "The 2 selected photos"
    assert dialog.all_radio.text() == f"All {PHOTOS} photos in the project"
    assert dialog.photo_ids() == chosen
    _save(dialog, "writeback-setup")
    summary = _run(dialog, qtbot)
    assert sorted(w["id"] for w in summary.written) == sorted(chosen), summary.to_dict()
    assert summary.failed == []
    assert "Metadata written into 2 photo files." in dialog.status_label.text()
    assert dialog.close_button.isVisible() and not dialog.stop_button.isVisible()
    _save(dialog, "writeback-done")

    # exiftool, not our reader, finds the values in the files.
    for photo_id in chosen:
        tags = _exif(exiftool, _path(window, photo_id))
        assert tags["XMP-dc:Description"] == CAPTION
        assert "Keynote" in _listed(tags["XMP-dc:Subject"])
        assert "Sessions|Keynote" in _listed(tags["XMP-lr:HierarchicalSubject"])
        assert "Zoë Müller" in _listed(tags["XMP-iptcExt:PersonInImage"])
        assert tags["IPTC:Caption-Abstract"] == CAPTION

    # The grid agrees with the catalog: written ones up to date, the rest never written.
    truth = {k: v.value for k, v in write_states(window.project.conn, ids).items()}
    assert {i: _state(window, i) for i in ids} == truth
    assert {truth[i] for i in chosen} == {"up_to_date"}
    QApplication.processEvents()
    assert panel.file_state_label.text() == "Files: 2 up to date"

    # An edit after the write brings the marker (cell, tooltip, panel) ...
    _select(window, [0])
    window.apply(EditRequest(caption="Opening keynote"))
    assert _state(window, chosen[0]) == "changed"
    assert _state(window, chosen[1]) == "up_to_date"
    tooltip = str(window.model.data(window.model.index(0), Qt.ItemDataRole.ToolTipRole))
    assert "edited since its metadata was written to the file" in tooltip
    assert panel.file_state_label.text() == "✎ File: changed since written"
    qtmodeltester.check(window.model)  # type: ignore[attr-defined]
    window.view.viewport().update()
    _save(window, "writeback-marker")

    # ... and undo takes it away again (the values are those in the file).
    window.undo_stack.undo()
    assert _state(window, chosen[0]) == "up_to_date"
    window.undo_stack.redo()
    assert _state(window, chosen[0]) == "changed"

    # Nothing selected: the whole project, and the dialog says so.
    window.view.selectionModel().clearSelection()
    dialog.close()
    dialog = _open(window)
    assert not dialog.selection_radio.isVisible()
    assert dialog.scope_label.text() == (
        f"All {PHOTOS} photos in the project (nothing is selected in the grid)."
    )
    assert dialog.photo_ids() is None
    summary = _run(dialog, qtbot)
    assert len(summary.written) == PHOTOS - 1 and summary.skipped == [chosen[1]]
    assert "already up to date and left alone" in dialog.status_label.text()
    assert {_state(window, i) for i in ids} == {"up_to_date"}
    assert _exif(exiftool, _path(window, chosen[0]))["XMP-dc:Description"] == "Opening keynote"
    assert errors == []


def test_stop_mid_way_keeps_what_was_written(
    window: MainWindow, qtbot: QtBot, errors: list[str]
) -> None:
    ids = [window.model.photo_id_at(r) for r in range(window.model.rowCount())]
    window.apply_to(ids, EditRequest(credit="Photo: Jo Fotógrafo"))
    before = {i: _digest(_path(window, i)) for i in ids}
    _select(window, [])
    dialog = _open(window)
    assert dialog.photo_ids() is None

    reached = threading.Event()
    resume = threading.Event()

    def hold_after_first(event: ProgressEvent) -> None:  # runs on the worker thread
        if event.kind == "written" and not reached.is_set():
            reached.set()
            resume.wait(30)

    dialog.job_created.connect(
        lambda job: job.progress.connect(hold_after_first, Qt.ConnectionType.DirectConnection)
    )
    dialog.write_button.click()
    qtbot.waitUntil(reached.is_set, timeout=30_000)
    with qtbot.waitSignal(dialog.writeback_finished, timeout=60_000) as blocker:
        qtbot.mouseClick(dialog.stop_button, Qt.MouseButton.LeftButton)
        assert dialog.progress_title.text() == "Stopping…"
        assert not dialog.stop_button.isEnabled()
        resume.set()
    summary = blocker.args[0]
    assert isinstance(summary, WriteBackSummary)
    assert summary.cancelled
    written = [w["id"] for w in summary.written]
    assert len(written) == 1, summary.to_dict()
    assert dialog.progress_title.text() == "Writing stopped"
    assert dialog.status_label.text().startswith("Stopped by you.")
    assert "Metadata written into 1 photo file." in dialog.status_label.text()
    # Only that photo's file changed, and only its marker state moved.
    for photo_id in ids:
        changed = _digest(_path(window, photo_id)) != before[photo_id]
        assert changed == (photo_id in written), photo_id
        expected = "up_to_date" if photo_id in written else "never_written"
        assert _state(window, photo_id) == expected
    # Writing again finishes the rest and skips the one already done.
    dialog.close()
    dialog = _open(window)
    summary = _run(dialog, qtbot)
    assert summary.skipped == written and len(summary.written) == PHOTOS - 1
    assert errors == []


def test_read_only_files_are_listed_and_sidecars_offered(
    window: MainWindow, qtbot: QtBot, exiftool: str, errors: list[str]
) -> None:
    ids = [window.model.photo_id_at(r) for r in range(window.model.rowCount())]
    chosen = _select(window, [0, 1, 2])
    window.apply(EditRequest(caption=CAPTION))
    locked = _path(window, chosen[1])
    locked.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    original = _digest(locked)
    try:
        dialog = _open(window)
        summary = _run(dialog, qtbot)
        assert [f["id"] for f in summary.failed] == [chosen[1]]
        assert dialog.progress_title.text() == "Finished, with problems"
        assert dialog.failures.topLevelItemCount() == 1
        item = dialog.failures.topLevelItem(0)
        assert item.text(0) == locked.name
        assert item.text(1) == "Cannot be changed: the file is read-only."  # no CLI option
        assert "read-only" in dialog.status_label.text()
        assert dialog.sidecar_offer.isVisible()
        assert dialog.sidecar_offer.text() == "Write a sidecar for the read-only file"
        _save(dialog, "writeback-read-only")
        assert _state(window, chosen[1]) == "never_written"

        with qtbot.waitSignal(dialog.writeback_finished, timeout=60_000) as blocker:
            qtbot.mouseClick(dialog.sidecar_offer, Qt.MouseButton.LeftButton)
        sidecars = blocker.args[0]
        assert isinstance(sidecars, WriteBackSummary)
        assert [(w["id"], w["target"]) for w in sidecars.written] == [(chosen[1], "sidecar")]
        assert "1 XMP sidecar written beside the photos." in dialog.status_label.text()
        assert not dialog.sidecar_offer.isVisible()
        sidecar = locked.with_name(locked.name + ".xmp")
        assert _exif(exiftool, sidecar)["XMP-dc:Description"] == CAPTION
        assert _digest(locked) == original  # the read-only original was not touched
        assert {_state(window, i) for i in chosen} == {"up_to_date"}
        assert _state(window, ids[3]) == "never_written"
    finally:
        locked.chmod(stat.S_IRUSR | stat.S_IWUSR)
    assert errors == []


def test_sidecar_naming_leaves_the_originals_alone(
    window: MainWindow, qtbot: QtBot, exiftool: str
) -> None:
    chosen = _select(window, [4])
    window.apply(EditRequest(caption=CAPTION))
    path = _path(window, chosen[0])
    original = _digest(path)
    dialog = _open(window)
    assert dialog.photo_ids() == chosen
    dialog.sidecar_radio.setChecked(True)
    assert dialog.naming_combo.isEnabled()
    dialog.naming_combo.setCurrentIndex(dialog.naming_combo.findData("name.xmp"))
    summary = _run(dialog, qtbot)
    assert [w["target"] for w in summary.written] == ["sidecar"]
    sidecar = path.with_suffix(".xmp")
    assert sidecar.is_file() and not path.with_name(path.name + ".xmp").exists()
    assert _exif(exiftool, sidecar)["XMP-dc:Description"] == CAPTION
    assert _digest(path) == original
    assert _state(window, chosen[0]) == "up_to_date"
    # The choice is remembered for next time.
    dialog.close()
    again = _open(window)
    assert again.sidecar_radio.isChecked() and again.naming() == "name.xmp"


def test_marker_is_readable_in_the_smallest_cells(window: MainWindow, qtbot: QtBot) -> None:
    chosen = _select(window, [0])
    window.apply(EditRequest(caption=CAPTION))
    dialog = _open(window)
    _run(dialog, qtbot)
    dialog.close()
    window.apply(EditRequest(flag=-1, caption="Changed after writing"))
    assert _state(window, chosen[0]) == "changed"
    window.view.set_thumbnail_size(MIN_THUMBNAIL)
    assert window.view.delegate.layout.short_marker
    QApplication.processEvents()
    _save(window.view, "writeback-marker-small")


def test_core_messages_lose_their_command_line_hints() -> None:
    text, read_only = user_reason(
        "cannot be changed: its folder is read-only. Write an XMP sidecar instead (--sidecar)"
    )
    assert (text, read_only) == ("Cannot be changed: its folder is read-only.", True)
    text, read_only = user_reason(
        "x.xmp is the sidecar of the raw file x.CR3 (Lightroom); not mixed with this photo's "
        "metadata. Use the name.ext.xmp naming (--sidecar-naming name.ext.xmp)"
    )
    assert not read_only and "--" not in text and text.endswith("photo.jpg.xmp naming.")


def test_window_paints_before_the_vocabulary_loads(
    sample_project: Path, tmp_path: Path, qtbot: QtBot
) -> None:
    target = tmp_path / "copy"
    shutil.copytree(sample_project, target)
    project: Project = open_project(target)
    win = MainWindow(project)
    qtbot.addWidget(win)
    try:
        bar = win.panels.filter_bar
        assert bar.camera_combo.count() == 1  # only "Any camera": nothing read yet
        win.show()
        qtbot.waitUntil(lambda: bar.camera_combo.count() > 1, timeout=10_000)
    finally:
        win.shutdown()


def test_panel_gives_counts_only_for_many_written_photos(
    window: MainWindow, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = [window.model.photo_id_at(r) for r in range(window.model.rowCount())]
    _select(window, [])
    _run(_open(window), qtbot)
    conn = window.project.conn
    monkeypatch.setattr(writeback_dialog, "PANEL_CHECK_LIMIT", 3)
    text, tooltip = writeback_dialog.write_state_text(conn, ids)
    assert text == f"Files: {PHOTOS} written before"
    assert tooltip.startswith("Select at most 3 written photos to see which changed since.")
    assert writeback_dialog.write_state_text(conn, ids[:3])[0] == "Files: 3 up to date"
    assert writeback_dialog.write_state_text(conn, [])[0] == ""
