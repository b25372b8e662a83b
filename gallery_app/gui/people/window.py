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

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QRunnable,
    QSize,
    QSortFilterProxyModel,
    Qt,
    QThreadPool,
    Signal,
)
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QPixmap, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTableView,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gallery_app.core import audit
from gallery_app.core.catalog.database import connect
from gallery_app.core.catalog.photos import PhotoQuery, file_name, get_photo
from gallery_app.core.consent import store
from gallery_app.core.consent.model import USES, ConsentStatus, Verdict
from gallery_app.core.consent.review import ReviewQueue, review_items, review_queue, shows
from gallery_app.core.edits import EditRequest
from gallery_app.core.errors import GalleryError
from gallery_app.core.people import register
from gallery_app.core.project import Project
from gallery_app.gui import messages
from gallery_app.gui.models.photo_grid_model import CatalogSource, PhotoGridModel, Roles
from gallery_app.gui.people import dialogs
from gallery_app.gui.people.models import (
    STATE_TEXT,
    STATE_TONE,
    AuditLogModel,
    PeopleFilterModel,
    PeopleTableModel,
    ReviewQueueModel,
    tone_colours,
)
from gallery_app.gui.thumbnail_loader import ThumbnailLoader
from gallery_app.gui.undo import CoreEditCommand, apply_request
from gallery_app.gui.views.photo_grid_view import PhotoGridView

PhotosChanged = Callable[[list[int]], None]

STATUS_WORD = {
    ConsentStatus.GRANTED.value: "✓ Granted",
    ConsentStatus.REFUSED.value: "✕ Refused",
    ConsentStatus.WITHDRAWN.value: "⊘ Withdrawn",
}


def _table(name: str) -> QTableView:
    table = QTableView()
    table.setAccessibleName(name)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    table.setAlternatingRowColors(True)
    table.setShowGrid(False)
    table.setWordWrap(False)
    table.verticalHeader().hide()
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    table.verticalHeader().setDefaultSectionSize(28)
    table.horizontalHeader().setHighlightSections(False)
    table.horizontalHeader().setDefaultAlignment(
        Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
    )
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    return table


def _button(text: str, accessible: str, shortcut: str = "") -> QPushButton:
    button = QPushButton(text)
    button.setAccessibleName(accessible)
    if shortcut:
        button.setToolTip(f"{accessible} ({QKeySequence(shortcut).toString()})")
    return button


def _section(text: str) -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label


def _style_chip(chip: QLabel, text: str, tone: str) -> None:
    background, foreground = tone_colours(tone)
    chip.setText(text)
    chip.setStyleSheet(
        f"background: {background}; color: {foreground}; border: 1px solid {foreground};"
        " border-radius: 9px; padding: 1px 8px;"
    )


class PersonPanel(QWidget):
    """The selected person: details, consent today per use, history, and their photos."""

    photo_activated = Signal(int)

    def __init__(self, project: Project, loader: ThumbnailLoader) -> None:
        super().__init__()
        self.setAccessibleName("Selected person")
        self.name_label = dialogs.heading("")
        self.details_label = QLabel()
        self.details_label.setTextFormat(Qt.TextFormat.PlainText)
        self.details_label.setWordWrap(True)
        self.details_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.chips = QHBoxLayout()
        self.chips.setSpacing(6)
        # One chip per use, made once and restyled: replacing them would leave the old ones
        # painted until their deferred deletion.
        self.chip_labels: dict[str, QLabel] = {}
        for use in USES:
            chip = QLabel()
            chip.setTextFormat(Qt.TextFormat.PlainText)
            self.chip_labels[use] = chip
            self.chips.addWidget(chip)
        self.chips.addStretch(1)
        self.history = QTreeWidget()
        self.history.setAccessibleName("Consent history")
        self.history.setHeaderLabels(["Recorded", "Answer", "For", "Valid", "Evidence", "By"])
        self.history.setRootIsDecorated(False)
        self.history.setUniformRowHeights(True)
        self.history.setAlternatingRowColors(True)
        self.history.header().setStretchLastSection(True)
        self.photos_label = _section("Photos")
        self.source = CatalogSource(project, PhotoQuery(ids=[]))
        self.photo_model = PhotoGridModel(self.source, loader, self)
        self.photos = PhotoGridView()
        self.photos.setAccessibleName("Photos of the selected person")
        self.photos.setModel(self.photo_model)
        self.photos.doubleClicked.connect(self._activated)
        self.photos.activated.connect(self._activated)
        self.empty = QLabel("Select someone in the list to see their consent and photos.")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.body = QWidget()
        body = QVBoxLayout(self.body)
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(8)
        body.addWidget(self.name_label)
        body.addWidget(self.details_label)
        body.addLayout(self.chips)
        body.addSpacing(4)
        body.addWidget(_section("Consent history"))
        body.addWidget(self.history, 2)
        body.addSpacing(4)
        body.addWidget(self.photos_label)
        body.addWidget(self.photos, 3)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 8, 8, 8)
        layout.addWidget(self.empty)
        layout.addWidget(self.body)
        self.person_id: int | None = None
        self.show_person(None, None)

    def show_person(self, person: dict[str, Any] | None, project: Project | None) -> None:
        self.person_id = person["id"] if person else None
        self.empty.setVisible(person is None)
        self.body.setVisible(person is not None)
        self.history.clear()
        if person is None or project is None:
            self.source.query = PhotoQuery(ids=[])
            self.photo_model.reload()
            return
        self.name_label.setText(person["name"])
        details = [
            person["email"] or "no e-mail",
            person["organisation"] or "",
            (person["role"] or "").capitalize(),
            "minor: consent needs a parent or guardian" if person["minor"] else "",
        ]
        self.details_label.setText(" · ".join(d for d in details if d))
        for use in USES:
            state = person["consent"][use]
            chip = self.chip_labels[use]
            _style_chip(chip, f"{use.capitalize()}: {STATE_TEXT[state]}", STATE_TONE[state])
            chip.setAccessibleName(f"{use} consent: {STATE_TEXT[state].split(' ', 1)[1]}")
        history = store.person_consents(project.conn, [person["id"]]).get(person["id"])
        for record in reversed(history.records if history else ()):
            valid = "always"
            if record.valid_from or record.valid_until:
                start = record.valid_from.isoformat() if record.valid_from else "…"
                end = record.valid_until.isoformat() if record.valid_until else "…"
                valid = f"{start} to {end}"
            evidence = record.evidence or ""
            if record.guardian:
                evidence += f"{' · ' if evidence else ''}guardian: {record.guardian}"
            row = QTreeWidgetItem(
                [
                    record.recorded_at.strftime("%Y-%m-%d %H:%M"),
                    STATUS_WORD.get(record.status.value, record.status.value),
                    ", ".join(u for u in USES if u in record.uses),
                    valid,
                    evidence,
                    record.recorded_by,
                ]
            )
            self.history.addTopLevelItem(row)
        if self.history.topLevelItemCount() == 0:
            self.history.addTopLevelItem(
                QTreeWidgetItem(["—", "No consent recorded yet", "", "", "", ""])
            )
        for column in range(5):
            self.history.resizeColumnToContents(column)
        self.source.query = PhotoQuery(person=person["name"], sort="time")
        self.photo_model.reload()
        count = self.photo_model.rowCount()
        self.photos_label.setText(
            f"Photos of {person['name']} ({count})" if count else f"No photos of {person['name']}"
        )

    def refresh_photos(self, photo_ids: list[int]) -> None:
        self.photo_model.refresh(photo_ids)

    def _activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.photo_activated.emit(int(index.data(Roles.PHOTO_ID)))


class PeoplePage(QWidget):
    """The register: search, table, actions, and the selected person's panel."""

    def __init__(self, owner: PeopleWindow) -> None:
        super().__init__()
        self.owner = owner
        self.search = QLineEdit()
        self.search.setAccessibleName("Search people")
        self.search.setPlaceholderText("Search name, e-mail or organisation  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.add_button = _button("Add person…", "Add a person", "Ctrl+N")
        self.edit_button = _button("Edit…", "Edit the selected person", "F2")
        self.consent_button = _button("Record consent…", "Record consent", "Ctrl+R")
        self.withdraw_button = _button("Withdraw consent…", "Withdraw consent", "Ctrl+Shift+W")
        self.import_button = _button(
            "Import registration CSV…", "Import a registration CSV", "Ctrl+I"
        )
        top = QHBoxLayout()
        top.setSpacing(8)
        top.addWidget(self.search, 1)
        for button in (
            self.add_button,
            self.edit_button,
            self.consent_button,
            self.withdraw_button,
        ):
            top.addWidget(button)
        top.addSpacing(12)
        top.addWidget(self.import_button)

        self._reloading = False
        self.model = PeopleTableModel(self)
        self.proxy = PeopleFilterModel(self)
        self.proxy.setSourceModel(self.model)
        self.table = _table("People register")
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        widths = [160, 56] + [104] * len(USES) + [58, 160, 90, 190]
        for column, width in enumerate(widths):
            header.resizeSection(column, width)
        self.summary = QLabel()
        self.summary.setAccessibleName("Register summary")
        self.summary.setWordWrap(True)  # never widens the window
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.setSpacing(6)
        left_layout.addWidget(self.table, 1)
        self.export_button = _button("Save register as CSV…", "Save the register as a CSV file")
        self.export_button.setFlat(True)
        summary_row = QHBoxLayout()
        summary_row.addWidget(self.summary, 1)
        summary_row.addWidget(self.export_button)
        left_layout.addLayout(summary_row)
        hint = QLabel(
            "Ctrl+F search · Enter edit · Ctrl+R record consent · Ctrl+Shift+W withdraw · "
            "Ctrl+N add · Ctrl+I import"
        )
        hint.setWordWrap(True)
        hint.setStyleSheet("color: palette(placeholder-text);")
        left_layout.addWidget(hint)
        self.panel = PersonPanel(owner.project, owner.loader)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.panel)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([790, 450])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 8)
        layout.setSpacing(10)
        layout.addLayout(top)
        layout.addWidget(self.splitter, 1)

        # Search, then the list, then the buttons: the order a keyboard user works in.
        QWidget.setTabOrder(self.search, self.table)
        QWidget.setTabOrder(self.table, self.add_button)
        self.search.textChanged.connect(self.proxy.set_search)
        self.search.returnPressed.connect(self.table.setFocus)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.table.activated.connect(lambda _ix: self.owner.edit_person())  # Enter or double-click
        self.add_button.clicked.connect(self.owner.add_person)
        self.edit_button.clicked.connect(self.owner.edit_person)
        self.consent_button.clicked.connect(self.owner.record_consent)
        self.withdraw_button.clicked.connect(self.owner.withdraw)
        self.import_button.clicked.connect(self.owner.import_csv)
        self.export_button.clicked.connect(self.owner.export_csv)
        self.panel.photo_activated.connect(self.owner.show_photo_requested)
        self._update_buttons()

    def reload(self, people: list[dict[str, Any]]) -> None:
        keep = self.current_person_id()
        # The reset and the re-selection each move the current row; show the person once.
        self._reloading = True
        try:
            self.model.set_people(people)
            kept = keep is not None and self.select_person(keep)
            if not kept and self.proxy.rowCount():
                self.table.setCurrentIndex(self.proxy.index(0, 0))
        finally:
            self._reloading = False
        self._current_changed()
        self.panel.empty.setText(
            "Select someone in the list to see their consent and photos."
            if people
            else "Nobody is in the register yet.\n\nImport the event's registration CSV "
            "(Ctrl+I) or add a person (Ctrl+N). People you tag on photos are added too."
        )
        blocked = sum(
            1 for p in people if {"refused", "withdrawn", "expired"} & set(p["consent"].values())
        )
        unknown = sum(1 for p in people if "unknown" in p["consent"].values())
        parts = [f"{len(people)} {'person' if len(people) == 1 else 'people'}"]
        if blocked:
            parts.append(f"✕ {blocked} refused, withdrew or expired")
        if unknown:
            parts.append(f"? {unknown} with unknown consent")
        self.summary.setText(" · ".join(parts))
        self.summary.setToolTip("Counted when it holds for at least one use.")

    def current_person(self) -> dict[str, Any] | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        return self.model.person(self.proxy.mapToSource(index).row())

    def current_person_id(self) -> int | None:
        person = self.current_person()
        return int(person["id"]) if person else None

    def select_person(self, person_id: int) -> bool:
        row = self.model.row_of(person_id)
        if row is None:
            return False
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if not index.isValid():  # hidden by the search: show everyone again
            self.search.clear()
            index = self.proxy.mapFromSource(self.model.index(row, 0))
        self.table.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.scrollTo(index)
        return True

    def _current_changed(self, *_args: object) -> None:
        if self._reloading:
            return
        self.panel.show_person(self.current_person(), self.owner.project)
        self._update_buttons()

    def _update_buttons(self) -> None:
        has = self.current_person() is not None
        for button in (self.edit_button, self.consent_button, self.withdraw_button):
            button.setEnabled(has)


class _QueueRelay(QObject):
    loaded = Signal(int, object)
    failed = Signal(int, str)


class _QueueJob(QRunnable):
    """Computes the whole queue on its own read-only connection: never the GUI's."""

    def __init__(
        self, relay: _QueueRelay, generation: int, catalog: Path, use: str, blocked: bool
    ) -> None:
        super().__init__()
        self._relay = relay
        self._generation = generation
        self._catalog = catalog
        self._use = use
        self._blocked = blocked

    def run(self) -> None:
        try:
            conn = connect(self._catalog, readonly=True)
            try:
                queue = review_queue(conn, self._use, include_blocked=self._blocked)
            finally:
                conn.close()
        except (GalleryError, sqlite3.Error, OSError) as exc:
            self._relay.failed.emit(self._generation, str(exc))
            return
        self._relay.loaded.emit(self._generation, queue)


class ReviewPage(QWidget):
    """Photos that need a consent decision for one use, worked through with the keyboard."""

    loaded = Signal()
    """A full reload finished (tests and the window wait on it)."""

    def __init__(self, owner: PeopleWindow) -> None:
        super().__init__()
        self.owner = owner
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self._relay = _QueueRelay(self)
        self._relay.loaded.connect(self._on_loaded)
        self._relay.failed.connect(self._on_failed)
        self._generation = 0
        self._verdicts: dict[int, Verdict] = {}
        self._counts: dict[str, int] = {v.value: 0 for v in Verdict}
        self._rejected: set[int] = set()
        self.loading = False
        self.use_combo = QComboBox()
        self.use_combo.setAccessibleName("Use to review for")
        for use in USES:
            self.use_combo.addItem(f"{use.capitalize()} use", use)
        self.blocked_check = QCheckBox("Also show blocked photos")
        self.blocked_check.setAccessibleName("Also show blocked photos")
        self.summary = QLabel()
        self.summary.setAccessibleName("Review summary")
        top = QHBoxLayout()
        top.setSpacing(10)
        top.addWidget(QLabel("Review for:"))
        top.addWidget(self.use_combo)
        top.addWidget(self.blocked_check)
        top.addStretch(1)

        self.model = ReviewQueueModel(self)
        self.table = _table("Photos to review")
        self.table.setModel(self.model)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.resizeSection(ReviewQueueModel.PHOTO_COLUMN, 190)
        header.resizeSection(ReviewQueueModel.VERDICT_COLUMN, 120)
        header.resizeSection(ReviewQueueModel.WHY_COLUMN, 300)
        header.setStretchLastSection(True)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.empty = QLabel()
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setAccessibleName("Nothing to review")

        self.thumb = QLabel()
        self.thumb.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.thumb.setFixedHeight(240)
        self.thumb.setMinimumWidth(320)
        self.thumb.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.thumb.setFrameShape(QFrame.Shape.StyledPanel)
        self.thumb.setAccessibleName("Photo being reviewed")
        self.file_label = dialogs.heading("", 1.1)
        self.verdict_label = QLabel()
        self.verdict_label.setTextFormat(Qt.TextFormat.PlainText)
        self.reasons_label = QLabel()
        self.reasons_label.setWordWrap(True)
        self.reasons_label.setTextFormat(Qt.TextFormat.RichText)
        self.reasons_label.setAccessibleName("Why this photo needs review")
        self.no_people_button = _button(
            "No identifiable people", "Mark as showing no identifiable people", "N"
        )
        self.tag_button = _button("Tag who is shown…", "Tag the people shown", "T")
        self.override_button = _button(
            "Use anyway, with a reason…", "Use anyway, with a reason", "O"
        )
        self.grid_button = _button("Show in the grid", "Show in the grid", "Return")
        side = QWidget()
        side.setMinimumWidth(300)
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(12, 0, 0, 0)
        side_layout.setSpacing(8)
        side_layout.addWidget(self.thumb)
        side_layout.addWidget(self.file_label)
        side_layout.addWidget(self.verdict_label)
        side_layout.addWidget(self.reasons_label)
        side_layout.addSpacing(6)
        for button, key in (
            (self.no_people_button, "N"),
            (self.tag_button, "T"),
            (self.override_button, "O"),
            (self.grid_button, "Enter"),
        ):
            row = QHBoxLayout()
            row.addWidget(button, 1)
            key_label = QLabel(key)
            key_label.setFixedWidth(56)  # one width for "N" and "Enter": buttons line up
            key_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            key_label.setStyleSheet(
                "border: 1px solid palette(mid); border-radius: 4px; padding: 2px 6px;"
            )
            key_label.setAccessibleName(f"Key {key}")
            row.addWidget(key_label)
            side_layout.addLayout(row)
        side_layout.addStretch(1)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.setSpacing(6)
        left_layout.addWidget(self.table, 1)
        left_layout.addWidget(self.empty, 1)
        left_layout.addWidget(self.summary)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(side)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([780, 400])
        hint = QLabel(
            "↑↓ move · N no identifiable people · T tag people · O use anyway with a reason · "
            "Enter show in grid · Ctrl+Z undo"
        )
        hint.setStyleSheet("color: palette(placeholder-text);")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 8)
        layout.setSpacing(10)
        layout.addLayout(top)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(hint)

        self.use_combo.currentIndexChanged.connect(lambda _i: self.reload())
        self.blocked_check.toggled.connect(lambda _on: self.reload())
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self._show_current())
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._update_buttons())
        self.table.activated.connect(lambda _ix: self.owner.show_in_grid())
        self.no_people_button.clicked.connect(self.owner.mark_no_people)
        self.tag_button.clicked.connect(self.owner.tag_people)
        self.override_button.clicked.connect(self.owner.override)
        self.grid_button.clicked.connect(self.owner.show_in_grid)
        self.owner.loader.thumbnail_ready.connect(self._thumbnail_ready)
        self._shown_id: int | None = None

    @property
    def use(self) -> str:
        return str(self.use_combo.currentData())

    def reload(self) -> None:
        """Recompute the whole queue on a worker thread (about a second per 20,000 photos);
        the table keeps showing the previous queue until the answer arrives."""
        self._generation += 1
        self.loading = True
        self.summary.setText("Checking every photo…")
        job = _QueueJob(
            self._relay,
            self._generation,
            self.owner.project.catalog_path,
            self.use,
            self.blocked_check.isChecked(),
        )
        self.pool.start(job)

    def _on_loaded(self, generation: int, queue: object) -> None:
        if generation != self._generation or not isinstance(queue, ReviewQueue):
            return  # superseded by a newer reload
        self.loading = False
        keep_row = max(self.table.currentIndex().row(), 0)
        keep_id = self.current_photo_id()
        self._verdicts = dict(queue.verdicts)
        self._counts = dict(queue.counts)
        self._rejected = set(queue.rejected)
        self.model.set_items(queue.items)
        self._restore_cursor(keep_id, keep_row)
        self.loaded.emit()

    def _on_failed(self, generation: int, message: str) -> None:
        if generation != self._generation:
            return
        self.loading = False
        self.summary.setText("")
        messages.show_error(self, "Could not check the photos", message)
        self.loaded.emit()

    def update_photos(self, photo_ids: list[int]) -> None:
        """Re-check just these photos (after an edit or a consent change) and merge them in
        place: milliseconds, where the whole queue takes a second on a big project."""
        if not photo_ids:
            return
        if self.loading:
            self.reload()  # the running job may have read the catalog before this change
            return
        keep_row = max(self.table.currentIndex().row(), 0)
        keep_id = self.current_photo_id()
        try:
            items = review_items(self.owner.project.conn, self.use, photo_ids)
        except GalleryError as exc:
            messages.show_error(self, "Could not check the photos", str(exc))
            return
        include_blocked = self.blocked_check.isChecked()
        for photo_id, item in items.items():
            before = self._verdicts.pop(photo_id, None)
            if before is not None:
                self._counts[before.value] -= 1
            self._rejected.discard(photo_id)
            if item is not None and item.rejected:
                self._rejected.add(photo_id)
            elif item is not None:
                self._verdicts[photo_id] = item.verdict
                self._counts[item.verdict.value] += 1
            self.model.merge(photo_id, item if shows(item, include_blocked) else None)
        self._restore_cursor(keep_id, keep_row)

    def _restore_cursor(self, keep_id: int | None, keep_row: int) -> None:
        """Stay on the same photo, or, when it left the queue, on the one that took its row
        (the next one to review)."""
        counts = self._counts
        summary = (
            f"{counts['needs_review']} need review · {counts['blocked']} blocked · "
            f"{counts['cleared']} cleared"
        )
        if self._rejected:
            summary += f" · {len(self._rejected)} rejected (not exported, not listed)"
        self.summary.setText(summary)
        empty = self.model.rowCount() == 0
        self.table.setVisible(not empty)
        self.empty.setVisible(empty)
        self.empty.setText(
            f"✓ Nothing left to review for {self.use} use."
            + ("" if self.blocked_check.isChecked() else " Blocked photos are not shown.")
        )
        if not empty:
            row = self.model.row_of(keep_id) if keep_id is not None else None
            if row is None:
                row = min(keep_row, self.model.rowCount() - 1)
            index = self.model.index(row, 0)
            self.table.selectionModel().setCurrentIndex(
                index,
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
            self.table.scrollTo(index)
        self._show_current()

    def selected_rows(self) -> list[int]:
        """The selected rows, else the current row (what N, T and O act on)."""
        rows = sorted({ix.row() for ix in self.table.selectionModel().selectedRows()})
        current = self.table.currentIndex()
        if not rows and current.isValid() and current.row() < self.model.rowCount():
            rows = [current.row()]
        return rows

    def selected_ids(self) -> list[int]:
        return [self.model.item(r).photo_id for r in self.selected_rows()]

    def current_photo_id(self) -> int | None:
        index = self.table.currentIndex()
        if not index.isValid() or index.row() >= self.model.rowCount():
            return None
        return self.model.item(index.row()).photo_id

    def _show_current(self) -> None:
        index = self.table.currentIndex()
        if not index.isValid() or self.model.rowCount() == 0:
            self._shown_id = None
            self.thumb.clear()
            self.thumb.setText("")
            self.file_label.setText("")
            self.verdict_label.setText("")
            self.reasons_label.setText("")
            self._update_buttons()
            return
        item = self.model.item(index.row())
        self._shown_id = item.photo_id
        self.file_label.setText(item.filename)
        when = (item.captured_at or "")[:16].replace("T", " ")
        verdict = "✕ Blocked" if item.verdict is Verdict.BLOCKED else "? Needs review"
        self.verdict_label.setText(f"{verdict} for {self.use} use" + (f" · {when}" if when else ""))
        bullets = "".join(
            f"<li>{dialogs.html_escape(r[:1].upper() + r[1:])}</li>" for r in item.reasons
        )
        self.reasons_label.setText(f"<ul style='margin-left: -20px'>{bullets}</ul>")
        self._load_thumbnail(item.photo_id)
        self._update_buttons()

    def _load_thumbnail(self, photo_id: int) -> None:
        pixmap = self.owner.loader.pixmap(photo_id)
        if pixmap is not None:
            self._set_thumb(pixmap)
            return
        if self.owner.loader.is_missing(photo_id):
            self.thumb.setText("No preview")
            return
        self.thumb.setText("Loading…")
        try:
            photo = get_photo(self.owner.project.conn, photo_id)
        except GalleryError:
            self.thumb.setText("No preview")
            return
        self.owner.loader.request(photo_id, self.owner.project.cache_dir, photo["content_hash"])

    def _thumbnail_ready(self, photo_id: int) -> None:
        if photo_id == self._shown_id:
            self._load_thumbnail(photo_id)

    def _set_thumb(self, pixmap: QPixmap) -> None:
        box = self.thumb.size() - QSize(8, 8)
        self.thumb.setPixmap(
            pixmap.scaled(
                box, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
            )
        )

    def _update_buttons(self) -> None:
        rows = self.selected_rows()
        has = bool(rows)
        for button in (self.no_people_button, self.tag_button, self.grid_button):
            button.setEnabled(has)
        blocked = any(self.model.item(r).verdict is Verdict.BLOCKED for r in rows)
        self.override_button.setEnabled(has and not blocked)
        self.override_button.setToolTip(
            "A blocked photo cannot be used anyway: someone refused or withdrew consent."
            if blocked
            else "Use anyway, with a reason (O)"
        )


class AuditPage(QWidget):
    """The audit log, read-only: what a data-protection officer asks for after a complaint."""

    def __init__(self, owner: PeopleWindow) -> None:
        super().__init__()
        self.owner = owner
        self.search = QLineEdit()
        self.search.setAccessibleName("Search the audit log")
        self.search.setPlaceholderText("Search names, actions, reasons…")
        self.search.setClearButtonEnabled(True)
        self.model = AuditLogModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.table = _table("Audit log")
        self.table.setModel(self.proxy)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate((130, 90, 210, 200)):
            header.resizeSection(column, width)
        header.setStretchLastSection(True)
        note = QLabel(
            "Every consent answer, override, withdrawal and export is kept here with who did "
            "it and when. Entries can never be changed or deleted."
        )
        note.setWordWrap(True)
        note.setStyleSheet("color: palette(placeholder-text);")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 8)
        layout.setSpacing(10)
        layout.addWidget(self.search)
        layout.addWidget(self.table, 1)
        layout.addWidget(note)
        self.search.textChanged.connect(self.proxy.setFilterFixedString)

    def reload(self) -> None:
        conn = self.owner.project.conn
        entries = audit.entries(conn)
        people = {int(pid): str(name) for pid, name in conn.execute("SELECT id, name FROM people")}
        photo_ids = sorted(
            {
                int(e["subject"].partition(":")[2])
                for e in entries
                if e["subject"].startswith("photo:") and e["subject"][6:].isdigit()
            }
        )
        photos = {}
        for start in range(0, len(photo_ids), 500):
            chunk = photo_ids[start : start + 500]
            marks = ", ".join("?" for _ in chunk)
            for photo_id, path in conn.execute(
                f"SELECT id, path FROM photos WHERE id IN ({marks})", chunk
            ):
                photos[int(photo_id)] = file_name(str(path))
        self.model.set_entries(entries, people, photos)


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
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.project = project
        self.undo_stack = undo_stack
        self._on_photos_changed = on_photos_changed
        self.setWindowTitle(f"People and consent — {project.defaults().event_name}")
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
        self._undo_index = undo_stack.index()
        undo_stack.indexChanged.connect(self._undo_index_changed)
        self.resize(1260, 740)
        self.refresh()

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

    def _undo_index_changed(self, index: int) -> None:
        """An edit was made, undone or redone — here, in the grid or in the metadata panel.

        Every step between the old and the new index is one core edit that names the photos
        it touched, so only those are re-checked.
        """
        if self._closed:
            return
        low, high = sorted((self._undo_index, index))
        self._undo_index = index
        photo_ids: set[int] = set()
        tags_changed = False
        for position in range(low, high):
            command = self.undo_stack.command(position)
            if isinstance(command, CoreEditCommand):
                photo_ids.update(command.edit.photo_ids)
                tags_changed |= any(c.field == "people" for c in command.edit.changes)
        if photo_ids:
            self._photos_changed(sorted(photo_ids), register_changed=tags_changed)

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

    def _photos_of(self, person_id: int) -> list[int]:
        return [
            int(r[0])
            for r in self.project.conn.execute(
                "SELECT photo_id FROM photo_people WHERE person_id = ?", (person_id,)
            )
        ]

    def _reload_people(self) -> None:
        try:
            self.people_page.reload(register.list_people(self.project.conn))
        except GalleryError as exc:
            messages.show_error(self, "Could not read the people register", str(exc))

    def _error(self, title: str, exc: Exception) -> None:
        text = str(exc) if isinstance(exc, GalleryError) else f"{exc}"
        messages.show_error(self, title, text)

    # --- register actions -----------------------------------------------------------------

    def add_person(self) -> None:
        dialog = dialogs.PersonDialog(self)
        if not dialogs.run_dialog(dialog):
            return
        try:
            person = register.add_person(self.project, **dialog.values())
        except GalleryError as exc:
            self._error("Could not add the person", exc)
            return
        self._reload_people()
        self.people_page.select_person(person.id)

    def edit_person(self) -> None:
        person = self.people_page.current_person()
        if person is None:
            return
        dialog = dialogs.PersonDialog(self, person)
        if not dialogs.run_dialog(dialog):
            return
        try:
            register.update_person(self.project, person["id"], **dialog.values())
        except GalleryError as exc:
            self._error("Could not change the person", exc)
            return
        self._changed(self._photos_of(person["id"]))

    def record_consent(self) -> None:
        person = self.people_page.current_person()
        if person is None:
            return
        dialog = dialogs.ConsentDialog(person, self)
        if not dialogs.run_dialog(dialog):
            return
        values = dialog.values()
        try:
            record = store.new_record(
                values["status"],
                values["uses"],
                valid_from=values["valid_from"],
                valid_until=values["valid_until"],
                evidence=values["evidence"],
                guardian=values["guardian"],
            )
            store.add_record(self.project, str(person["id"]), record)
        except GalleryError as exc:
            self._error("Could not record the consent", exc)
            return
        self._changed(self._photos_of(person["id"]))

    def withdraw(self) -> None:
        person_row = self.people_page.current_person()
        if person_row is None:
            return
        try:
            person = register.find_person(self.project.conn, str(person_row["id"]))
            preview = store.affected_by(self.project.conn, person)
        except GalleryError as exc:
            self._error("Could not prepare the withdrawal", exc)
            return
        source = CatalogSource(self.project, PhotoQuery(person=person.name, sort="time"))
        model = PhotoGridModel(source, self.loader)
        grid = PhotoGridView()
        grid.setAccessibleName(f"Photos of {person.name}")
        grid.setModel(model)
        model.setParent(grid)

        def record(reason: str) -> dict[str, Any] | None:
            try:
                result = store.withdraw(self.project, str(person.id), reason or None)
            except GalleryError as exc:
                self._error("Could not record the withdrawal", exc)
                return None
            model.refresh(result["photos"])
            self._changed(result["photos"])
            return result

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
        try:
            before = {p["id"]: (p["consent"], p["minor"]) for p in self.people_page.model.people()}
            result = register.import_registration(self.project, path, mapping=preview.mapping())
        except GalleryError as exc:
            self._error(f"Could not import {path.name}", exc)
            return
        except OSError as exc:
            messages.show_error(
                self, f"Could not import {path.name}", f"{path}: {exc.strerror or exc}"
            )
            return
        self.refresh()
        # Repaint the grid's badges of the people whose consent (or minor flag) changed only:
        # on a big project, "every tagged photo" would be thousands of rows for nothing.
        changed = [
            p["id"]
            for p in self.people_page.model.people()
            if before.get(p["id"]) != (p["consent"], p["minor"])
        ]
        self._on_photos_changed(sorted({i for pid in changed for i in self._photos_of(pid)}))
        dialogs.run_dialog(dialogs.ImportResultDialog(path, result, self))

    def export_csv(self) -> None:
        """The register with today's consent per use, for a data-protection officer or Excel
        (cells that Excel would run as formulas are neutralised by the core)."""
        path = choose_save_csv(self, f"{self.project.defaults().event_name} people.csv")
        if path is None:
            return
        try:
            count = register.export_people(self.project.conn, path)
        except GalleryError as exc:
            self._error("Could not save the register", exc)
            return
        except OSError as exc:
            messages.show_error(self, "Could not save the register", f"{path}: {exc.strerror}")
            return
        self.people_page.summary.setText(
            f"Saved {count} {'person' if count == 1 else 'people'} to {path.name}."
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
        names = [p["name"] for p in register.list_people(self.project.conn)]
        dialog = dialogs.TagPeopleDialog(len(ids), names, self)
        if not dialogs.run_dialog(dialog):
            return
        self._edit(ids, EditRequest(add_people=dialog.names()))

    def _edit(self, ids: list[int], request: EditRequest) -> None:
        """One core edit, one undo step on the main window's stack. This window updates from
        the stack's index change, like for edits made anywhere else."""
        if not ids:
            return
        command = apply_request(
            self.project,
            ids,
            request,
            self._on_photos_changed,
            lambda text: messages.show_error(self, "Could not change the photos", text),
        )
        if command is None:
            return
        self.undo_stack.push(command)
        self._on_photos_changed(ids)

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
        failed: list[str] = []
        done: list[int] = []
        for item in chosen:
            try:
                store.override(self.project, item.photo_id, page.use, dialog.reason())
                done.append(item.photo_id)
            except GalleryError as exc:
                failed.append(f"{item.filename}: {exc}")
        if done:
            self._changed(done)
        if failed:
            messages.show_error(self, "Some photos were not cleared", "; ".join(failed))

    def show_in_grid(self) -> None:
        photo_id = self.review_page.current_photo_id()
        if photo_id is not None:
            self.show_photo_requested.emit(photo_id)

    # --- closing ---------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Stop the worker threads; after this the window never touches the project."""
        if not self._closed:
            self._closed = True
            self.undo_stack.indexChanged.disconnect(self._undo_index_changed)
        self.loader.shutdown()
        self.review_page.pool.clear()
        self.review_page.pool.waitForDone()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.loader.reset()
        super().closeEvent(event)


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
