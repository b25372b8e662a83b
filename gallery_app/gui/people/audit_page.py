"""The audit log page: who recorded or overrode what, about whom, when and why (read-only)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from gallery_app.core import audit
from gallery_app.core.catalog.database import id_chunks
from gallery_app.core.catalog.photos import file_name
from gallery_app.core.project import Project
from gallery_app.gui import messages
from gallery_app.gui.people.models import AuditLogModel
from gallery_app.gui.people.widgets import table_view

if TYPE_CHECKING:
    from gallery_app.gui.people.window import PeopleWindow


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
        self.table = table_view("Audit log")
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
        """Read the log on the window's catalog thread; the table fills when it arrives."""
        self.owner.catalog.submit(
            read_audit,
            lambda found: self.model.set_entries(*found),
            lambda text: messages.show_error(self, "Could not read the audit log", text),
        )


def read_audit(project: Project) -> tuple[list[Any], dict[int, str], dict[int, str]]:
    """The audit entries, people's names and the file names of the photos they mention."""
    conn = project.conn
    entries = audit.entries(conn)
    people = {int(pid): str(name) for pid, name in conn.execute("SELECT id, name FROM people")}
    photo_ids = sorted(
        {
            int(e["subject"].partition(":")[2])
            for e in entries
            if e["subject"].startswith("photo:") and e["subject"][6:].isdigit()
        }
    )
    photos: dict[int, str] = {}
    for chunk, marks in id_chunks(photo_ids):
        for photo_id, path in conn.execute(
            f"SELECT id, path FROM photos WHERE id IN ({marks})", chunk
        ):
            photos[int(photo_id)] = file_name(str(path))
    return entries, people, photos
