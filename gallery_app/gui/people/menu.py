"""The main window's People menu, and the glue between the main window and the People window.

Kept out of ``main_window.py`` (which other parts of the app also extend) so that the main
window needs one call: :func:`install_people_menu`. The People window is made on first use,
shares the main window's undo stack, repaints the grid's consent badges through the main
window's change callback, and closes with the main window (before its project is closed).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QItemSelectionModel, QObject
from PySide6.QtGui import QAction, QKeySequence

from gallery_app.core.edits import EditRequest

if TYPE_CHECKING:
    from gallery_app.gui.main_window import MainWindow
    from gallery_app.gui.people.window import PeopleWindow


def _people_window_class() -> type[PeopleWindow]:
    """The People window's module, imported on first use: its pages and dialogs cost about
    20 ms to import, which the main window's first paint (100 ms budget) does not need."""
    from gallery_app.gui.people.window import PeopleWindow

    return PeopleWindow


class PeopleMenu(QObject):
    """Owns the People menu's actions and the (lazily created) People window."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.main = window
        self.people_window: PeopleWindow | None = None
        menu = window.menuBar().addMenu("P&eople")
        self.menu = menu

        self.register_action = QAction("People &register…", window)
        self.register_action.setShortcut(QKeySequence("Ctrl+Shift+P"))
        self.register_action.triggered.connect(lambda: self.open(_people_window_class().PEOPLE_TAB))
        self.review_action = QAction("Consent &review queue…", window)
        self.review_action.setShortcut(QKeySequence("Ctrl+Shift+R"))
        self.review_action.triggered.connect(lambda: self.open(_people_window_class().REVIEW_TAB))
        self.audit_action = QAction("Consent &audit log…", window)
        self.audit_action.triggered.connect(lambda: self.open(_people_window_class().AUDIT_TAB))
        self.no_people_action = QAction("Mark as showing &no identifiable people", window)
        self.no_people_action.setShortcut(QKeySequence("N"))
        self.no_people_action.triggered.connect(
            lambda: window.apply(EditRequest(no_identifiable_people=True))
        )
        self.has_people_action = QAction("Mark as showing identifiable &people", window)
        self.has_people_action.setShortcut(QKeySequence("Shift+N"))
        self.has_people_action.triggered.connect(
            lambda: window.apply(EditRequest(no_identifiable_people=False))
        )
        menu.addAction(self.register_action)
        menu.addAction(self.review_action)
        menu.addAction(self.audit_action)
        menu.addSeparator()
        menu.addAction(self.no_people_action)
        menu.addAction(self.has_people_action)
        # N and Shift+N clear or set consent-relevant state: only from the grid or preview.
        window.limit_to_photos(self.no_people_action)
        window.limit_to_photos(self.has_people_action)
        window.installEventFilter(self)

    def open(self, tab: int) -> PeopleWindow:
        """Show the People window on ``tab`` (creating it the first time)."""
        if self.people_window is None:
            self.people_window = _people_window_class()(
                self.main.project,
                self.main.undo_stack,
                self.main._on_changed,
                self.main,
                catalog=self.main.catalog,
                on_edit=self.main.on_edit,
            )
            self.main.edit_applied.connect(self.people_window.edit_applied)
            self.people_window.show_photo_requested.connect(self.show_photo)
        elif not self.people_window.isVisible():
            # It was closed; the register may have changed since (another window, the CLI).
            self.people_window.refresh()
        people = self.people_window
        people.show()
        people.activateWindow()  # raises it too (raise_() warns on the offscreen platform)
        people.show_tab(tab)
        return people

    def show_photo(self, photo_id: int) -> None:
        """Select ``photo_id`` in the main grid and bring the main window forward."""
        main = self.main
        row = main.model.row_of(photo_id)
        if row is None:
            main.statusBar().showMessage(
                "That photo is hidden by the current filter; clear the filter to see it.", 6000
            )
            return
        main.show_grid()
        index = main.model.index(row)
        main.view.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect
        )
        main.view.scrollTo(index)
        main.activateWindow()

    def close_window(self) -> None:
        if self.people_window is not None:
            self.people_window.shutdown()
            self.people_window.close()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        # The main window closes its project on close: the People window must go first.
        if watched is self.main and event.type() == QEvent.Type.Close:
            self.close_window()
        return False


def install_people_menu(window: MainWindow) -> PeopleMenu:
    """Add the People menu to ``window``; call once from ``MainWindow._build_menus``."""
    return PeopleMenu(window)
