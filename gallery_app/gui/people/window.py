"""The People window: the register with everyone's consent, the consent review queue, and the
audit log.

A comms officer comes here for two jobs. Before export: work through the photos that need
review — mark the empty-room shots (N), tag who is shown (T), or sign a photo off with a reason
(O) — without touching the mouse. After an event: keep the register right — import the
registration CSV, add the walk-in speaker, record the e-mailed consent form, and handle a
withdrawal, which first shows every photo and every published file it touches. When someone
complains, the audit log shows who recorded or overrode what, when and why.

Photo edits (the "no identifiable people" mark, tags) are core edits pushed onto the main
window's undo stack, so Ctrl+Z undoes them from either window. Consent records, overrides and
withdrawals are append-only by design (the audit log is the point) and are not undoable; the
dialogs say so. After any change the affected photos are handed to ``on_photos_changed`` so
the grid's consent badges update at once.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    Qt,
    Signal,
)
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QFileDialog,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from gallery_app.core.catalog.photos import PhotoQuery
from gallery_app.core.consent import store
from gallery_app.core.consent.model import Verdict
from gallery_app.core.edits import Edit, EditRequest
from gallery_app.core.errors import GalleryError
from gallery_app.core.people import register
from gallery_app.core.project import Project
from gallery_app.gui import messages
from gallery_app.gui.catalog_thread import CatalogThread
from gallery_app.gui.models.photo_grid_model import PhotoGridModel, ThreadedCatalogSource
from gallery_app.gui.people import dialogs
from gallery_app.gui.people.audit_page import AuditPage
from gallery_app.gui.people.register_page import PeoplePage
from gallery_app.gui.people.review_page import ReviewPage
from gallery_app.gui.thumbnail_loader import ThumbnailLoader
from gallery_app.gui.undo import push_request
from gallery_app.gui.views.photo_grid_view import PhotoGridView

PhotosChanged = Callable[[list[int]], None]


class PeopleWindow(QWidget):
    """The register, the review queue and the audit log as tabs of one window."""

    show_photo_requested = Signal(int)
    """The user wants to see this photo in the main grid."""

    PEOPLE_TAB = 0
    REVIEW_TAB = 1
    AUDIT_TAB = 2

    def __init__(
        self,
        project: Project,
        undo_stack: QUndoStack,
        on_photos_changed: PhotosChanged,
        parent: QWidget | None = None,
        *,
        catalog: CatalogThread,
        on_edit: Callable[[Edit], None],
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.project = project
        self.undo_stack = undo_stack
        self.catalog = catalog
        self._on_photos_changed = on_photos_changed
        self._on_edit = on_edit
        self.setWindowTitle("People and consent")  # the event's name follows
        catalog.submit(lambda p: p.defaults().event_name, self._show_event_name)
        self.setAccessibleName("People and consent")
        self.loader = ThumbnailLoader(self, threads=1)
        self.people_page = PeoplePage(self)
        self.review_page = ReviewPage(self)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.people_page, "&People register")
        self.tabs.addTab(self.review_page, "&Review queue")
        self.audit_page = AuditPage(self)
        self.tabs.addTab(self.audit_page, "&Audit log")
        self.tabs.currentChanged.connect(self._tab_changed)
        self.tabs.setAccessibleName("People and consent")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.tabs)
        self._build_actions()
        self._closed = False
        self._withdrawal_asked = False
        self.resize(1260, 740)
        self.refresh()

    def _show_event_name(self, event: str) -> None:
        if not self._closed:
            self.setWindowTitle(f"People and consent — {event}")

    # --- keys ----------------------------------------------------------------------------

    def _build_actions(self) -> None:
        def action(text: str, keys: list[str], slot: Callable[[], None], page: QWidget) -> QAction:
            act = QAction(text, page)
            act.setShortcuts([QKeySequence(k) for k in keys])
            act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            act.triggered.connect(slot)
            page.addAction(act)
            return act

        people, review = self.people_page, self.review_page
        action("Find", ["Ctrl+F"], people.search.setFocus, people)
        action("Add person", ["Ctrl+N"], self.add_person, people)
        action("Edit person", ["F2"], self.edit_person, people)
        action("Record consent", ["Ctrl+R"], self.record_consent, people)
        action("Withdraw consent", ["Ctrl+Shift+W"], self.withdraw, people)
        action("Import registration", ["Ctrl+I"], self.import_csv, people)
        self.mark_action = action("No identifiable people", ["N"], self.mark_no_people, review)
        action("Tag people", ["T"], self.tag_people, review)
        action("Use anyway", ["O"], self.override, review)
        redo = self.undo_stack.createRedoAction(self, "Redo")
        redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        undo = self.undo_stack.createUndoAction(self, "Undo")
        undo.setShortcuts([QKeySequence("Ctrl+Z")])
        for act in (undo, redo):
            act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            self.addAction(act)
        for number, tab in (
            ("1", self.PEOPLE_TAB),
            ("2", self.REVIEW_TAB),
            ("3", self.AUDIT_TAB),
        ):
            switch = QAction(self)
            switch.setShortcut(QKeySequence(f"Ctrl+{number}"))
            switch.triggered.connect(lambda _c=False, t=tab: self.show_tab(t))
            self.addAction(switch)

    def show_tab(self, tab: int) -> None:
        self.tabs.setCurrentIndex(tab)
        page = self.tabs.widget(tab)
        if isinstance(page, (PeoplePage, ReviewPage, AuditPage)):
            page.table.setFocus()

    def _tab_changed(self, tab: int) -> None:
        if tab == self.AUDIT_TAB and not self._closed:
            self.audit_page.reload()

    # --- refreshing ----------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the register again, and recompute the queue in the background."""
        if self._closed:
            return
        self._reload_people()
        self.review_page.reload()
        if self.tabs.currentIndex() == self.AUDIT_TAB:
            self.audit_page.reload()

    def edit_applied(self, edit: Edit) -> None:
        """An edit was applied, undone or redone on the catalog thread — here, in the grid or
        in the metadata panel (the main window relays it). Only its photos are re-checked."""
        if self._closed or not edit.changes:
            return
        tags_changed = any(c.field == "people" for c in edit.changes)
        self._photos_changed(edit.photo_ids, register_changed=tags_changed)

    def _photos_changed(self, photo_ids: list[int], *, register_changed: bool) -> None:
        """Bring this window up to date with a change to these photos' verdicts."""
        if self._closed:
            return
        if register_changed:  # new people, photo counts, who is on which photo
            self._reload_people()
        else:
            self.people_page.panel.refresh_photos(photo_ids)
        self.review_page.update_photos(photo_ids)

    def _changed(self, photo_ids: list[int]) -> None:
        """The register changed (consent, a person's details): repaint every badge of these
        photos, in the grid and here."""
        self._on_photos_changed(photo_ids)
        self._photos_changed(photo_ids, register_changed=True)

    def _reload_people(self, then: Callable[[], object] | None = None) -> None:
        """Read the register on the catalog thread and show it (then run ``then``)."""

        def show(people: list[dict[str, Any]]) -> None:
            if self._closed:
                return
            self.people_page.reload(people)
            if then is not None:
                then()

        self.catalog.submit(
            lambda p: register.list_people(p.conn),
            show,
            lambda text: messages.show_error(self, "Could not read the people register", text),
        )

    def _failed(self, title: str) -> Callable[[str], None]:
        """An error callback that shows ``title`` and the catalog thread's sentence."""
        return lambda text: messages.show_error(self, title, text)

    def _changed_later(self, photo_ids: list[int]) -> None:
        if not self._closed:
            self._changed(photo_ids)

    # --- register actions -----------------------------------------------------------------
    # Each action reads the dialog on the GUI thread, then submits one job to the window's
    # catalog thread that makes the change and returns what the window needs to update.

    def add_person(self) -> None:
        dialog = dialogs.PersonDialog(self)
        if not dialogs.run_dialog(dialog):
            return
        values = dialog.values()

        def added(person: Any) -> None:
            if not self._closed:
                self._reload_people(lambda: self.people_page.select_person(person.id))

        self.catalog.submit(
            lambda p: register.add_person(p, **values),
            added,
            self._failed("Could not add the person"),
        )

    def edit_person(self) -> None:
        person = self.people_page.current_person()
        if person is None:
            return
        dialog = dialogs.PersonDialog(self, person)
        if not dialogs.run_dialog(dialog):
            return
        values = dialog.values()
        person_id = int(person["id"])

        def work(project: Project) -> list[int]:
            register.update_person(project, person_id, **values)
            return photos_of(project, person_id)

        self.catalog.submit(work, self._changed_later, self._failed("Could not change the person"))

    def record_consent(self) -> None:
        person = self.people_page.current_person()
        if person is None:
            return
        dialog = dialogs.ConsentDialog(person, self)
        if not dialogs.run_dialog(dialog):
            return
        values = dialog.values()
        person_id = int(person["id"])

        def work(project: Project) -> list[int]:
            record = store.new_record(
                values["status"],
                values["uses"],
                valid_from=values["valid_from"],
                valid_until=values["valid_until"],
                evidence=values["evidence"],
                guardian=values["guardian"],
            )
            store.add_record(project, str(person_id), record)
            return photos_of(project, person_id)

        self.catalog.submit(work, self._changed_later, self._failed("Could not record the consent"))

    def withdraw(self) -> None:
        person_row = self.people_page.current_person()
        if person_row is None or self._withdrawal_asked:
            return  # a second press before the first dialog is up opens no second one
        person_id = str(person_row["id"])

        def prepare(project: Project) -> tuple[Any, Any]:
            person = register.find_person(project.conn, person_id)
            return person, store.affected_by(project.conn, person)

        def failed(message: str) -> None:
            self._withdrawal_asked = False
            self._failed("Could not prepare the withdrawal")(message)

        self._withdrawal_asked = True
        self.catalog.submit(prepare, lambda found: self._confirm_withdrawal(*found), failed)

    def _confirm_withdrawal(self, person: Any, preview: Any) -> None:
        self._withdrawal_asked = False
        if self._closed:
            return
        source = ThreadedCatalogSource(
            self.project, self.catalog, PhotoQuery(person=person.name, sort="time")
        )
        model = PhotoGridModel(source, self.loader)
        grid = PhotoGridView()
        grid.setAccessibleName(f"Photos of {person.name}")
        grid.setModel(model)
        model.setParent(grid)

        def record(reason: str, done: Callable[[dict[str, Any] | None], None]) -> None:
            # The dialog waits (its button disabled) for the outcome from the catalog thread:
            # recording a withdrawal is a few small writes, but they queue behind any edit.
            def recorded(result: dict[str, Any]) -> None:
                if self._closed:
                    # Recorded: the dialog (if it is still there) shows what to take down
                    # rather than staying on "Recording…" with its buttons off.
                    with contextlib.suppress(RuntimeError):  # deleted with the window
                        done(result)
                    return
                model.refresh(result["photos"])
                self._changed(result["photos"])
                done(result)

            def failed(text: str) -> None:
                messages.show_error(self, "Could not record the withdrawal", text)
                done(None)

            self.catalog.submit(
                lambda p: store.withdraw(p, str(person.id), reason or None), recorded, failed
            )

        self.withdrawal_dialog = dialogs.WithdrawalDialog(preview, grid, record, self)
        dialogs.run_dialog(self.withdrawal_dialog)

    def import_csv(self) -> None:
        path = choose_csv(self)
        if path is None:
            return
        preview = dialogs.ImportPreviewDialog(path, self)
        if preview.fatal is not None:
            messages.show_error(self, f"Could not import {path.name}", preview.fatal)
            return
        if not dialogs.run_dialog(preview):
            return
        before = {p["id"]: (p["consent"], p["minor"]) for p in self.people_page.model.people()}
        mapping = preview.mapping()

        def work(project: Project) -> tuple[Any, list[dict[str, Any]], list[int]]:
            result = register.import_registration(project, path, mapping=mapping)
            people = register.list_people(project.conn)
            # Repaint the grid's badges of the people whose consent (or minor flag) changed
            # only: on a big project, "every tagged photo" would be thousands of rows.
            changed = [p["id"] for p in people if before.get(p["id"]) != (p["consent"], p["minor"])]
            photos = sorted({i for pid in changed for i in photos_of(project, int(pid))})
            return result, people, photos

        def imported(outcome: tuple[Any, list[dict[str, Any]], list[int]]) -> None:
            if self._closed:
                return
            result, people, photos = outcome
            self.people_page.reload(people)
            self.review_page.reload()
            if self.tabs.currentIndex() == self.AUDIT_TAB:
                self.audit_page.reload()
            self._on_photos_changed(photos)
            dialogs.run_dialog(dialogs.ImportResultDialog(path, result, self))

        self.catalog.submit(work, imported, self._failed(f"Could not import {path.name}"))

    def export_csv(self) -> None:
        """The register with today's consent per use, for a data-protection officer or Excel
        (cells that Excel would run as formulas are neutralised by the core)."""
        self.catalog.submit(
            lambda p: p.defaults().event_name,
            self._save_register_as,
            self._failed("Could not save the register"),
        )

    def _save_register_as(self, event: str) -> None:
        """Ask where to save (the event's name suggests the file name), then save there."""
        if self._closed:
            return
        path = choose_save_csv(self, f"{event} people.csv")
        if path is None:
            return

        def saved(count: int) -> None:
            if not self._closed:
                self.people_page.summary.setText(
                    f"Saved {count} {'person' if count == 1 else 'people'} to {path.name}."
                )

        self.catalog.submit(
            lambda p: register.export_people(p.conn, path),
            saved,
            self._failed("Could not save the register"),
        )

    # --- review actions --------------------------------------------------------------------

    def _review_ids(self) -> list[int]:
        if self.tabs.currentIndex() != self.REVIEW_TAB:
            return []
        return self.review_page.selected_ids()

    def mark_no_people(self) -> None:
        """N: the selected photos show nobody who could be recognised (one undo step)."""
        self._edit(self._review_ids(), EditRequest(no_identifiable_people=True))

    def tag_people(self) -> None:
        ids = self._review_ids()
        if not ids:
            return
        self.catalog.submit(
            lambda p: [person["name"] for person in register.list_people(p.conn)],
            lambda names: self._ask_names(ids, names),
            self._failed("Could not read the people register"),
        )

    def _ask_names(self, ids: list[int], names: list[str]) -> None:
        if self._closed:
            return
        dialog = dialogs.TagPeopleDialog(len(ids), names, self)
        if not dialogs.run_dialog(dialog):
            return
        self._edit(ids, EditRequest(add_people=dialog.names()))

    def _edit(self, ids: list[int], request: EditRequest) -> None:
        """One core edit, one undo step on the main window's stack. This window updates from
        the stack's index change, like for edits made anywhere else."""
        if not ids:
            return
        push_request(
            self.catalog,
            self.undo_stack,
            ids,
            request,
            on_changed=self._on_edit,
            on_error=lambda text: messages.show_error(self, "Could not change the photos", text),
        )

    def override(self) -> None:
        ids = self._review_ids()
        if not ids:
            return
        page = self.review_page
        items = [page.model.item(r) for r in range(page.model.rowCount())]
        chosen = [item for item in items if item.photo_id in set(ids)]
        if any(item.verdict is Verdict.BLOCKED for item in chosen):
            messages.show_error(
                self,
                "Blocked photos cannot be used",
                "someone on a selected photo refused or withdrew consent, or their consent "
                "expired; no reason can override that. Remove a wrong tag instead",
            )
            return
        reasons = list(dict.fromkeys(r for item in chosen for r in item.reasons))
        dialog = dialogs.OverrideDialog(len(chosen), page.use, reasons, self)
        if not dialogs.run_dialog(dialog):
            return
        use, reason = page.use, dialog.reason()
        targets = [(item.photo_id, item.filename) for item in chosen]

        def work(project: Project) -> tuple[list[int], list[str]]:
            failed: list[str] = []
            done: list[int] = []
            for photo_id, filename in targets:  # one bad photo does not stop the others
                try:
                    store.override(project, photo_id, use, reason)
                    done.append(photo_id)
                except GalleryError as exc:
                    failed.append(f"{filename}: {exc}")
            return done, failed

        def overridden(outcome: tuple[list[int], list[str]]) -> None:
            done, failed = outcome
            if self._closed:
                return
            if done:
                self._changed(done)
            if failed:
                messages.show_error(self, "Some photos were not cleared", "; ".join(failed))

        self.catalog.submit(work, overridden, self._failed("Could not clear the photos"))

    def show_in_grid(self) -> None:
        photo_id = self.review_page.current_photo_id()
        if photo_id is not None:
            self.show_photo_requested.emit(photo_id)

    # --- closing ---------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Stop the worker threads; after this the window never touches the project."""
        self._closed = True
        self.loader.shutdown()
        self.review_page.shutdown()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.loader.reset()
        super().closeEvent(event)


def photos_of(project: Project, person_id: int) -> list[int]:
    """The photos this person is tagged on (runs on the catalog thread)."""
    return [
        int(r[0])
        for r in project.conn.execute(
            "SELECT photo_id FROM photo_people WHERE person_id = ?", (person_id,)
        )
    ]


def choose_csv(parent: QWidget | None) -> Path | None:
    """Ask for a registration export (tests replace this)."""
    name, _ = QFileDialog.getOpenFileName(
        parent,
        "Import a registration CSV",
        str(Path.home()),
        "Registration exports (*.csv *.txt);;All files (*)",
    )
    return Path(name) if name else None


def choose_save_csv(parent: QWidget | None, suggested: str) -> Path | None:
    """Ask where to save the register (tests replace this)."""
    safe = "".join(c if c.isalnum() or c in " -_." else "-" for c in suggested)
    name, _ = QFileDialog.getSaveFileName(
        parent, "Save the register as CSV", str(Path.home() / safe), "CSV files (*.csv)"
    )
    return Path(name) if name else None
