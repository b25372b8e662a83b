"""The register page: everyone in the people register with today's consent per use, and the
selected person's details, consent history and photos.

Search narrows the list as you type; Enter edits, Ctrl+R records a consent answer,
Ctrl+Shift+W starts a withdrawal. The window (``owner``) runs the actions against the core.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QItemSelectionModel,
    QModelIndex,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gallery_app.core.catalog.photos import PhotoQuery
from gallery_app.core.consent import store
from gallery_app.core.consent.model import USES, PersonConsent
from gallery_app.core.project import Project
from gallery_app.gui.catalog_thread import CatalogThread
from gallery_app.gui.models.photo_grid_model import PhotoGridModel, Roles, ThreadedCatalogSource
from gallery_app.gui.people import dialogs
from gallery_app.gui.people.models import (
    STATE_TEXT,
    STATE_TONE,
    PeopleFilterModel,
    PeopleTableModel,
)
from gallery_app.gui.people.widgets import (
    STATUS_WORD,
    labelled_button,
    section,
    style_chip,
    table_view,
)
from gallery_app.gui.thumbnail_loader import ThumbnailLoader
from gallery_app.gui.views.photo_grid_view import PhotoGridView

if TYPE_CHECKING:
    from gallery_app.gui.people.window import PeopleWindow


class PersonPanel(QWidget):
    """The selected person: details, consent today per use, history, and their photos."""

    photo_activated = Signal(int)

    def __init__(self, project: Project, loader: ThumbnailLoader, catalog: CatalogThread) -> None:
        super().__init__()
        self.catalog = catalog
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
        self.photos_label = section("Photos")
        self.source = ThreadedCatalogSource(project, catalog, PhotoQuery(ids=[]))
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
        body.addWidget(section("Consent history"))
        body.addWidget(self.history, 2)
        body.addSpacing(4)
        body.addWidget(self.photos_label)
        body.addWidget(self.photos, 3)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 8, 8, 8)
        layout.addWidget(self.empty)
        layout.addWidget(self.body)
        self.person_id: int | None = None
        self._person_name: str | None = None
        self._shown = 0
        """Counts the people shown: a history answer for an earlier one is dropped."""
        self.photo_model.ids_loaded.connect(self._show_photo_count)
        self.show_person(None, None)

    def show_person(self, person: dict[str, Any] | None, project: Project | None) -> None:
        """Show this person (None: nobody). Their history and photos are read on the catalog
        thread; until they are in, a newly selected person's panel says so, and the same
        person shown again (after a change to the register) keeps what it showed."""
        again = person is not None and person["id"] == self.person_id
        self.person_id = person["id"] if person else None
        self.empty.setVisible(person is None)
        self.body.setVisible(person is not None)
        if person is None or project is None:
            self.history.clear()
            self._shown += 1
            self._person_name = None
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
            style_chip(chip, f"{use.capitalize()}: {STATE_TEXT[state]}", STATE_TONE[state])
            chip.setAccessibleName(f"{use} consent: {STATE_TEXT[state].split(' ', 1)[1]}")
        # An answer for someone selected before this one is dropped (``_shown``).
        self._shown += 1
        shown = self._shown
        person_id = person["id"]
        if not again:
            self.history.clear()
            self.history.addTopLevelItem(
                QTreeWidgetItem(["…", "Reading the consent history…", "", "", "", ""])
            )
            self._fit_history_columns()
        self.catalog.submit(
            lambda p: store.person_consents(p.conn, [person_id]).get(person_id),
            lambda history: self._show_history(shown, history),
            lambda message: self._show_history(shown, None, message),
        )
        if not again or person["name"] != self._person_name:
            self.photos_label.setText(f"Photos of {person['name']}")
        if not again:
            # Never the previous person's photos under this person's name, not even for the
            # moment the catalog thread takes to answer: the grid is empty ("Loading
            # photos…") until this person's photos arrive.
            self.photo_model.reset_ids([])
        self._person_name = person["name"]
        self.source.query = PhotoQuery(person=person["name"], sort="time")
        self.photo_model.reload()

    def _show_history(self, shown: int, history: PersonConsent | None, error: str = "") -> None:
        if shown != self._shown:
            return  # another person is shown now; their history is on its way
        self.history.clear()
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
        if error:
            # The register still works; the history says why it is not shown.
            self.history.addTopLevelItem(
                QTreeWidgetItem(["—", f"Could not read the history: {error}", "", "", "", ""])
            )
        elif self.history.topLevelItemCount() == 0:
            self.history.addTopLevelItem(
                QTreeWidgetItem(["—", "No consent recorded yet", "", "", "", ""])
            )
        self._fit_history_columns()

    def _fit_history_columns(self) -> None:
        for column in range(5):
            self.history.resizeColumnToContents(column)

    def _show_photo_count(self) -> None:
        """The person's photos arrived in the grid: say how many."""
        name = self._person_name
        if name is None:
            return
        if self.photo_model.load_error:
            self.photo_model.reset_ids([])  # what it shows is not this person's photos
            self.photos_label.setText(
                f"Could not read the photos of {name}: {self.photo_model.load_error}"
            )
            return
        count = self.photo_model.rowCount()
        self.photos_label.setText(
            f"Photos of {name} ({count})" if count else f"No photos of {name}"
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
        self.add_button = labelled_button("Add person…", "Add a person", "Ctrl+N")
        self.edit_button = labelled_button("Edit…", "Edit the selected person", "F2")
        self.consent_button = labelled_button("Record consent…", "Record consent", "Ctrl+R")
        self.withdraw_button = labelled_button(
            "Withdraw consent…", "Withdraw consent", "Ctrl+Shift+W"
        )
        self.import_button = labelled_button(
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
        self.table = table_view("People register")
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
        self.export_button = labelled_button(
            "Save register as CSV…", "Save the register as a CSV file"
        )
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
        self.panel = PersonPanel(owner.project, owner.loader, owner.catalog)
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
