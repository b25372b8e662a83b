"""The main window: the photo grid, keyboard culling with undo, and the preview.

Culling keys act on the selection (or the current photo): 0–5 rating, P pick, X reject,
U unflag, 6–9 colour labels. Each key is one core edit, pushed onto a :class:`QUndoStack` as
one step and applied in one transaction on the window's catalog thread
(:class:`~gallery_app.gui.catalog_thread.CatalogThread`, the only thread that touches the
catalog for this window); when the result arrives only the touched cells are repainted.

Layout: the filter bar sits above the grid (and the preview), the metadata panel is a
right-hand dock. A filter is a new core query: the grid model swaps its id list and the
selection is kept for the photos still shown.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QUndoStack
from PySide6.QtWidgets import QMainWindow, QMenu, QStackedWidget, QWidget

from gallery_app.core.edits import Edit, EditRequest
from gallery_app.core.project import Project
from gallery_app.gui import messages, panels, shell
from gallery_app.gui.catalog_thread import CatalogThread
from gallery_app.gui.file_actions import FileActions
from gallery_app.gui.models.photo_grid_model import PhotoGridModel, PhotoRow
from gallery_app.gui.preview import PreviewWidget
from gallery_app.gui.thumbnail_loader import ThumbnailLoader
from gallery_app.gui.undo import push_request
from gallery_app.gui.views.photo_grid_view import PhotoGridView

COLOUR_KEYS = {"6": "red", "7": "yellow", "8": "green", "9": "blue"}
KEY_HELP = "0–5 rate · P pick · X reject · U unflag · 6–9 colour · Space preview"
KEY_HELP_SHORT = "Keys: 0–5 P X U 6–9 Space"
"""The status bar's key help, and what it says in a narrow window (the tooltip has all)."""


class MainWindow(QMainWindow):
    """One open project. Owns the project and closes it with the window."""

    close_project_requested = Signal()
    edit_applied = Signal(object)
    """A core :class:`~gallery_app.core.edits.Edit` the catalog thread applied, undid or
    redid (from this window's undo stack); the People window follows it."""

    def __init__(self, project: Project, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self._closed = False
        self._opened = False
        """The grid's first ids arrived."""
        # Every catalog read and write of this window runs on this one thread.
        self.catalog = CatalogThread(project, self, error_parent=self)
        # The event's name follows from the catalog thread; the grid's ids too (the model
        # asks for them), so the window is on screen before either is read.
        self.setWindowTitle("Gallery Curator")
        self.catalog.submit(lambda p: p.defaults().event_name, self._show_title)
        self.loader = ThumbnailLoader(self)
        self.model = PhotoGridModel(
            panels.FilterableSource(project, self.catalog), self.loader, self
        )
        self.model.rows_failed.connect(self._on_rows_failed)
        self.model.ids_loaded.connect(self._on_ids_loaded)
        self.view = PhotoGridView()
        self.view.setModel(self.model)
        self.preview = PreviewWidget()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.view)
        self.stack.addWidget(self.preview)
        self.setCentralWidget(self.stack)
        self.undo_stack = QUndoStack(self)
        self.panels = panels.install(self)
        self._count_label = shell.FittingLabel()
        self._hint_label = shell.KeyHelpLabel(KEY_HELP, KEY_HELP_SHORT)
        self._hint_label.give_way_to(self._count_label)
        self.statusBar().addWidget(self._count_label, 1)
        self.statusBar().addPermanentWidget(self._hint_label)

        self._build_menus()
        self.panels.build_menus()
        self.view.selectionModel().selectionChanged.connect(self._update_status)
        self.view.doubleClicked.connect(lambda _ix: self.show_preview())
        self.preview.next_requested.connect(lambda: self.step(1))
        self.preview.previous_requested.connect(lambda: self.step(-1))
        self.preview.close_requested.connect(self.show_grid)
        self.undo_stack.indexChanged.connect(self._update_status)
        shell.install(self)  # thumbnail size, appearance, remembered window state
        self._update_status()

    # --- building ------------------------------------------------------------------------

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.file_actions = FileActions(self)
        file_menu.addAction(self.file_actions.import_action)
        file_menu.addAction(self.file_actions.export_action)
        file_menu.addAction(self.file_actions.writeback_action)  # (wbgui) write-back
        file_menu.addSeparator()
        close = file_menu.addAction("&Close project")
        close.setShortcut(QKeySequence.StandardKey.Close)
        close.triggered.connect(self._close_project)

        edit_menu = bar.addMenu("&Edit")
        self.undo_action = self.undo_stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcuts([QKeySequence("Ctrl+Z")])
        self.redo_action = self.undo_stack.createRedoAction(self, "&Redo")
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        edit_menu.addAction(self.undo_action)
        edit_menu.addAction(self.redo_action)
        select_all = edit_menu.addAction("Select &all")
        select_all.setShortcut(QKeySequence.StandardKey.SelectAll)
        select_all.triggered.connect(self.view.selectAll)

        photo_menu = bar.addMenu("&Photo")
        self.photo_menu = photo_menu
        for stars in range(6):
            label = "Clear rating" if stars == 0 else f"Rate {'★' * stars}"
            self._add_edit_action(photo_menu, label, str(stars), EditRequest(rating=stars))
        photo_menu.addSeparator()
        self._add_edit_action(photo_menu, "&Pick", "P", EditRequest(flag=1))
        self._add_edit_action(photo_menu, "&Reject", "X", EditRequest(flag=-1))
        self._add_edit_action(photo_menu, "&Unflag", "U", EditRequest(flag=0))
        photo_menu.addSeparator()
        for key, colour in COLOUR_KEYS.items():
            self._add_edit_action(
                photo_menu, f"{colour.capitalize()} label", key, EditRequest(color_label=colour)
            )
        self._add_edit_action(photo_menu, "No colour label", "Ctrl+0", EditRequest(color_label=""))

        view_menu = bar.addMenu("&View")
        self.view_menu = view_menu
        self.preview_action = view_menu.addAction("&Preview")
        self.preview_action.setShortcut(QKeySequence(Qt.Key.Key_Space))
        self.preview_action.setCheckable(True)
        self.preview_action.triggered.connect(self.toggle_preview)
        self.limit_to_photos(self.preview_action)

        from gallery_app.gui.people.menu import install_people_menu  # (gui-people)

        self.people_menu = install_people_menu(self)  # People ▸ register, review queue, N

    def _add_edit_action(self, menu: QMenu, label: str, key: str, request: EditRequest) -> QAction:
        action = QAction(label, self)
        action.setShortcut(QKeySequence(key))
        action.triggered.connect(self._edit_handler(request))
        menu.addAction(action)
        self.limit_to_photos(action)
        return action

    def limit_to_photos(self, action: QAction) -> None:
        """Make a culling key act only while the grid or the preview has the focus.

        A window-wide "3" or "N" would fire while a combo box or list in the filter bar or
        the panel has the focus, and rate or clear consent of the selected photos unseen.
        """
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.view.addAction(action)
        self.preview.addAction(action)

    def _edit_handler(self, request: EditRequest) -> Callable[[], None]:
        def handler() -> None:
            self.apply(request)

        return handler

    # --- editing -------------------------------------------------------------------------

    def selected_ids(self) -> list[int]:
        """The photos an edit acts on: the selection, else the current photo."""
        if self.stack.currentWidget() is self.preview and self.preview.photo_id is not None:
            return [self.preview.photo_id]
        rows = self.view.selected_rows()
        if not rows and self.view.currentIndex().isValid():
            rows = [self.view.currentIndex().row()]
        return [self.model.photo_id_at(r) for r in rows]

    def apply(self, request: EditRequest) -> None:
        self.apply_to(self.selected_ids(), request)

    def apply_to(self, ids: list[int], request: EditRequest) -> None:
        """Apply one request to these photos as one undo step."""
        if not ids or self._closed:
            return
        push_request(
            self.catalog,
            self.undo_stack,
            ids,
            request,
            on_changed=self.on_edit,
            on_error=self._on_error,
        )

    def on_edit(self, edit: Edit) -> None:
        """The catalog thread applied, undid or redid this edit (pushed from any window)."""
        if self._closed:
            return
        # Only keywords and people add words to the suggestions: a rating key reads none.
        terms = any(change.field in ("keywords", "people") for change in edit.changes)
        self._on_changed(edit.photo_ids, vocabulary=terms)
        self.edit_applied.emit(edit)

    def _on_changed(self, photo_ids: list[int], *, vocabulary: bool = True) -> None:
        """The catalog thread applied, undid or redid an edit of these photos (or the people
        register changed: ``vocabulary``, the names to suggest, may have too)."""
        if self._closed:
            return
        self.model.refresh(photo_ids)
        self.panels.photos_changed(photo_ids, vocabulary=vocabulary)
        shown = self.preview.photo_id
        if shown is not None and shown in photo_ids:
            self.model.fetch_row(shown, self._update_preview)
        self._update_status()

    def _update_preview(self, row: PhotoRow | None) -> None:
        if row is not None and not self._closed and self.preview.photo_id == row.photo_id:
            self.preview.update_row(row)

    def _show_title(self, event_name: str) -> None:
        if not self._closed:
            self.setWindowTitle(f"{event_name} — Gallery Curator")

    def _on_ids_loaded(self) -> None:
        """The grid's ids arrived from the catalog thread. The first time, a grid with photos
        gets a current one, so the culling keys act at once."""
        if self._closed:
            return
        if not self._opened:
            self._opened = True
            if self.model.rowCount() and not self.view.currentIndex().isValid():
                self.view.setCurrentIndex(self.model.index(0))
        self._update_status()

    def _on_rows_failed(self, message: str) -> None:
        # A status line, not a box: the grid asks again on the next paint.
        self.statusBar().showMessage(f"Could not read some photos: {message}", 10_000)

    def _on_error(self, message: str) -> None:
        messages.show_error(self, "Could not change the photos", message)

    # --- preview -------------------------------------------------------------------------

    def toggle_preview(self) -> None:
        if self.stack.currentWidget() is self.preview:
            self.show_grid()
        else:
            self.show_preview()

    def show_preview(self) -> None:
        index = self.view.currentIndex()
        if not index.isValid():
            self.preview_action.setChecked(False)
            return
        self._show_row(index)
        self.stack.setCurrentWidget(self.preview)
        self.preview_action.setChecked(True)
        self.preview.setFocus()

    def show_grid(self) -> None:
        self.stack.setCurrentWidget(self.view)
        self.preview_action.setChecked(False)
        self.view.setFocus()
        self.view.scrollTo(self.view.currentIndex())

    def step(self, delta: int) -> None:
        """Move to the next (1) or previous (-1) photo, in the preview or the grid."""
        current = self.view.currentIndex()
        row = (current.row() if current.isValid() else -1) + delta
        if not 0 <= row < self.model.rowCount():
            return
        index = self.model.index(row)
        self.view.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect
        )
        if self.stack.currentWidget() is self.preview:
            self._show_row(index)

    def _show_row(self, index: QModelIndex) -> None:
        position = f"{index.row() + 1} of {self.model.rowCount()}"
        photo_id = self.model.photo_id_at(index.row())
        # The preview is about this photo from now on, before its row arrives: a culling key
        # pressed meanwhile acts on it, not on the photo shown before.
        self.preview.expect(photo_id, position)

        def show(row: PhotoRow | None) -> None:
            if self._closed or self.preview.photo_id != photo_id:
                return  # the user moved on before the row arrived
            if row is None:
                self.preview.show_failure(photo_id, "its details could not be read")
                return
            self.preview.show_photo(row, self.model.source.cache_dir, position)

        self.model.fetch_row(photo_id, show)

    # --- status, settings, closing -------------------------------------------------------

    def _update_status(self, *_args: object) -> None:
        if self._closed:
            return  # the window is being torn down; its widgets may already be gone
        total = self.model.rowCount()
        if not total and self.model.loading:
            self._count_label.set_full_text("Loading photos…", keep="Loading photos…")
            return
        selected = self.view.selected_count()
        counts = f"{total:,} photo{'s' if total != 1 else ''}"
        if selected:
            counts += f" · {selected:,} selected"
        text = counts
        if self.undo_stack.canUndo():
            text += f" · last change: {self.undo_stack.undoText()}"
        # In a narrow window the last change gives way ("…", all of it in the tooltip).
        self._count_label.set_full_text(text, keep=counts)

    def _close_project(self) -> None:
        self.close()
        self.close_project_requested.emit()

    def shutdown(self) -> None:
        """Stop the worker pools and close the project (idempotent)."""
        if not self._closed:
            self.panels.metadata_panel.commit_pending()  # typed text, before the project goes
        self.file_actions.shutdown()  # a running import/export ends before the project closes
        self.loader.shutdown()
        self.preview.shutdown()
        self.panels.shutdown()
        if not self._closed:
            self._closed = True
            self.catalog.shutdown()  # queued edits still reach the catalog first
            self.project.close()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if not self._closed:
            shell.save(self)
        self.shutdown()
        super().closeEvent(event)
