"""The Import dialog: choose folders or files, copy or leave them in place, watch it run.

A comms officer arrives with a card, a USB stick or a folder of downloads. The dialog asks
three things (where from, copy or not, how copies are named, with a live example of the name)
and then runs the core's :func:`import_sources` on a worker thread (:class:`BackgroundJob`)
whose catalog work, one short unit per photo, runs on the window's catalog thread between
the grid's reads. The dialog is not modal: photos are announced in batches
(:attr:`ImportDialog.photos_added`) so the grid shows them while the import runs and the user
can start rating at once. At the end it says in words what happened and lists every file that
could not be imported with the reason, so nothing disappears silently.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from gallery_app.core.catalog.access import CatalogAccess
from gallery_app.core.errors import UserError
from gallery_app.core.importing import naming
from gallery_app.core.importing.importer import (
    ImportSummary,
    NamingContext,
    example_file_name,
    import_sources,
)
from gallery_app.core.importing.scanner import PHOTO_EXTENSIONS
from gallery_app.core.progress import CancelToken, ProgressCallback, ProgressEvent
from gallery_app.core.project import Project
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

TEMPLATES: list[tuple[str, str]] = [
    ("Date, time and number", naming.DEFAULT_TEMPLATE),
    ("Event name and number", "{event}-{seq:04d}"),
    ("Date and the camera's own name", "{date}-{original}"),
    ("Keep the camera's own name", "{original}"),
]
"""Friendly names for the rename templates people pick most; "Custom pattern" edits any."""
CUSTOM = "Custom pattern…"
FLUSH_MS = 250
"""How often new photos are handed to the grid and the progress is shown: often enough to feel
live, rarely enough that a 1,000-photo import does not re-query the catalog or repaint the
progress bar for every photo."""


def choose_folder(parent: QWidget | None) -> Path | None:
    """Ask for one folder to import (tests replace this)."""
    folder = QFileDialog.getExistingDirectory(parent, "Import photos from this folder")
    return Path(folder) if folder else None


def choose_files(parent: QWidget | None) -> list[Path]:
    """Ask for photo files to import (tests replace this)."""
    files, _filter = QFileDialog.getOpenFileNames(
        parent,
        "Import these photos",
        "",
        # The same list the core's scanner imports, upper case too (cameras write .JPG).
        "Photos ("
        + " ".join(f"*{e} *{e.upper()}" for e in sorted(PHOTO_EXTENSIONS))
        + ");;All files (*)",
    )
    return [Path(f) for f in files]


class ImportDialog(JobDialog):
    """Set up an import, run it off the GUI thread, and report what happened."""

    photos_added = Signal(list)
    """Ids of photos now in the catalog (batched); the grid inserts them."""
    thumbnails_ready = Signal(list)
    """Ids whose grid thumbnails were just made; the grid repaints them."""
    import_finished = Signal(object)
    """The :class:`ImportSummary`, or None if the import could not run at all."""
    progress_changed = Signal(int, int, str)
    """(done, total, a few words such as "Importing 12 of 40") while the import runs, for
    the main window's status bar when the dialog is out of the way (total 0: not known)."""
    backgrounded = Signal()
    """The dialog was put away while the import goes on."""

    def __init__(
        self,
        project: Project,
        parent: QWidget | None = None,
        *,
        catalog: CatalogThread,
        workers: int | None = None,
    ) -> None:
        super().__init__(parent)
        self.project = project
        """For its folders only: the catalog is reached through ``catalog``."""
        self._catalog = catalog
        self._naming: NamingContext | None = None
        """The next sequence number and the event name, for the example file name; read
        once on the catalog thread, then every keystroke of a pattern is named offline."""
        self._closing = False
        self.workers = workers
        self.job: BackgroundJob | None = None
        self.summary: ImportSummary | None = None
        self._pending_added: list[int] = []
        self._pending_thumbs: list[int] = []
        self._counts = {"added": 0, "duplicates": 0, "failed": 0, "thumbs": 0}
        self._total = 0
        self._thumbs_total = 0
        self.setWindowTitle("Import photos")
        self.setAccessibleName("Import photos")
        self.setAcceptDrops(True)
        self.setMinimumWidth(600)

        self.pages = Pages()
        self.pages.add_page(self._build_setup_page())
        self.pages.add_page(self._build_progress_page())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.addWidget(self.pages)

        self._flush_timer = QTimer(self)
        self._flush_timer.setInterval(FLUSH_MS)
        self._flush_timer.timeout.connect(self._flush)
        self._progress_dirty = False
        self._restore_choices()
        catalog.submit(
            lambda p: NamingContext.read(p.conn),
            self._naming_ready,
            lambda _message: None,  # no example then; the import itself says what is wrong
        )
        self._update_setup()
        self.add_folder_button.setFocus()  # the first thing to do; Enter or Space does it

    # --- setup page ------------------------------------------------------------------

    def _build_setup_page(self) -> QWidget:
        page = QWidget()
        self.sources_list = QListWidget()
        self.sources_list.setAccessibleName("Folders and files to import")
        self.sources_list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.sources_list.setMinimumHeight(120)
        self.sources_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.sources_list.setSpacing(2)
        self.sources_list.itemSelectionChanged.connect(self._update_setup)
        self.empty_hint = hint(
            "No folders or files yet. Add the folder of the camera card or of the downloaded "
            "photos (sub-folders are included), or drop folders here."
        )
        self.add_folder_button = QPushButton("Add &folder…")
        self.add_folder_button.setAccessibleName("Add a folder to import")
        self.add_folder_button.clicked.connect(self._add_folder)
        self.add_files_button = QPushButton("Add f&iles…")
        self.add_files_button.setAccessibleName("Add photo files to import")
        self.add_files_button.clicked.connect(self._add_files)
        self.remove_button = QPushButton("&Remove")
        self.remove_button.setAccessibleName("Remove the chosen folders from the list")
        self.remove_button.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        self.remove_button.clicked.connect(self._remove_selected)
        side = QVBoxLayout()
        for button in (self.add_folder_button, self.add_files_button, self.remove_button):
            button.setMinimumWidth(130)
            side.addWidget(button)
        side.addStretch(1)
        sources_row = QHBoxLayout()
        sources_row.addWidget(self.sources_list, 1)
        sources_row.addLayout(side)

        self.copy_radio = QRadioButton("&Copy them into the project (recommended)")
        self.copy_radio.setAccessibleName("Copy the photos into the project")
        self.reference_radio = QRadioButton("&Leave them where they are")
        self.reference_radio.setAccessibleName("Leave the photos where they are")
        self.storage_group = QButtonGroup(self)
        self.storage_group.addButton(self.copy_radio)
        self.storage_group.addButton(self.reference_radio)
        self.copy_radio.setChecked(True)
        self.copy_radio.toggled.connect(self._update_setup)
        self.storage_hint = hint("")

        self.template_combo = QComboBox()
        self.template_combo.setAccessibleName("How to name the copies")
        for label, template in TEMPLATES:
            self.template_combo.addItem(label, template)
        self.template_combo.addItem(CUSTOM, "")
        self.template_combo.currentIndexChanged.connect(self._template_chosen)
        self.template_edit = QLineEdit(naming.DEFAULT_TEMPLATE)
        self.template_edit.setAccessibleName("Name pattern")
        self.template_edit.setToolTip(
            "Variables: " + ", ".join("{" + k + "}: " + v for k, v in naming.VARIABLES.items())
        )
        self.template_edit.textChanged.connect(self._update_setup)
        self.example_label = QLabel()
        self.example_label.setWordWrap(True)
        self.example_label.setAccessibleName("Example file name")
        self.example_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setVerticalSpacing(10)
        storage_box = QVBoxLayout()
        storage_box.setSpacing(4)
        storage_box.addWidget(self.copy_radio)
        storage_box.addWidget(self.reference_radio)
        storage_box.addWidget(self.storage_hint)
        form.addRow("Photos:", storage_box)
        name_box = QVBoxLayout()
        name_box.setSpacing(4)
        name_box.addWidget(self.template_combo)
        name_box.addWidget(self.template_edit)
        name_box.addWidget(self.example_label)
        self.name_label = QLabel("&Name copies:")
        self.name_label.setBuddy(self.template_combo)
        form.addRow(self.name_label, name_box)

        self.import_button, buttons = start_cancel_buttons(
            "Import", "Start the import", "Close without importing", self.start, self.reject
        )

        layout = page_layout(page)
        layout.addWidget(heading("Import photos"))
        layout.addWidget(
            hint(
                "Photos already in this project are recognised and skipped, "
                "so importing twice is harmless."
            )
        )
        layout.addSpacing(4)
        layout.addWidget(QLabel("From these folders and files:"))
        layout.addLayout(sources_row, 1)
        layout.addWidget(self.empty_hint)
        layout.addSpacing(4)
        layout.addLayout(form)
        layout.addSpacing(6)
        layout.addLayout(buttons)
        return page

    def sources(self) -> list[Path]:
        return [
            Path(self.sources_list.item(i).data(Qt.ItemDataRole.UserRole))
            for i in range(self.sources_list.count())
        ]

    def add_sources(self, paths: list[Path]) -> None:
        known = set(self.sources())
        for path in paths:
            if path in known:
                continue
            known.add(path)
            is_folder = path.is_dir()
            # Name on the first line, where it is on the second, shortened in the middle so
            # the end of a long path (the part people recognise) stays visible.
            where = self.sources_list.fontMetrics().elidedText(
                str(path.parent), Qt.TextElideMode.ElideMiddle, 340
            )
            item = QListWidgetItem(f"{path.name or path}\n{where}")
            icon = (
                QStyle.StandardPixmap.SP_DirIcon if is_folder else QStyle.StandardPixmap.SP_FileIcon
            )
            item.setIcon(self.style().standardIcon(icon))
            item.setData(Qt.ItemDataRole.UserRole, str(path))
            item.setToolTip(f"{'Folder' if is_folder else 'File'}: {path}")
            self.sources_list.addItem(item)
        self._update_setup()

    def _add_folder(self) -> None:
        folder = choose_folder(self)
        if folder is not None:
            self.add_sources([folder])
            self._ready_to_import()

    def _add_files(self) -> None:
        self.add_sources(choose_files(self))
        self._ready_to_import()

    def _ready_to_import(self) -> None:
        # Keyboard flow: Ctrl+I, Enter (Add folder…), pick it, Enter (Import).
        if self.import_button.isEnabled():
            self.import_button.setFocus()

    def _remove_selected(self) -> None:
        for item in self.sources_list.selectedItems():
            self.sources_list.takeItem(self.sources_list.row(item))
        self._update_setup()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if self.pages.currentIndex() == 0 and event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        paths = [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]
        self.add_sources(paths)
        event.acceptProposedAction()

    def _template_chosen(self) -> None:
        template = self.template_combo.currentData()
        if template:
            self.template_edit.setText(str(template))
        self._update_setup()

    def template(self) -> str:
        return self.template_edit.text().strip()

    def _naming_ready(self, context: NamingContext) -> None:
        if not self._closing:
            self._naming = context
            self._update_setup()

    def _example(self) -> tuple[str | None, str | None]:
        """(example file name, None) or (None, what is wrong with the template); the name
        is None too until the catalog's numbers have arrived."""
        try:
            naming.validate_template(self.template())
            if self._naming is None:
                return None, None
            return example_file_name(self._naming, self.template()), None
        except UserError as exc:
            return None, str(exc)

    def template_error(self) -> str | None:
        return self._example()[1]

    def _update_setup(self, *_args: object) -> None:
        has_sources = self.sources_list.count() > 0
        self.empty_hint.setVisible(not has_sources)
        self.remove_button.setEnabled(bool(self.sources_list.selectedItems()))
        copying = self.copy_radio.isChecked()
        self.storage_hint.setText(
            "Safe to format the card afterwards."
            if copying
            else "Nothing is copied: the drive must stay connected."
        )
        custom = self.template_combo.currentText() == CUSTOM
        for widget in (self.name_label, self.template_combo, self.template_edit):
            widget.setEnabled(copying)
        self.template_edit.setVisible(custom)
        example, error = self._example() if copying else (None, None)
        if not copying:
            self.example_label.setText("Files keep their own names.")
        elif error:
            self.example_label.setText(f"⚠ {sentence(error)}")
        else:
            self.example_label.setText(f"Example: {example or '…'}")
        self.example_label.setEnabled(copying)
        self.import_button.setEnabled(has_sources and error is None)

    def _restore_choices(self) -> None:
        settings = QSettings()
        if settings.value("import/reference", "false") in (True, "true"):
            self.reference_radio.setChecked(True)
        template = str(settings.value("import/template", naming.DEFAULT_TEMPLATE))
        index = self.template_combo.findData(template)
        if index >= 0:
            self.template_combo.setCurrentIndex(index)
        else:
            self.template_combo.setCurrentIndex(self.template_combo.count() - 1)
            self.template_edit.setText(template)

    def _remember_choices(self) -> None:
        settings = QSettings()
        settings.setValue("import/reference", self.reference_radio.isChecked())
        settings.setValue("import/template", self.template())

    # --- progress page ---------------------------------------------------------------

    def _build_progress_page(self) -> QWidget:
        page = QWidget()
        self.progress_title = heading("Importing photos…")
        self.progress_bar = QProgressBar()
        self.progress_bar.setAccessibleName("Import progress")
        self.progress_bar.setTextVisible(True)
        self.status_label = QLabel()
        self.status_label.setAccessibleName("Import status")
        self.status_label.setWordWrap(True)
        self.work_hint = hint(
            "New photos appear in the grid as they arrive: you can start rating and picking "
            "now. “Keep working” puts this window away; the import goes on and its progress "
            "shows at the bottom of the main window."
        )
        self.failure_list = FailureList(
            self.pages,
            accessible_name="Files that could not be imported",
            headers=["File", "Why it could not be imported"],
            noun="file",
            outcome="could not be imported",
            word_wrap=True,
        )
        self.failures_label = self.failure_list.label
        self.failures = self.failure_list.tree

        self.stop_button = stop_button("&Stop import", "Stop the import", self.stop)
        self.background_button = QPushButton("&Keep working")
        self.background_button.setAccessibleName(
            "Put this window away; the import goes on, with its progress in the status bar"
        )
        self.background_button.setToolTip(
            "The import goes on; its progress shows at the bottom of the main window"
        )
        self.background_button.clicked.connect(self.put_away)
        self.close_button = QPushButton("Close")
        self.close_button.setAccessibleName("Close the import window")
        self.close_button.clicked.connect(self.accept)
        self.close_button.setVisible(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.stop_button)
        buttons.addStretch(1)
        buttons.addWidget(self.background_button)
        buttons.addWidget(self.close_button)

        layout = page_layout(page)
        layout.addWidget(self.progress_title)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.status_label)
        layout.addWidget(self.work_hint)
        layout.addWidget(self.failures_label)
        layout.addWidget(self.failures, 1)
        layout.addStretch(0)
        layout.addLayout(buttons)
        return page

    # --- running ---------------------------------------------------------------------

    def start(self) -> None:
        """Start importing what the setup page says (on a worker thread)."""
        sources = self.sources()
        if not sources or self.job is not None:
            return
        copying = self.copy_radio.isChecked()
        template = self.template() if copying else None
        if copying and self.template_error():
            return
        self._remember_choices()
        workers, project = self.workers, self.project

        def work(
            access: CatalogAccess, progress: ProgressCallback, cancel: CancelToken
        ) -> ImportSummary:
            return import_sources(
                project,
                sources,
                access=access,
                reference=not copying,
                rename_template=template,
                progress=progress,
                cancel=cancel,
                workers=workers,
            )

        self.job = BackgroundJob(self._catalog.access(), work, self)
        self.job.progress.connect(self._on_progress)
        self.job.succeeded.connect(self._on_succeeded)
        self.job.failed.connect(self._on_failed)
        self.job.cancelled.connect(lambda: self._on_failed("the import was stopped"))
        self.pages.show_page(1)
        self.progress_bar.setRange(0, 0)  # busy until the scan knows how many
        self.status_label.setText("Looking for photos…")
        # Focus on the harmless button: a second Enter must not stop the import.
        self.background_button.setDefault(True)
        self.background_button.setFocus()
        self._flush_timer.start()
        self.job.start()

    def stop(self) -> None:
        """Ask the import to stop; photos already imported stay in the project."""
        ask_job_to_stop(
            self.job,
            self.stop_button,
            self.progress_title,
            self.status_label,
            "Finishing the photo in hand. Photos already imported stay in the project.",
        )

    def _on_progress(self, event: ProgressEvent) -> None:
        if event.kind == "photo_added" and event.photo_id is not None:
            self._counts["added"] += 1
            self._pending_added.append(event.photo_id)
        elif event.kind == "thumbnail_ready" and event.photo_id is not None:
            self._counts["thumbs"] += 1
            self._pending_thumbs.append(event.photo_id)
        elif event.kind == "duplicate":
            self._counts["duplicates"] += 1
        elif event.kind == "failed":
            self._counts["failed"] += 1
            self._add_failure(str(event.path or ""), event.message)
        if event.phase == "importing" and event.total:
            self._total = event.total
        if self.job is not None and self.job.cancel_token.cancelled:
            return  # keep saying "Stopping…"
        if event.phase == "scanning":
            self.status_label.setText("Looking for photos…")
            return
        if event.phase == "thumbnails" and event.total:
            self._thumbs_total = event.total
        # The bar and the texts follow at the flush timer's pace, not per photo: a progress
        # bar repaints itself at once on every new value, and two events per photo made the
        # window stall for tens of milliseconds at a time during a fast import.
        self._progress_dirty = True

    def _show_progress(self) -> None:
        if not self._progress_dirty:
            return
        self._progress_dirty = False
        if self.job is not None and self.job.cancel_token.cancelled:
            return  # keep saying "Stopping…"
        processed = self._counts["added"] + self._counts["duplicates"] + self._counts["failed"]
        processed = min(processed, self._total)
        if processed < self._total or not self._thumbs_total:
            done, total, short = processed, self._total, f"Importing {processed} of {self._total}"
        else:  # every file is in; the sharper thumbnails are still being made
            done, total = self._counts["thumbs"], self._thumbs_total
            short = f"Making thumbnails: {done} of {total}"
        if total:
            self.progress_bar.setRange(0, total)
            self.progress_bar.setValue(min(done, total))
            self.progress_bar.setFormat(short)
        self.status_label.setText(self._status_text())
        self.progress_changed.emit(min(done, total), total, short if total else "Importing…")

    def _status_text(self) -> str:
        parts = [f"{count(self._counts['added'], 'photo')} imported"]
        if self._counts["duplicates"]:
            parts.append(f"{self._counts['duplicates']} already in the project")
        if self._counts["failed"]:
            parts.append(f"{self._counts['failed']} could not be read")
        if self._counts["thumbs"]:
            parts.append(f"{self._counts['thumbs']} thumbnails made")
        return " · ".join(parts)

    def _add_failure(self, path: str, reason: str) -> None:
        self.failure_list.add(path, sentence(reason) or "Could not be read")

    def _flush(self) -> None:
        self._show_progress()
        if self._pending_added:
            added, self._pending_added = self._pending_added, []
            self.photos_added.emit(added)
        if self._pending_thumbs:
            thumbs, self._pending_thumbs = self._pending_thumbs, []
            self.thumbnails_ready.emit(thumbs)

    def _on_succeeded(self, summary: ImportSummary) -> None:
        self._flush_timer.stop()
        self._flush()
        self.summary = summary
        self._show_result(summary)
        self.import_finished.emit(summary)

    def _on_failed(self, message: str) -> None:
        self._flush_timer.stop()
        self._flush()
        self._finish_page("Import did not finish")
        self.status_label.setText(message[:1].upper() + message[1:])
        self.pages.fit()
        messages.show_error(self, "The import did not finish", message)
        self.import_finished.emit(None)

    def _finish_page(self, title: str) -> None:
        self.progress_title.setText(title)
        self.stop_button.setVisible(False)
        self.background_button.setVisible(False)
        self.close_button.setVisible(True)
        self.close_button.setDefault(True)
        self.close_button.setFocus()
        self.work_hint.setVisible(False)
        if self.progress_bar.maximum() == 0:
            self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(self.progress_bar.maximum())

    def _show_result(self, summary: ImportSummary) -> None:
        imported = len(summary.imported)
        if summary.cancelled:
            self._finish_page("Import stopped")
            self.progress_bar.setValue(min(self.progress_bar.value(), self.progress_bar.maximum()))
        elif summary.failed:
            self._finish_page("Import finished, with problems")
        else:
            self._finish_page("Import finished")
        seconds = max(1, round(summary.seconds))
        lines = [f"{count(imported, 'photo')} imported in {seconds} s."]
        if summary.cancelled:
            lines[0] = (
                f"Stopped by you: {count(imported, 'photo')} imported before the stop stay in "
                "the project. Import the same folders again to bring in the rest."
            )
        elif imported == 0 and not summary.failed:
            lines[0] = "No new photos found."
        if summary.duplicates:
            lines.append(
                f"{count(summary.duplicates, 'photo was', 'photos were')} already in the project "
                "and skipped."
            )
        if summary.skipped:
            lines.append(f"{count(summary.skipped, 'other file')} (not photos) left alone.")
        if summary.warnings:
            noted = {w["path"] for w in summary.warnings}
            first = summary.warnings[0]
            lines.append(
                f"{count(len(noted), 'photo has', 'photos have')} a note, for example "
                f"{Path(first['path']).name}: {first['warning']}."
            )
        if imported and not summary.failed and not summary.cancelled:
            lines.append("Every photo was read without a problem.")
        self.status_label.setText("\n".join(lines))  # one fact per line, easy to scan
        # Failures were listed as they happened; a damaged file found only while making its
        # thumbnail is reported the same way, so the list is complete.
        listed = self.failure_list.count()
        for failure in summary.failed[listed:]:
            self._add_failure(failure["path"], failure["error"])
        self.pages.fit()

    # --- closing ---------------------------------------------------------------------

    def put_away(self) -> None:
        """Hide the window while the import goes on (its progress moves to the status bar)."""
        if self.is_running():
            self.hide()
            self.backgrounded.emit()

    def _close_while_running(self) -> None:
        """Esc, Cancel or closing the window while importing: put the window away; the
        import goes on (stopping is the Stop button's job, so a stray Esc loses nothing)."""
        self.put_away()

    def shutdown(self) -> None:
        """Stop the import and wait for its thread (the window is closing the project).

        Nothing is announced afterwards: the grid and the catalog connection are going away.
        """
        self._closing = True
        self._flush_timer.stop()
        cancel_and_wait(self.job)
