"""File ▸ Write Metadata to Files…: the catalog's captions, keywords and people into the files.

Photographers and the archive open the same photos in Lightroom, Photo Mechanic, Bridge or
digiKam; what staff typed here only reaches them once it is written into the files (or into
XMP sidecars beside them). The dialog asks two things — which photos (the selection, or the
whole project when nothing or everything is selected) and where (into the files, or sidecars
with the naming those tools expect) — then runs the core's :func:`write_back` on a worker
thread (:class:`BackgroundJob`; its catalog reads and records run on the window's catalog
thread, between the grid's reads), shows progress with a Stop
button, and ends with a summary in words and every file that could not be written, with the
reason. Files on read-only media cannot be changed; for them the dialog offers sidecars, which
need only the folder (or, failing that, the project) to be writable.

The grid's "changed since written" markers follow: photos are announced as they are written
(:attr:`WriteBackDialog.photos_written`), so the markers go as the run proceeds.
"""

from __future__ import annotations

import re
import sqlite3

from PySide6.QtCore import QSettings, QTimer, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from gallery_app.core.catalog.access import CatalogAccess
from gallery_app.core.catalog.grid import ever_written, write_states_of
from gallery_app.core.progress import CancelToken, ProgressCallback, ProgressEvent
from gallery_app.core.project import Project

# Imported with the window's code, not on first use: the grid's block read needs it as soon as
# a written photo is on screen (core ``grid.write_states_of`` imports it lazily), and loading
# the write-back engine then (~40 ms) would land inside a paint.
from gallery_app.core.writeback import WriteBackSummary, write_back
from gallery_app.core.writeback.files import READ_ONLY_ADVICE
from gallery_app.gui import messages
from gallery_app.gui.catalog_thread import CatalogThread
from gallery_app.gui.dialog_parts import (
    FailureList,
    JobDialog,
    Pages,
    ask_job_to_stop,
    cancel_and_wait,
    count,
    heading,
    hint,
    page_layout,
    sentence,
    start_cancel_buttons,
    stop_button,
)
from gallery_app.gui.jobs import BackgroundJob

NAMINGS: list[tuple[str, str]] = [
    ("photo.jpg.xmp — digiKam, darktable", "name.ext.xmp"),
    ("photo.xmp — Lightroom, Bridge", "name.xmp"),
]
"""The two sidecar namings the core writes (``SIDECAR_NAMINGS``), named by who reads them."""
PANEL_CHECK_LIMIT = 1000
"""Written photos in a selection up to which the panel says how many changed (~0.1 s)."""
FLUSH_MS = 250
"""How often written photos are handed to the grid (its markers go as the run proceeds)."""
_CLI_HINT = re.compile(r"\s*\(--[^)]*\)")


def write_state_text(conn: sqlite3.Connection, photo_ids: list[int]) -> tuple[str, str]:
    """(one line for the metadata panel, its tooltip) about the selected photos' files."""
    if not photo_ids:
        return "", ""
    how = "File ▸ Write Metadata to Files… (Ctrl+Shift+W) writes it into the file"
    ever = ever_written(conn, photo_ids)
    if len(ever) > PANEL_CHECK_LIMIT:
        # Comparing thousands of photos with what was written would freeze the window for
        # seconds on every selection change; the counts alone are one query.
        never = len(photo_ids) - len(ever)
        text = f"Files: {len(ever):,} written before"
        if never:
            text += f" · {never:,} never written"
        return text, (
            f"Select at most {PANEL_CHECK_LIMIT:,} written photos to see which changed since. "
            + how.replace(" it ", " them ")
            + "; files already up to date are skipped."
        )
    states = write_states_of(conn, photo_ids, ever=ever)
    changed = sum(1 for s in states.values() if s == "changed")
    current = sum(1 for s in states.values() if s == "up_to_date")
    never = len(photo_ids) - changed - current
    if len(photo_ids) == 1:
        if changed:
            return "✎ File: changed since written", f"Edited since it was written. {how}."
        if current:
            return "File: up to date", "The file (or its sidecar) holds what is shown here."
        return "File: never written", f"What is shown here is only in the catalog. {how}."
    parts = []
    if changed:
        parts.append(f"✎ {changed:,} changed since written")
    if current:
        parts.append(f"{current:,} up to date")
    if never:
        parts.append(f"{never:,} never written")
    return "Files: " + " · ".join(parts), how.replace(" it ", " them ") + "."


def user_reason(error: str) -> tuple[str, bool]:
    """A core failure as a sentence for the list, and whether a sidecar would avoid it.

    The core speaks to both the CLI and the app; its hints name command-line options, which
    mean nothing here, so they are taken out (the dialog offers the sidecar as a button).
    """
    read_only = READ_ONLY_ADVICE in error
    text = error.replace(f". {READ_ONLY_ADVICE}", "")
    text = _CLI_HINT.sub("", text)
    text = text.replace("Use the name.ext.xmp naming", "Choose the photo.jpg.xmp naming")
    text = sentence(text.strip())
    if text and not text.endswith("."):
        text += "."
    return text, read_only


class WriteBackDialog(JobDialog):
    """Choose photos and target, write on a worker thread, report what happened."""

    photos_written = Signal(list)
    """Ids whose files (or sidecars) were just written: the grid re-reads their markers."""
    writeback_finished = Signal(object)
    """The :class:`WriteBackSummary`, or None if the run could not finish."""
    job_created = Signal(object)
    """The :class:`BackgroundJob` of a run, just before its thread starts (tests hold the
    worker at a chosen file through a direct connection on its progress signal)."""

    def __init__(
        self,
        project: Project,
        selected: list[int],
        total: int,
        parent: QWidget | None = None,
        *,
        catalog: CatalogThread,
    ) -> None:
        super().__init__(parent)
        self.project = project
        """For its folders only: the catalog is reached through ``catalog``."""
        self._catalog = catalog
        self.selected = list(selected)
        self.total = total
        self.job: BackgroundJob | None = None
        self.summary: object | None = None
        self.read_only_ids: dict[int, None] = {}
        """Photos whose files are read-only, in the order they failed (a dict: the check per
        failure is O(1) and the order stays)."""
        self._listed: set[tuple[int | None, str]] = set()
        self._ids: list[int] | None = None
        self._pending: list[int] = []
        self._counts = {"written": 0, "skipped": 0, "failed": 0}
        self._run_total = 0
        self._done = 0
        self._progress_dirty = False
        self._sidecar_run = False
        self.setWindowTitle("Write metadata to files")
        self.setAccessibleName("Write metadata to files")
        self.setMinimumWidth(560)

        self.pages = Pages()
        self.pages.add_page(self._build_setup_page())
        self.pages.add_page(self._build_progress_page())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.addWidget(self.pages)
        self._flush_timer = QTimer(self)
        self._flush_timer.setInterval(FLUSH_MS)
        self._flush_timer.timeout.connect(self._flush)
        self._restore_choices()
        self._update_setup()
        self.write_button.setFocus()

    # --- setup page ------------------------------------------------------------------

    @property
    def whole_project(self) -> bool:
        """Nothing selected, everything selected, or the user chose the whole project."""
        if not self.selected or len(self.selected) >= self.total:
            return True
        return self.all_radio.isChecked()

    def photo_ids(self) -> list[int] | None:
        """What the run writes: the selection, or None for every photo in the project."""
        return None if self.whole_project else list(self.selected)

    def _build_setup_page(self) -> QWidget:
        page = QWidget()
        partial = bool(self.selected) and len(self.selected) < self.total
        self.selection_radio = QRadioButton(f"The {count(len(self.selected), 'selected photo')}")
        self.selection_radio.setAccessibleName("Write the selected photos")
        self.all_radio = QRadioButton(f"All {count(self.total, 'photo')} in the project")
        self.all_radio.setAccessibleName("Write every photo in the project")
        self.scope_group = QButtonGroup(self)
        self.scope_group.addButton(self.selection_radio)
        self.scope_group.addButton(self.all_radio)
        (self.selection_radio if partial else self.all_radio).setChecked(True)
        self.scope_label = QLabel()
        self.scope_label.setAccessibleName("Which photos")
        self.scope_label.setWordWrap(True)
        scope_box = QVBoxLayout()
        scope_box.setSpacing(4)
        if partial:
            scope_box.addWidget(self.selection_radio)
            scope_box.addWidget(self.all_radio)
            self.scope_label.setVisible(False)
        else:
            self.selection_radio.setVisible(False)
            self.all_radio.setVisible(False)
            why = "nothing is selected" if not self.selected else "every photo is selected"
            self.scope_label.setText(
                f"All {count(self.total, 'photo')} in the project ({why} in the grid)."
            )
        scope_box.addWidget(self.scope_label)

        self.file_radio = QRadioButton("&Into the files themselves (recommended)")
        self.file_radio.setAccessibleName("Write into the photo files")
        self.sidecar_radio = QRadioButton("Into XMP &sidecar files beside them")
        self.sidecar_radio.setAccessibleName(
            "Write XMP sidecar files; the photo files stay as they are"
        )
        self.target_group = QButtonGroup(self)
        self.target_group.addButton(self.file_radio)
        self.target_group.addButton(self.sidecar_radio)
        self.file_radio.setChecked(True)
        self.file_radio.toggled.connect(self._update_setup)
        self.target_hint = hint("")
        self.naming_combo = QComboBox()
        self.naming_combo.setAccessibleName("Sidecar file names")
        for label, naming in NAMINGS:
            self.naming_combo.addItem(label, naming)
        self.naming_label = QLabel("Sidecar &names:")
        self.naming_label.setBuddy(self.naming_combo)
        target_box = QVBoxLayout()
        target_box.setSpacing(4)
        target_box.addWidget(self.file_radio)
        target_box.addWidget(self.sidecar_radio)
        target_box.addWidget(self.target_hint)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setVerticalSpacing(10)
        form.addRow("Photos:", scope_box)
        form.addRow("Write:", target_box)
        form.addRow(self.naming_label, self.naming_combo)

        self.write_button, buttons = start_cancel_buttons(
            "Write", "Start writing the metadata", "Close without writing", self.start, self.reject
        )

        layout = page_layout(page)
        layout.addWidget(heading("Write metadata to files"))
        layout.addWidget(
            hint(
                "Captions, alt text, keywords, people, ratings and credits go where Lightroom, "
                "Photo Mechanic, Bridge and digiKam read them. The pictures themselves are not "
                "touched, and every file is checked before it replaces the original. Files that "
                "already hold the latest values are left alone."
            )
        )
        layout.addSpacing(4)
        layout.addLayout(form)
        layout.addSpacing(6)
        layout.addLayout(buttons)
        return page

    def _update_setup(self, *_args: object) -> None:
        sidecar = self.sidecar_radio.isChecked()
        self.target_hint.setText(
            "The photo files stay exactly as they are; the tools find a .xmp file beside each."
            if sidecar
            else "HEIC photos, which cannot be changed safely, get a sidecar anyway."
        )
        self.naming_combo.setEnabled(sidecar)
        self.naming_label.setEnabled(sidecar)

    def naming(self) -> str:
        return str(self.naming_combo.currentData())

    def _restore_choices(self) -> None:
        settings = QSettings()
        if settings.value("writeback/sidecar", "false") in (True, "true"):
            self.sidecar_radio.setChecked(True)
        index = self.naming_combo.findData(str(settings.value("writeback/naming", "")))
        if index >= 0:
            self.naming_combo.setCurrentIndex(index)

    def _remember_choices(self) -> None:
        settings = QSettings()
        settings.setValue("writeback/sidecar", self.sidecar_radio.isChecked())
        settings.setValue("writeback/naming", self.naming())

    # --- progress page ---------------------------------------------------------------

    def _build_progress_page(self) -> QWidget:
        page = QWidget()
        self.progress_title = heading("Writing metadata…")
        self.progress_bar = QProgressBar()
        self.progress_bar.setAccessibleName("Write progress")
        self.progress_bar.setTextVisible(True)
        self.status_label = QLabel()
        self.status_label.setAccessibleName("Write status")
        self.status_label.setWordWrap(True)
        self.failure_list = FailureList(
            self.pages,
            accessible_name="Files that could not be written",
            headers=["File", "Why it could not be written"],
            noun="file",
            outcome="could not be written",
            word_wrap=True,
        )
        self.failures_label = self.failure_list.label
        self.failures = self.failure_list.tree
        self.sidecar_offer = QPushButton()
        self.sidecar_offer.setAccessibleName("Write XMP sidecars for the read-only files")
        self.sidecar_offer.setToolTip(
            "A sidecar is a small .xmp file beside the photo (or in the project when that "
            "folder is read-only too); the photo file itself is not changed"
        )
        self.sidecar_offer.clicked.connect(self.write_sidecars_for_read_only)
        self.sidecar_offer.setVisible(False)

        self.stop_button = stop_button("&Stop", "Stop writing", self.stop)
        self.close_button = QPushButton("Close")
        self.close_button.setAccessibleName("Close the write window")
        self.close_button.clicked.connect(self.accept)
        self.close_button.setVisible(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.stop_button)
        buttons.addWidget(self.sidecar_offer)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)

        layout = page_layout(page)
        layout.addWidget(self.progress_title)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.status_label)
        layout.addWidget(self.failures_label)
        layout.addWidget(self.failures, 1)
        layout.addLayout(buttons)
        return page

    # --- running ---------------------------------------------------------------------

    def start(self) -> None:
        """Write what the setup page says (on a worker thread)."""
        if self.job is not None:
            return
        self._remember_choices()
        self._run(self.photo_ids(), sidecar=self.sidecar_radio.isChecked())

    def write_sidecars_for_read_only(self) -> None:
        """After a run: sidecars for the photos whose files could not be changed."""
        if self.is_running() or not self.read_only_ids:
            return
        ids, self.read_only_ids = list(self.read_only_ids), {}
        self.failure_list.clear()
        self._listed.clear()
        self._run(ids, sidecar=True)

    def _run(self, photo_ids: list[int] | None, *, sidecar: bool) -> None:
        naming = self.naming()
        self._ids = photo_ids
        self._sidecar_run = sidecar
        self._counts = {"written": 0, "skipped": 0, "failed": 0}
        self._run_total = len(photo_ids) if photo_ids is not None else self.total
        self._done = 0
        self._progress_dirty = False

        project = self.project

        def work(
            access: CatalogAccess, progress: ProgressCallback, cancel: CancelToken
        ) -> WriteBackSummary:
            return write_back(
                project,
                photo_ids,
                access=access,
                sidecar=sidecar,
                sidecar_naming=naming,
                progress=progress,
                cancel=cancel,
            )

        job = BackgroundJob(self._catalog.access(), work, self)
        job.progress.connect(self._on_progress)
        job.succeeded.connect(self._on_succeeded)
        job.failed.connect(self._on_failed)
        job.cancelled.connect(lambda: self._on_failed("the write was stopped"))
        self.job = job
        self.pages.show_page(1)
        self.progress_title.setText("Writing sidecars…" if sidecar else "Writing metadata…")
        self.stop_button.setVisible(True)
        self.stop_button.setEnabled(True)
        self.close_button.setVisible(False)
        self.sidecar_offer.setVisible(False)
        self.progress_bar.setRange(0, max(self._run_total, 1))
        self.progress_bar.setValue(0)
        self.progress_bar.setFormat(f"0 of {self._run_total:,}")
        self.status_label.setText("Starting…")
        self.stop_button.setFocus()
        self._flush_timer.start()
        self.job_created.emit(job)
        job.start()

    def stop(self) -> None:
        """Ask the run to stop after the file in hand; what was written stays written."""
        ask_job_to_stop(
            self.job,
            self.stop_button,
            self.progress_title,
            self.status_label,
            "Finishing the file in hand. Files already written keep their new metadata.",
        )

    def _on_progress(self, event: ProgressEvent) -> None:
        if event.phase != "writing":
            return
        if event.total:
            self._run_total = event.total
        if event.kind == "written" and event.photo_id is not None:
            self._counts["written"] += 1
            self._pending.append(event.photo_id)
        elif event.kind == "skipped":
            self._counts["skipped"] += 1
        elif event.kind == "failed":
            self._counts["failed"] += 1
            self._add_failure(event.photo_id, str(event.path or ""), event.message)
        self._done = event.done
        # The bar and the status follow at the flush timer's pace, not per file: a progress
        # bar repaints itself at once on every new value, and files already up to date are
        # skipped in a rush (tens of thousands of repaints for a large project written before).
        self._progress_dirty = True

    def _show_progress(self) -> None:
        if not self._progress_dirty:
            return
        self._progress_dirty = False
        total = max(self._run_total, 1)
        self.progress_bar.setRange(0, total)
        self.progress_bar.setValue(min(self._done, total))
        self.progress_bar.setFormat(f"{self._done:,} of {self._run_total:,}")
        if self.job is not None and self.job.cancel_token.cancelled:
            return  # keep saying "Stopping…"
        self.status_label.setText(self._status_text())

    def _status_text(self) -> str:
        noun = "sidecar" if self._sidecar_run else "file"
        parts = [f"{count(self._counts['written'], noun)} written"]
        if self._counts["skipped"]:
            parts.append(f"{self._counts['skipped']:,} already up to date")
        if self._counts["failed"]:
            parts.append(f"{self._counts['failed']:,} could not be written")
        return " · ".join(parts)

    def _add_failure(self, photo_id: int | None, path: str, error: str) -> None:
        self._listed.add((photo_id, error))
        reason, read_only = user_reason(error)
        if read_only and photo_id is not None:
            self.read_only_ids[photo_id] = None
        self.failure_list.add(path, reason or "Could not be written.")

    def _flush(self) -> None:
        self._show_progress()
        if self._pending:
            written, self._pending = self._pending, []
            self.photos_written.emit(written)

    def _finish_page(self, title: str) -> None:
        self._flush_timer.stop()
        self._flush()
        self.progress_title.setText(title)
        self.stop_button.setVisible(False)
        self.close_button.setVisible(True)
        self.close_button.setDefault(True)
        self.close_button.setFocus()

    def _on_succeeded(self, summary: object) -> None:
        assert isinstance(summary, WriteBackSummary)
        self.summary = summary
        if summary.cancelled:
            self._finish_page("Writing stopped")
        elif summary.failed:
            self._finish_page("Finished, with problems")
        else:
            self._finish_page("Metadata written")
        self.status_label.setText("\n".join(self._result_lines(summary)))
        # Failures are listed as they happen; one found after the write (a sidecar of ours
        # that could not follow the file) comes only with the summary.
        for failure in summary.failed:
            photo_id, error = int(failure["id"]), str(failure["error"])
            if (photo_id, error) not in self._listed:
                self._add_failure(photo_id, str(failure["path"]), error)
        if self.read_only_ids and not self._sidecar_run:
            n = len(self.read_only_ids)
            self.sidecar_offer.setText(
                "Write a sidecar for the read-only file"
                if n == 1
                else f"Write sidecars for the {n:,} read-only files"
            )
            self.sidecar_offer.setVisible(True)
            self.sidecar_offer.setDefault(True)
            self.sidecar_offer.setFocus()
        self.pages.fit()
        self.job = None
        self.writeback_finished.emit(summary)

    def _result_lines(self, summary: object) -> list[str]:
        assert isinstance(summary, WriteBackSummary)
        files = sum(1 for w in summary.written if w["target"] == "file")
        sidecars = len(summary.written) - files
        lines: list[str] = []
        if summary.cancelled:
            lines.append(
                "Stopped by you. What was written before the stop stays written; the other "
                "photos are unchanged. Write again to finish: finished files are skipped."
            )
        if files:
            lines.append(f"Metadata written into {count(files, 'photo file')}.")
        if sidecars:
            lines.append(f"{count(sidecars, 'XMP sidecar')} written beside the photos.")
        if summary.skipped:
            lines.append(
                f"{count(len(summary.skipped), 'photo was', 'photos were')} already up to "
                "date and left alone."
            )
        failed = len({f["id"] for f in summary.failed})
        if failed:
            lines.append(
                f"⚠ {count(failed, 'photo')} could not be written; the list below says why. "
                + ("That file is unchanged." if failed == 1 else "Those files are unchanged.")
            )
        if self.read_only_ids and not self._sidecar_run:
            n = len(self.read_only_ids)
            lines.append(
                f"{count(n, 'file is', 'files are')} on read-only media or in a read-only "
                "folder: "
                + (
                    "an XMP sidecar can hold its metadata instead."
                    if n == 1
                    else "XMP sidecars can hold their metadata instead."
                )
            )
        if not lines:
            lines.append("Nothing to write: every file already holds what the catalog says.")
        return lines

    def _on_failed(self, message: str) -> None:
        self.job = None
        self._finish_page("Writing did not finish")
        self.status_label.setText(sentence(message) + ".")
        self.pages.fit()
        messages.show_error(self, "The metadata was not written", message)
        self.writeback_finished.emit(None)

    # --- closing ---------------------------------------------------------------------

    def _close_while_running(self) -> None:
        """Esc, Cancel or closing the window while writing: nothing happens, the window
        stays and the run goes on (stopping is the Stop button's job, so a stray Esc neither
        loses sight of the run nor stops it half-way)."""

    def shutdown(self) -> None:
        """Stop the run and wait for its thread (the window is closing the project)."""
        self._flush_timer.stop()
        cancel_and_wait(self.job)
