"""Wires the filter bar, the metadata panel and the camera-clock dialog into the main window.

Every catalog read and write here goes through the window's catalog thread
(:class:`~gallery_app.gui.catalog_thread.CatalogThread`): a filter's ids, the photo counts, the
keyword/people/camera vocabulary, the selection summary the panel shows, and the camera clock.
With 20,000 photos the consent-verdict filter takes a few hundred milliseconds of policy work,
which would otherwise freeze the window. Results of a filter or a summary the user has already
superseded are dropped.

Kept apart from :mod:`main_window` so that the window's own code stays about the grid, culling
and the preview, and so that other parts of the app can add their menus to the window without
touching this wiring. :func:`install` lays the window out (filter bar above the grid, metadata
panel as a right-hand dock) and returns the :class:`WindowPanels` that keeps them in step with
the grid: a new filter replaces the grid's ids and keeps the selection where it can; a new
selection or an edit refreshes the panel from the core's selection summary.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import (
    QItemSelection,
    QItemSelectionModel,
    QObject,
    Qt,
    QTimer,
)
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDialog, QDockWidget, QFrame, QVBoxLayout, QWidget

from gallery_app.core import cameras, caption_templates
from gallery_app.core.cameras import CameraBody
from gallery_app.core.catalog import photos as photo_rows
from gallery_app.core.edits import EditRequest
from gallery_app.core.errors import GalleryError
from gallery_app.core.project import Project
from gallery_app.core.selection_summary import SelectionSummary, summarise
from gallery_app.gui import messages
from gallery_app.gui.catalog_thread import CatalogThread
from gallery_app.gui.clock_dialog import (
    ClockFacts,
    ClockOffsetCommand,
    ClockOffsetDialog,
    read_clock_facts,
)
from gallery_app.gui.filter_bar import FilterBar
from gallery_app.gui.metadata_panel import MetadataPanel
from gallery_app.gui.models.photo_grid_model import ThreadedCatalogSource
from gallery_app.gui.writeback_dialog import write_state_text

if TYPE_CHECKING:
    from gallery_app.gui.main_window import MainWindow


def run_dialog(dialog: QDialog) -> bool:
    """Show a dialog modally; tests replace this to fill the dialog in and accept it."""
    return dialog.exec() == QDialog.DialogCode.Accepted


class FilterableSource(ThreadedCatalogSource):
    """The grid's catalog source, whose query the filter bar sets.

    A filter job reads the ids itself and hands them to the model
    (:meth:`PhotoGridModel.reset_ids`) together with its query (:meth:`use`); any later read
    (an import's new photos, say) runs the current query, so a filter stays applied.
    """

    def use(self, query: photo_rows.PhotoQuery) -> None:
        self.query = query


_log = logging.getLogger(__name__)
T = TypeVar("T")


class FilterFailed(GalleryError):
    """A filter query failed in a way nobody foresaw; the message says what the user can do."""


def filter_ids(project: Project, query: photo_rows.PhotoQuery) -> list[int]:
    """The ids a filter shows (on the catalog thread). A bug in the query is reported as a
    sentence that says what to do, not as a generic failure, and never leaves the filter bar
    on "Filtering…"."""
    try:
        return photo_rows.list_photo_ids(project.conn, query)
    except (GalleryError, sqlite3.Error, OSError):
        raise  # the catalog thread words these itself
    except Exception as exc:
        _log.exception("filter query failed")
        raise FilterFailed(
            "the filter could not be applied because of an unexpected problem; "
            "try again, or clear the filters"
        ) from exc


@dataclass(frozen=True)
class Vocabulary:
    """What the filter bar and the panel offer, read in one catalog job."""

    keywords: list[str]
    people: list[str]
    cameras: list[CameraBody] | None
    time_range: tuple[str, str] | None


def read_vocabulary(project: Project, *, with_cameras: bool) -> Vocabulary:
    """The project's keywords (every level: "Sessions" as well as "Sessions|Panel"), people,
    and optionally its cameras and capture time range."""
    conn = project.conn
    keywords = sorted(
        {
            "|".join(parts[: depth + 1])
            for path in photo_rows.keyword_paths(conn)
            for parts in [path.split("|")]
            for depth in range(len(parts))
        },
        key=str.casefold,
    )
    return Vocabulary(
        keywords=keywords,
        people=photo_rows.people_names(conn),
        cameras=cameras.list_cameras(conn) if with_cameras else None,
        time_range=photo_rows.capture_range(conn) if with_cameras else None,
    )


@dataclass(frozen=True)
class PanelSummary:
    """What the metadata panel shows for a selection, read in one catalog job."""

    photo_ids: list[int]
    summary: SelectionSummary
    name: str
    """The file name when one photo is selected, else empty."""
    write_state: tuple[str, str]
    """The "changed since written" line and its tooltip (:func:`write_state_text`)."""
    template_values: dict[str, str] | None = None
    """The caption-template variables of the first photo (:func:`caption_templates.
    photo_values`), so the template example is filled in on the GUI thread as the user
    types; None without a selection or if they could not be read."""


def read_summary(project: Project, photo_ids: list[int]) -> PanelSummary:
    """The selection summary the panel shows, the file name when one photo is selected, and
    whether the files hold what the catalog says."""
    summary = summarise(project.conn, photo_ids)
    name = ""
    if len(photo_ids) == 1:
        try:
            name = str(photo_rows.get_photo(project.conn, photo_ids[0])["filename"])
        except GalleryError:
            name = ""
    values = None
    if photo_ids:
        try:
            values = caption_templates.photo_values(project.conn, photo_ids[:1])[photo_ids[0]]
        except GalleryError:
            values = None  # gone meanwhile: the example waits, the template still applies
    return PanelSummary(photo_ids, summary, name, write_state_text(project.conn, photo_ids), values)


class WindowPanels(QObject):
    """The filter bar and the metadata panel of one main window."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.project = window.project
        self.filter_bar = FilterBar()
        self.metadata_panel = MetadataPanel()

        stack = window.takeCentralWidget()  # taken, not replaced: replacing deletes it
        assert stack is not None
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.filter_bar)
        rule = QFrame()
        rule.setFrameShape(QFrame.Shape.HLine)
        rule.setFrameShadow(QFrame.Shadow.Sunken)
        column.addWidget(rule)
        column.addWidget(stack, 1)
        window.setCentralWidget(central)

        self.dock = QDockWidget("Details", window)
        self.dock.setObjectName("metadata_dock")
        self.dock.setWidget(self.metadata_panel)
        self.dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetClosable
            | QDockWidget.DockWidgetFeature.DockWidgetMovable
        )
        self.dock.setAllowedAreas(
            Qt.DockWidgetArea.RightDockWidgetArea | Qt.DockWidgetArea.LeftDockWidgetArea
        )
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        window.resizeDocks([self.dock], [320], Qt.Orientation.Horizontal)

        # Selecting with Shift+End over 20,000 photos changes the selection many times in one
        # event; the panel reads the summary once, after it settles.
        self._panel_timer = QTimer(self)
        self._panel_timer.setSingleShot(True)
        self._panel_timer.setInterval(0)
        self._panel_timer.timeout.connect(self.refresh_panel)
        selection = window.view.selectionModel()
        selection.selectionChanged.connect(self._panel_timer.start)
        selection.currentChanged.connect(self._panel_timer.start)
        window.model.modelReset.connect(self._panel_timer.start)
        # Imports add photos while the window is open: the "of M" follows.
        window.model.modelReset.connect(self._update_counts)
        window.model.rowsInserted.connect(self._update_counts)
        window.model.rowsRemoved.connect(self._update_counts)

        self.catalog: CatalogThread = window.catalog
        self._generation = 0
        self._summary_generation = 0
        self._template_values: tuple[int, dict[str, str]] | None = None
        """(photo id, its caption-template variables), from the latest selection summary."""
        self._vocabulary_requests = 0
        self._history_moves = 0
        """How many times the undo stack moved (push, undo, redo): see _unless_history_moved."""
        window.undo_stack.indexChanged.connect(self._on_history_moved)
        self._queries: dict[int, photo_rows.PhotoQuery] = {}
        self.filter_bar.query_changed.connect(self.apply_query)
        self.filter_bar.refresh_requested.connect(self.rerun_query)
        self.filter_bar.range_needed.connect(lambda: self.refresh_vocabulary(with_cameras=True))
        # The preview is for looking: it gets the whole height.
        window.stack.currentChanged.connect(
            lambda _index: self.filter_bar.setVisible(window.stack.currentWidget() is window.view)
        )
        self.filter_bar.done.connect(self._focus_grid)
        self.metadata_panel.edit_requested.connect(self._apply_from_panel)
        self.metadata_panel.done.connect(self._focus_grid)
        # The first paint shows the grid; the suggestions, the camera list and the time range
        # (a GROUP BY over every photo: 40 ms of a 100 ms budget with 20,000 photos) wait
        # until it is on screen.
        self._vocabulary_loaded = False
        # So do the selection's summary and the photo count: until then the panel says it is
        # loading, and the bar counts the grid's photos (the total needs a query).
        self._painted = False
        window.view.painted.connect(self._after_first_paint)
        if window.model.loading:
            self.filter_bar.count_label.setText("Loading…")  # not "0 photos": they are coming
        else:
            self.filter_bar.set_counts(window.model.rowCount(), window.model.rowCount())
            if not window.model.rowCount():
                self.metadata_panel.show_summary([], SelectionSummary(0))  # nothing to wait for
        # Culling keys go to the grid; without this the first control of the bar would get
        # the focus and "3" would be typed into the keyword box.
        window.view.setFocus()

    # --- menus ------------------------------------------------------------------------------

    def build_menus(self) -> None:
        """Add the panels' commands to the window's Photo and View menus."""
        window = self.window
        photo_menu = window.photo_menu
        photo_menu.addSeparator()
        edit_caption = photo_menu.addAction("Edit &Caption")
        edit_caption.setShortcut(QKeySequence(Qt.Key.Key_F2))
        edit_caption.triggered.connect(lambda: self.focus_panel("caption"))
        add_keyword = photo_menu.addAction("Add &Keyword…")
        add_keyword.setShortcut(QKeySequence("Ctrl+K"))
        add_keyword.triggered.connect(lambda: self.focus_panel("keywords"))
        tag_person = photo_menu.addAction("Tag &People Shown…")
        tag_person.setShortcut(QKeySequence("Ctrl+T"))
        tag_person.triggered.connect(lambda: self.focus_panel("people"))
        photo_menu.addSeparator()
        self.clock_action = photo_menu.addAction("Set Camera C&lock from This Photo…")
        self.clock_action.triggered.connect(self.set_camera_clock)

        view_menu = window.view_menu
        view_menu.addSeparator()
        find = view_menu.addAction("&Filter Photos…")
        find.setShortcut(QKeySequence.StandardKey.Find)
        find.triggered.connect(self.filter_bar.focus_search)
        refresh = view_menu.addAction("&Re-apply Filters")
        refresh.setShortcut(QKeySequence(Qt.Key.Key_F5))
        refresh.triggered.connect(self.rerun_query)
        clear = view_menu.addAction("&Clear Filters")
        clear.setShortcut(QKeySequence("Ctrl+Shift+F"))
        clear.triggered.connect(self.filter_bar.clear)
        toggle = self.dock.toggleViewAction()
        toggle.setText("&Details Panel")
        view_menu.addAction(toggle)

    def _apply_from_panel(self, photo_ids: list[int], request: object) -> None:
        assert isinstance(request, EditRequest)
        if self.window._closed:
            return  # a field losing focus as the window goes: its project is closed
        self.window.apply_to(photo_ids, request)
        # Also when the core refused it or nothing changed: the panel shows what is stored,
        # never text that only looks saved.
        self.refresh_panel()

    def focus_panel(self, field: str) -> None:
        self.dock.show()
        self.dock.raise_()
        self.metadata_panel.focus_field(field)

    def _focus_grid(self) -> None:
        window = self.window
        if window.stack.currentWidget() is window.preview:
            window.preview.setFocus()
        else:
            window.view.setFocus()

    # --- filtering --------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        """True while a filter runs (its result not yet shown)."""
        return bool(self._queries)

    def apply_query(self, query: photo_rows.PhotoQuery) -> None:
        """Start fetching the photos the query selects; the grid follows when they arrive."""
        if not isinstance(self.window.model.source, FilterableSource):
            return
        self._generation += 1
        generation = self._generation
        self._queries = {generation: query}  # an older one still running is dropped
        self.filter_bar.set_busy(True)
        self.catalog.submit(
            # Skipped if a newer filter was chosen while it waited: it would be dropped.
            lambda p: filter_ids(p, query) if generation in self._queries else [],
            lambda ids: self._on_query_finished(generation, ids, ""),
            lambda message: self._on_query_finished(generation, [], message),
        )

    def _on_query_finished(self, generation: int, ids: object, error: str) -> None:
        query = self._queries.pop(generation, None)
        if query is None or self.window._closed:
            return  # superseded by a newer filter, or the window is closing
        self.filter_bar.set_busy(False)
        if error:
            messages.show_error(self.window, "Could not filter the photos", error)
            self._update_counts()
            return
        assert isinstance(ids, list)
        self._show_ids(query, ids)

    def _show_ids(self, query: photo_rows.PhotoQuery, ids: list[int]) -> None:
        """Swap the grid's ids, keeping the selection of the photos still shown."""
        window = self.window
        source = window.model.source
        assert isinstance(source, FilterableSource)
        model = window.model
        kept = {model.photo_id_at(row) for row in self.window.view.selected_rows()}
        current = window.view.currentIndex()
        current_id = model.photo_id_at(current.row()) if current.isValid() else None
        source.use(query)
        model.reset_ids(ids)
        self._restore_selection(kept, current_id)
        self._update_counts()
        shown = window.preview.photo_id
        in_preview = window.stack.currentWidget() is window.preview
        if in_preview and (shown is None or model.row_of(shown) is None):
            window.show_grid()

    def shutdown(self) -> None:
        """Forget running filters (the window's catalog thread drops their results)."""
        self._queries.clear()

    def rerun_query(self) -> None:
        """Run the current query again (the order or the verdicts may have changed)."""
        source = self.window.model.source
        if isinstance(source, FilterableSource):
            self.apply_query(source.query)

    def _restore_selection(self, photo_ids: set[int], current_id: int | None) -> None:
        window = self.window
        model = window.model
        rows = sorted(r for r in (model.row_of(i) for i in photo_ids) if r is not None)
        selection = QItemSelection()
        start = previous = None
        for row in rows:
            if start is None:
                start = previous = row
            elif row == previous + 1:  # type: ignore[operator]
                previous = row
            else:
                selection.select(model.index(start), model.index(previous))  # type: ignore[arg-type]
                start = previous = row
        if start is not None:
            selection.select(model.index(start), model.index(previous))  # type: ignore[arg-type]
        view_selection = window.view.selectionModel()
        current_row = model.row_of(current_id) if current_id is not None else None
        if current_row is None and model.rowCount():
            current_row = rows[0] if rows else 0
        if current_row is not None:
            view_selection.setCurrentIndex(
                model.index(current_row), QItemSelectionModel.SelectionFlag.NoUpdate
            )
            window.view.scrollTo(model.index(current_row))
        view_selection.select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)

    def _update_counts(self) -> None:
        if not self._painted:
            # The project's total is a query: it waits for the first paint (then this runs
            # again); until then the bar counts what the grid has.
            if not self.window.model.loading:
                rows = self.window.model.rowCount()
                self.filter_bar.set_counts(rows, rows)
            return
        self.catalog.submit(lambda p: photo_rows.count_photos(p.conn), self._show_counts)

    def _show_counts(self, total: int) -> None:
        if not self.window._closed:
            self.filter_bar.set_counts(self.window.model.rowCount(), total)

    # --- vocabulary and the panel -----------------------------------------------------------

    def _after_first_paint(self) -> None:
        self.window.view.painted.disconnect(self._after_first_paint)
        QTimer.singleShot(0, self._after_first_frame)

    def _after_first_frame(self) -> None:
        if self.window._closed:
            return
        self._painted = True
        self.refresh_panel()
        self._update_counts()
        self.load_vocabulary()

    def load_vocabulary(self) -> None:
        """Fill the suggestions and the camera list once (deferred past the first paint)."""
        if not self._vocabulary_loaded and not self.window._closed:
            self._vocabulary_loaded = True
            self.refresh_vocabulary(with_cameras=True)

    def refresh_vocabulary(self, *, with_cameras: bool = False) -> None:
        """Offer the project's keywords and people (after every edit: it may add some).

        A read made stale by an undo step pushed, undone or redone after it is skipped on the
        catalog thread (see :meth:`_unless_history_moved`) and asked again after that step."""
        self._vocabulary_requests += 1
        request = self._vocabulary_requests
        read = self._unless_history_moved(
            lambda p: read_vocabulary(p, with_cameras=with_cameras), skippable=not with_cameras
        )
        self.catalog.submit(read, lambda result: self._show_vocabulary(result, request))

    def _show_vocabulary(self, vocabulary: Vocabulary | None, request: int = 0) -> None:
        if self.window._closed:
            return
        if vocabulary is None:
            self._after_queued_work(lambda: self._vocabulary_again(request))
            return
        self.filter_bar.set_vocabulary(
            keywords=vocabulary.keywords,
            people=vocabulary.people,
            cameras=vocabulary.cameras,
            time_range=vocabulary.time_range,
        )
        self.metadata_panel.set_vocabulary(
            vocabulary.keywords, vocabulary.people, self._template_preview
        )

    def _template_preview(self, photo_id: int, template: str) -> str:
        """The template filled in for one photo, from the variables that came with the
        selection's summary: every keystroke is string work on the GUI thread, never a wait
        for the catalog thread (which may be busy with a 1,000-photo edit). Until this photo's
        variables are in, the example is "…"; the summary that brings them redraws it."""
        caption_templates.check(template)  # a mistake is explained at once, values or not
        cached = self._template_values
        if cached is None or cached[0] != photo_id:
            return "…"
        return caption_templates.expand(template, cached[1])

    def selected_ids(self) -> list[int]:
        return self.window.selected_ids()

    def refresh_panel(self) -> None:
        """Show the current selection in the metadata panel (when its summary arrives)."""
        if self.window._closed or not self._painted:
            return  # the first one comes after the window's first paint
        ids = self.selected_ids()
        # Edits go to the new selection at once, and the panel says it is loading rather
        # than show the previous selection's values until the summary is in.
        self.metadata_panel.expect(ids, self._known_name(ids))
        self._summary_generation += 1
        generation = self._summary_generation

        def read(project: Project) -> PanelSummary | None:
            # A selection the user has already moved past (an arrow key held down) is not
            # read at all; its answer would be dropped anyway (see _show_summary).
            if generation != self._summary_generation:
                return None
            return read_summary(project, ids)

        self.catalog.submit(
            self._unless_history_moved(read),
            lambda result: self._show_summary(generation, result),
        )

    def _on_history_moved(self, *_args: object) -> None:
        self._history_moves += 1

    def _after_queued_work(self, again: Callable[[], None]) -> None:
        """A read was skipped for an undo step queued after it: once that step's result has
        been handled (it usually asks for the same read), ask again if nobody did."""

        def then(_result: object) -> None:
            if not self.window._closed:
                again()

        self.catalog.submit(lambda _p: None, then)

    def _vocabulary_again(self, request: int) -> None:
        if request == self._vocabulary_requests:
            self.refresh_vocabulary()

    def _summary_again(self, generation: int) -> None:
        if generation == self._summary_generation:
            self.refresh_panel()

    def _unless_history_moved(
        self, read: Callable[[Project], T], *, skippable: bool = True
    ) -> Callable[[Project], T | None]:
        """``read`` for the catalog thread, skipped (None) if by the time it runs an undo step
        was pushed, undone or redone after it was asked for.

        After each edit, undo or redo the panel and the suggestions are read again. Those
        reads queue on the catalog thread like the edits, so an undo pressed right after an
        edit would wait for the edit's reads, whose result is stale as soon as the undo runs.
        The step's own result asks for them again (and a skipped read asks again itself)."""
        if not skippable:
            return read
        asked_at = self._history_moves

        def run(project: Project) -> T | None:
            # Read on the catalog thread, written on the GUI thread: an int, and a late
            # look only costs one read that was not needed.
            if self._history_moves != asked_at:
                return None
            return read(project)

        return run

    def _known_name(self, ids: list[int]) -> str:
        """The file name of a single selected photo if the grid already has its row."""
        if len(ids) != 1:
            return ""
        row = self.window.model.row(ids[0])
        return row.filename if row is not None else ""

    def _show_summary(self, generation: int, result: PanelSummary | None) -> None:
        if generation != self._summary_generation or self.window._closed:
            return  # the selection moved on; a newer summary is on its way
        if result is None:
            self._after_queued_work(lambda: self._summary_again(generation))
            return
        if result.photo_ids and result.template_values is not None:
            # Keyed by its photo, so values for a selection the panel then ignores are
            # harmless; set first, because showing the summary redraws the example.
            self._template_values = (result.photo_ids[0], result.template_values)
        if self.metadata_panel.show_summary(result.photo_ids, result.summary, result.name):
            self.metadata_panel.show_write_state(*result.write_state)

    def photos_changed(self, photo_ids: list[int], *, vocabulary: bool = True) -> None:
        """After an edit, undo or redo: new keywords or people (if ``vocabulary``: the edit
        touched them), and the panel's values."""
        if vocabulary:
            self.refresh_vocabulary()
        cached = self._template_values
        if cached is not None and cached[0] in set(photo_ids):
            self._template_values = None  # its people or keywords may have changed
        if set(photo_ids) & set(self.metadata_panel.photo_ids):
            self.refresh_panel()
        self.filter_bar.set_stale(True)

    # --- camera clock -----------------------------------------------------------------------

    def set_camera_clock(self) -> None:
        """Ask when the current photo was really taken and shift its camera's photos."""
        window = self.window
        ids = window.selected_ids()
        current = window.view.currentIndex()
        photo_id = window.model.photo_id_at(current.row()) if current.isValid() else None
        if window.stack.currentWidget() is window.preview or photo_id is None:
            photo_id = ids[0] if ids else None
        if photo_id is None:
            messages.show_error(
                window, "Set camera clock", "select a photo whose real time you know first"
            )
            return
        self.catalog.submit(
            lambda p: read_clock_facts(p.conn, photo_id),
            self._ask_clock,
            lambda message: messages.show_error(
                self.window, "Could not set the camera clock", message
            ),
        )

    def _ask_clock(self, facts: ClockFacts) -> None:
        window = self.window
        if window._closed:
            return
        dialog = ClockOffsetDialog(facts, window)
        if not run_dialog(dialog):
            return
        window.undo_stack.push(
            ClockOffsetCommand(
                self.catalog,
                window.undo_stack,
                dialog.camera,
                dialog.offset_seconds(),
                on_changed=self._after_clock_change,
                on_error=self._clock_error,
            )
        )

    def _after_clock_change(self) -> None:
        self._template_values = None  # {date} follows the camera clock
        self.refresh_vocabulary(with_cameras=True)
        self.rerun_query()

    def _clock_error(self, message: str) -> None:
        messages.show_error(self.window, "Could not change the camera clock", message)


def install(window: MainWindow) -> WindowPanels:
    """Lay the window out with the filter bar and the metadata panel; call once."""
    return WindowPanels(window)
