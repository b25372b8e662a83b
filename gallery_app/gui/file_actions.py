"""File ▸ Import Photos…, Export… and Write Metadata to Files…: the window's link to the dialogs.

Kept out of ``main_window.py`` so the window only adds menu entries and one shutdown call.
This object opens each dialog (one of each at a time, raised again if already open), feeds
photos an import adds into the grid as they arrive without disturbing the user's selection,
repaints cells whose thumbnails were just made or whose consent an export override changed,
re-checks an open export plan after every edit on the window's undo stack, selects a left-out
photo in the grid when the Export dialog asks, and stops running jobs before the window closes
the project. After a write-back it re-reads the written photos' cells and the metadata panel,
so the "changed since written" markers go. It needs the window's ``project``, ``model``,
``view``, ``loader`` and ``undo_stack`` to exist when ``_build_menus`` runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelectionModel, QObject, QTimer, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QToolButton, QWidget

from gallery_app.core.catalog.photos import PhotoQuery, count_photos, list_photo_ids
from gallery_app.core.importing.importer import ImportSummary
from gallery_app.gui import messages
from gallery_app.gui.dialog_parts import count
from gallery_app.gui.export_dialog import ExportDialog
from gallery_app.gui.import_dialog import ImportDialog
from gallery_app.gui.panels import FilterableSource
from gallery_app.gui.writeback_dialog import WriteBackDialog

if TYPE_CHECKING:
    from gallery_app.gui.main_window import MainWindow


def _bring_to_front(widget: QWidget) -> None:
    """Show an already open dialog again, above the main window."""
    widget.show()
    # The offscreen platform (tests, CI) cannot raise windows and warns if asked to.
    if QGuiApplication.platformName() != "offscreen":
        widget.raise_()
        widget.activateWindow()


class ImportStatus(QWidget):
    """An import's progress in the main window's status bar while its dialog is put away."""

    show_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Import in progress")
        self.label = QLabel("Importing…")
        self.bar = QProgressBar()
        self.bar.setAccessibleName("Import progress")
        self.bar.setMaximumWidth(140)
        self.bar.setMaximumHeight(14)
        self.bar.setTextVisible(False)
        self.bar.setRange(0, 0)
        self.show_button = QToolButton()
        self.show_button.setText("Show")
        self.show_button.setAccessibleName("Show the import window")
        self.show_button.setAutoRaise(True)
        self.show_button.clicked.connect(self.show_requested)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 6, 0)
        layout.setSpacing(6)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.show_button)

    def update_progress(self, done: int, total: int, text: str) -> None:
        self.bar.setRange(0, total)  # 0 to 0: busy, while the total is not known
        self.bar.setValue(done)
        self.label.setText(text)


class FileActions(QObject):
    """The Import and Export actions of one main window, and the dialogs they open."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window
        self.import_dialog: ImportDialog | None = None
        self.export_dialog: ExportDialog | None = None
        self.writeback_dialog: WriteBackDialog | None = None
        self._closed = False
        self._ids_running = False
        self._ids_again = False
        self._writeback_asked = False
        """The project's photo count was asked for, to open the Write-back dialog with."""
        self.import_status = ImportStatus(window)
        self.import_status.show_requested.connect(self._show_import)
        self.import_status.setVisible(False)
        window.statusBar().addPermanentWidget(self.import_status)
        self.import_action = QAction("&Import Photos…", window)
        self.import_action.setShortcut(QKeySequence("Ctrl+I"))
        self.import_action.setStatusTip("Copy or add photos from a card, a drive or a folder")
        self.import_action.triggered.connect(self.open_import)
        self.export_action = QAction("&Export…", window)
        self.export_action.setShortcut(QKeySequence("Ctrl+E"))
        self.export_action.setStatusTip("Make a web gallery or images for a CMS, social or print")
        self.export_action.triggered.connect(self.open_export)
        self.writeback_action = QAction("&Write Metadata to Files…", window)
        self.writeback_action.setShortcut(QKeySequence("Ctrl+Shift+W"))
        self.writeback_action.setStatusTip(
            "Put captions, keywords and people into the photo files (or XMP sidecars) so "
            "Lightroom, Photo Mechanic, Bridge and digiKam see them"
        )
        self.writeback_action.triggered.connect(self.open_writeback)
        # Tagging or culling in the main window while the Export dialog is open changes what
        # may go out: check the plan again.
        window.edit_applied.connect(self._catalog_edited)
        # A new project is empty: its first step is an import, so offer it straight away
        # once the window is on screen, instead of leaving people to find the menu.
        QTimer.singleShot(0, self._offer_import_if_empty)

    def _offer_import_if_empty(self) -> None:
        window = self._window
        if self._closed or not window.isVisible() or window.model.rowCount() > 0:
            return
        # Asked of the catalog, not the grid: a grid filtered down to nothing is not empty.
        window.catalog.submit(
            lambda p: bool(list_photo_ids(p.conn, PhotoQuery(limit=1))), self._offer_import
        )

    def _offer_import(self, has_photos: bool) -> None:
        if not has_photos and not self._closed and self._window.isVisible():
            self.open_import()

    # --- import ----------------------------------------------------------------------

    # The dialogs are not modal: the grid stays usable (cull while an import runs).

    def open_import(self) -> ImportDialog:
        dialog = self.import_dialog
        if dialog is not None and (dialog.is_running() or dialog.isVisible()):
            self.import_status.setVisible(False)
            _bring_to_front(dialog)
            return dialog
        self._retire(self.import_dialog)
        dialog = ImportDialog(self._window.project, self._window, catalog=self._window.catalog)
        dialog.photos_added.connect(self._photos_added)
        dialog.thumbnails_ready.connect(self._thumbnails_ready)
        dialog.import_finished.connect(self._import_finished)
        dialog.progress_changed.connect(self._import_progress)
        dialog.backgrounded.connect(self._import_backgrounded)
        self.import_dialog = dialog
        dialog.show()
        return dialog

    def _photos_added(self, _photo_ids: list[int]) -> None:
        if self._closed:
            return
        source = self._window.model.source
        if not isinstance(source, FilterableSource):
            self._window.model.sync_ids()  # reads and merges the ids itself
            return
        if self._ids_running:
            self._ids_again = True  # one query at a time; run again once this one is in
            return
        self._ids_running = True
        # On the catalog thread, not the GUI thread: with a verdict filter over 20,000 photos
        # the query takes hundreds of milliseconds, and an import asks every 250 ms. A failure
        # is said in the status bar; the next ask (or F5) brings the grid up to date.
        query = source.query
        self._window.catalog.submit(
            lambda p: list_photo_ids(p.conn, query),
            lambda ids: self._ids_ready(query, ids),
            lambda message: self._ids_ready(query, None, message),
        )

    def _ids_ready(self, query: PhotoQuery, ids: list[int] | None, error: str = "") -> None:
        self._ids_running = False
        if self._closed:
            return
        if error:
            self._window.statusBar().showMessage(
                f"Could not list the imported photos yet: {error} (F5 shows them)", 15_000
            )
        source = self._window.model.source
        # A filter changed meanwhile: its own query brings the import's photos too.
        if ids is not None and isinstance(source, FilterableSource) and source.query is query:
            self._take_ids(ids)
        if self._ids_again:
            self._ids_again = False
            self._photos_added([])

    def _take_ids(self, ids: list[int]) -> None:
        """Insert these ids (the current query's) into the grid, keeping the selection."""
        model = self._window.model
        had_rows = model.rowCount() > 0
        model.merge_ids(ids)
        view = self._window.view
        if not had_rows and model.rowCount() and not view.currentIndex().isValid():
            view.setCurrentIndex(model.index(0))
        self._window._update_status()

    def _show_import(self) -> None:
        if self.import_dialog is not None:
            self.import_status.setVisible(False)
            _bring_to_front(self.import_dialog)

    def _import_backgrounded(self) -> None:
        self.import_status.setVisible(True)

    def _import_progress(self, done: int, total: int, text: str) -> None:
        self.import_status.update_progress(done, total, text)

    def _thumbnails_ready(self, photo_ids: list[int]) -> None:
        if self._closed:
            return
        # A cell painted before its thumbnail existed remembers it as missing; forget that.
        self._window.loader.forget(photo_ids)
        self._window.model.refresh(photo_ids)

    def _import_finished(self, summary: ImportSummary | None) -> None:
        if self._closed:
            return
        self.import_status.setVisible(False)
        dialog = self.import_dialog
        if dialog is not None and not dialog.isVisible():
            if summary is None or summary.failed or summary.cancelled:
                _bring_to_front(dialog)  # problems are shown, not left in a hidden window
            else:
                self._window.statusBar().showMessage(
                    f"Import finished: {count(len(summary.imported), 'photo')} imported.", 10_000
                )
        self._photos_added([])  # the last photos, read after the import's final commit
        # New photos may bring new cameras and widen the capture-time range.
        self._window.panels.refresh_vocabulary(with_cameras=True)
        if summary is not None:
            # A thumbnail load that raced its own creation may have marked the photo missing.
            loader = self._window.loader
            missing = [pid for pid in summary.imported if loader.is_missing(pid)]
            if missing:
                self._thumbnails_ready(missing)
        self._window._update_status()

    # --- export ----------------------------------------------------------------------

    def open_export(self) -> ExportDialog:
        dialog = self.export_dialog
        if dialog is not None and (dialog.is_running() or dialog.isVisible()):
            _bring_to_front(dialog)
            return dialog
        view, model = self._window.view, self._window.model
        selected = [model.photo_id_at(r) for r in view.selected_rows()]
        self._retire(self.export_dialog)
        dialog = ExportDialog(
            self._window.project, selected, self._window, catalog=self._window.catalog
        )
        dialog.verdicts_changed.connect(self._verdicts_changed)
        dialog.show_photo_requested.connect(self._show_photo)
        self.export_dialog = dialog
        dialog.show()
        return dialog

    def _catalog_edited(self, *_args: object) -> None:
        dialog = self.export_dialog
        if (
            not self._closed
            and dialog is not None
            and dialog.isVisible()
            and dialog.pages.currentIndex() == 0
        ):
            dialog.refresh_plan()

    def _show_photo(self, photo_id: int) -> None:
        """Select a photo in the grid (from the Export dialog's list) so it can be fixed."""
        window = self._window
        row = window.model.row_of(photo_id)
        if row is None:
            return  # hidden by a filter in the grid
        if window.stack.currentWidget() is not window.view:
            window.show_grid()
        index = window.model.index(row)
        window.view.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect
        )
        window.view.scrollTo(index)
        _bring_to_front(window)
        window.view.setFocus()

    def _verdicts_changed(self, photo_ids: list[int]) -> None:
        if not self._closed:
            self._window.model.refresh(photo_ids)  # the consent badges of overridden photos

    # --- write-back ------------------------------------------------------------------

    def open_writeback(self) -> WriteBackDialog | None:
        """Open the Write-back dialog, or raise the open one (returned).

        The dialog needs the project's photo count, read on the catalog thread: it opens
        when the count arrives (None is returned; :attr:`writeback_dialog` is set then), and
        the menu entry waits disabled meanwhile so a second press does not open two."""
        dialog = self.writeback_dialog
        if dialog is not None and (dialog.is_running() or dialog.isVisible()):
            _bring_to_front(dialog)
            return dialog
        if self._writeback_asked:
            return None  # already asked; the dialog opens when the count is in
        window = self._window
        # The selection itself, not the current photo: with nothing selected the whole
        # project is written (the dialog says so).
        selected = [window.model.photo_id_at(r) for r in window.view.selected_rows()]
        self._writeback_asked = True
        self.writeback_action.setEnabled(False)

        def failed(message: str) -> None:
            self._writeback_asked = False
            self.writeback_action.setEnabled(True)
            if not self._closed:
                messages.show_error(window, "Could not open Write metadata to files", message)

        window.catalog.submit(
            lambda p: count_photos(p.conn),
            lambda total: self._show_writeback(selected, total),
            failed,
        )
        return None

    def _show_writeback(self, selected: list[int], total: int) -> None:
        self._writeback_asked = False
        self.writeback_action.setEnabled(True)
        if self._closed:
            return
        window = self._window
        self._retire(self.writeback_dialog)
        dialog = WriteBackDialog(window.project, selected, total, window, catalog=window.catalog)
        dialog.photos_written.connect(self._photos_written)
        dialog.writeback_finished.connect(self._writeback_finished)
        self.writeback_dialog = dialog
        dialog.show()

    def _photos_written(self, photo_ids: list[int]) -> None:
        if not self._closed:
            self._window.model.refresh(photo_ids)

    def _writeback_finished(self, _summary: object) -> None:
        if not self._closed:
            self._window.panels.refresh_panel()  # "File: up to date" in the panel too

    @staticmethod
    def _retire(dialog: ImportDialog | ExportDialog | WriteBackDialog | None) -> None:
        """A closed dialog is replaced by a fresh one; free the old one and its threads."""
        if dialog is not None:
            dialog.shutdown()
            dialog.deleteLater()

    # --- closing ---------------------------------------------------------------------

    def shutdown(self) -> None:
        """Stop any running import or export, wait for it, and close the dialogs: they work
        on the project the window is about to close, and an open one keeps the app running."""
        if self._closed:
            return
        self._closed = True
        dialogs = (self.import_dialog, self.export_dialog, self.writeback_dialog)
        self.import_dialog = self.export_dialog = self.writeback_dialog = None
        for dialog in dialogs:
            if dialog is not None:
                dialog.shutdown()
                dialog.hide()
                dialog.deleteLater()
