"""The first screen: recent projects, "New event project…" and "Open…".

Comms officers open the app without a manual, so the welcome window says what a project is
and offers exactly three things to do. It only emits requests; the app controller opens or
creates the project through the core and shows any error in plain words.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QDate, QEvent, Qt, Signal
from PySide6.QtGui import QAction, QFont, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gallery_app.core.project import CATALOG_NAME, ProjectDefaults


class NewProjectDialog(QDialog):
    """Asks for the event's name, date and venue and where the project folder goes."""

    def __init__(self, parent: QWidget | None = None, default_parent: Path | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New event project")
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("e.g. Open Data Summit 2026")
        self.name_edit.setAccessibleName("Event name")
        self.date_edit = QDateEdit(QDate.currentDate())
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy-MM-dd")
        self.date_edit.setAccessibleName("Event date")
        self.venue_edit = QLineEdit()
        self.venue_edit.setAccessibleName("Venue")
        self.folder_edit = QLineEdit(str(default_parent or Path.home()))
        self.folder_edit.setAccessibleName("Save the project in")
        browse = QPushButton("Choose…")
        browse.setAccessibleName("Choose folder")
        browse.clicked.connect(self._browse)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(browse)

        form = QFormLayout()
        form.addRow("Event &name:", self.name_edit)
        form.addRow("Event &date:", self.date_edit)
        form.addRow("&Venue (optional):", self.venue_edit)
        form.addRow("Save in:", folder_row)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Create project")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(460)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Save the project in", self.folder_edit.text()
        )
        if folder:
            self.folder_edit.setText(folder)

    def project_path(self) -> Path:
        """The new project's folder: the event name (made file-safe) inside the chosen folder."""
        name = self.name_edit.text().strip() or "Event"
        safe = "".join(c if c.isalnum() or c in " -_." else "-" for c in name).strip(" .")
        return Path(self.folder_edit.text().strip()).expanduser() / (safe or "Event")

    def defaults(self) -> ProjectDefaults:
        qdate = self.date_edit.date()
        return ProjectDefaults(
            event_name=self.name_edit.text().strip(),
            event_date=dt.date(qdate.year(), qdate.month(), qdate.day()).isoformat(),
            venue=self.venue_edit.text().strip() or None,
        )


MISSING_ROLE = Qt.ItemDataRole.UserRole + 1
"""True on a recent-list entry whose folder is not there."""


class WelcomeWindow(QWidget):
    """Recent projects and the two ways to start; emits what the user chose.

    Keyboard first: the recent list has the focus with the last project selected, so Enter
    reopens it; Ctrl+N starts a new project, Ctrl+O opens a folder, Delete takes the selected
    entry off the list. Folders that are gone (a disconnected drive) stay listed, greyed, with
    a word saying so, rather than failing when chosen.
    """

    open_requested = Signal(Path)
    create_requested = Signal(Path, object)
    """(project folder, :class:`ProjectDefaults`)."""
    forget_requested = Signal(str)
    """A recent-list entry the user removed."""

    def __init__(
        self, recent: list[str], last: str | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Gallery Curator")
        self.setAccessibleName("Welcome")
        title = QLabel("Gallery Curator")
        font = QFont(title.font())
        font.setPointSizeF(font.pointSizeF() * 1.8)
        font.setBold(True)
        title.setFont(font)
        subtitle = QLabel(
            "Choose, caption and consent-check event photos, then publish a web gallery."
        )
        subtitle.setWordWrap(True)

        self.new_button = QPushButton("New event project…")
        self.new_button.setAccessibleName("New event project")
        self.new_button.setToolTip("Start a project for a new event (Ctrl+N)")
        self.new_button.setShortcut(QKeySequence.StandardKey.New)
        self.new_button.clicked.connect(self._new_project)
        self.open_button = QPushButton("Open…")
        self.open_button.setAccessibleName("Open project folder")
        self.open_button.setToolTip("Open an existing project folder (Ctrl+O)")
        self.open_button.setShortcut(QKeySequence.StandardKey.Open)
        self.open_button.clicked.connect(self._open_folder)

        recent_label = QLabel("&Recent projects")
        bold = QFont(recent_label.font())
        bold.setBold(True)
        recent_label.setFont(bold)
        self.recent_list = QListWidget()
        self.recent_list.setAccessibleName("Recent projects")
        self.recent_list.setAccessibleDescription(
            "Enter opens the selected project, Delete removes it from this list"
        )
        recent_label.setBuddy(self.recent_list)
        self.recent_list.setStyleSheet("QListWidget::item { padding: 6px 8px; }")
        self.recent_list.setAlternatingRowColors(True)
        self.recent_list.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.recent_list.itemActivated.connect(self._open_item)
        self.remove_action = QAction("Remove from this list", self.recent_list)
        self.remove_action.setShortcut(QKeySequence.StandardKey.Delete)
        self.remove_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.remove_action.triggered.connect(self._forget_selected)
        self.recent_list.addAction(self.remove_action)
        hint = QLabel("Enter opens the selected project · Delete removes it from the list")
        hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.set_recent(recent, last)

        for button in (self.new_button, self.open_button):
            button.setMinimumHeight(34)
            button.setMinimumWidth(150)
        buttons = QHBoxLayout()
        buttons.setSpacing(12)
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 28, 32, 28)
        layout.setSpacing(12)
        layout.addWidget(title)
        layout.addWidget(subtitle)
        layout.addSpacing(8)
        layout.addLayout(buttons)
        layout.addSpacing(8)
        layout.addWidget(recent_label)
        layout.addWidget(self.recent_list, 1)
        layout.addWidget(hint)
        self.resize(640, 480)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        """Light/dark switched: a style sheet keeps the old palette until it is set again."""
        if event.type() == QEvent.Type.PaletteChange:
            self.recent_list.setStyleSheet(self.recent_list.styleSheet())
            self.recent_list.setPalette(self.palette())
            muted = self.palette().color(QPalette.ColorRole.PlaceholderText)
            for i in range(self.recent_list.count()):
                item = self.recent_list.item(i)
                if item.data(MISSING_ROLE):
                    item.setForeground(muted)
        super().changeEvent(event)

    def set_recent(self, recent: list[str], last: str | None = None) -> None:
        self.recent_list.clear()
        for path in recent:
            missing = not (Path(path) / CATALOG_NAME).is_file()
            name = Path(path).name or path
            text = f"{name}\n{path}"
            if missing:
                text = f"{name} — not found (drive disconnected or folder moved?)\n{path}"
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, path)
            item.setToolTip(path)
            item.setData(MISSING_ROLE, missing)
            if missing:
                item.setForeground(self.palette().color(QPalette.ColorRole.PlaceholderText))
            self.recent_list.addItem(item)
            if path == last or (last is None and self.recent_list.count() == 1):
                self.recent_list.setCurrentItem(item)
        if not recent:
            item = QListWidgetItem("No recent projects yet: create one or open a project folder.")
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.recent_list.addItem(item)
        self.new_button.setDefault(not recent)

    def _open_item(self, item: QListWidgetItem) -> None:
        path = item.data(Qt.ItemDataRole.UserRole)
        if path:
            self.open_requested.emit(Path(path))

    def _forget_selected(self) -> None:
        item = self.recent_list.currentItem()
        path = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        if path:
            self.forget_requested.emit(str(path))

    def _open_folder(self) -> None:
        folder = choose_project_folder(self)
        if folder is not None:
            self.open_requested.emit(folder)

    def _new_project(self) -> None:
        dialog = NewProjectDialog(self)
        if run_dialog(dialog):
            self.create_requested.emit(dialog.project_path(), dialog.defaults())


def choose_project_folder(parent: QWidget | None) -> Path | None:
    """Ask for an existing project folder (tests replace this)."""
    folder = QFileDialog.getExistingDirectory(parent, "Open an event project folder")
    return Path(folder) if folder else None


def run_dialog(dialog: QDialog) -> bool:
    """Run a modal dialog; tests replace this to fill it in instead."""
    return dialog.exec() == QDialog.DialogCode.Accepted
