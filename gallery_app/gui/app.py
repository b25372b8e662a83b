"""Application start-up: the QApplication, settings, and which window shows first.

Settings live in the platform's usual place through ``QSettings`` (organisation and
application names set here); tests point ``QSettings`` at a temporary folder. The controller
opens and creates projects through the core and turns every failure into a message.
"""

from __future__ import annotations

import gc
import sys
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication

from gallery_app.core.errors import GalleryError
from gallery_app.core.project import Project, ProjectDefaults, create_project, open_project
from gallery_app.gui import messages
from gallery_app.gui.appearance import appearance
from gallery_app.gui.main_window import MainWindow
from gallery_app.gui.settings import forget_project, last_project, recent_projects, remember_project
from gallery_app.gui.welcome import WelcomeWindow

ORGANIZATION = "Gallery Curator"
APPLICATION = "Gallery Curator"
SETTLE_AFTER_MS = 300
"""When :func:`settle_heap` runs after a project's window is shown."""
__all__ = ["AppController", "create_application", "main", "recent_projects", "remember_project"]


class AppController(QObject):
    """Shows the welcome window or a project's main window and moves between them."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.welcome: WelcomeWindow | None = None
        self.main_window: MainWindow | None = None

    def show_welcome(self) -> WelcomeWindow:
        if self.welcome is None:
            self.welcome = WelcomeWindow(recent_projects(), last_project())
            self.welcome.open_requested.connect(self.open_project)
            self.welcome.create_requested.connect(self.create_project)
            self.welcome.forget_requested.connect(self._forget)
        else:
            self.welcome.set_recent(recent_projects(), last_project())
        self.welcome.show()
        self.welcome.recent_list.setFocus()  # Enter opens the last project straight away
        return self.welcome

    def _forget(self, path: str) -> None:
        forget_project(path)
        if self.welcome is not None:
            self.welcome.set_recent(recent_projects(), last_project())

    def open_project(self, path: Path) -> MainWindow | None:
        try:
            project = open_project(Path(path))
        except GalleryError as exc:
            messages.show_error(self.welcome, "Could not open the project", str(exc))
            return None
        except OSError as exc:
            messages.show_error(
                self.welcome, "Could not open the project", f"{path}: {exc.strerror or exc}"
            )
            return None
        return self._show_project(project)

    def create_project(self, path: Path, defaults: ProjectDefaults) -> MainWindow | None:
        try:
            project = create_project(Path(path), defaults)
        except GalleryError as exc:
            messages.show_error(self.welcome, "Could not create the project", str(exc))
            return None
        except OSError as exc:
            messages.show_error(
                self.welcome, "Could not create the project", f"{path}: {exc.strerror or exc}"
            )
            return None
        return self._show_project(project)

    def _show_project(self, project: Project) -> MainWindow:
        remember_project(project.root)
        if self.main_window is not None:
            self.main_window.close()
        window = MainWindow(project)
        window.close_project_requested.connect(self.show_welcome)
        self.main_window = window
        window.show()
        if self.welcome is not None:
            self.welcome.hide()
        # After the first paint, not before it: the collection takes tens of milliseconds.
        QTimer.singleShot(SETTLE_AFTER_MS, settle_heap)
        return window

    def shutdown(self) -> None:
        if self.main_window is not None:
            self.main_window.close()
        if self.welcome is not None:
            self.welcome.close()


def settle_heap() -> None:
    """Move everything alive now (modules, Qt wrappers, the open project) out of the cyclic
    garbage collector's view.

    A full collection walks every tracked object; once the app and a project are loaded that
    took 50–110 ms in the GUI benchmark, a visible hitch in the middle of a scroll. What exists
    at this point lives as long as the window, so scanning it again is wasted work; objects
    made later are collected as usual.
    """
    gc.unfreeze()  # what an earlier project's window left behind can be collected now
    gc.collect()
    gc.freeze()


def create_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication with the names QSettings uses for the platform settings location."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName(APPLICATION)
    return app


UNEXPECTED = (
    "Something unexpected went wrong. Your photos and the catalog are safe; the last action "
    "may not have finished. If it happens again, please report it with the details printed "
    "in the terminal"
)


def unexpected_error(
    exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
) -> None:
    """``sys.excepthook`` for the app: the details go to stderr, the user gets a sentence."""
    traceback.print_exception(exc_type, exc, tb, file=sys.stderr)
    if issubclass(exc_type, KeyboardInterrupt):
        QApplication.quit()
        return
    message = str(exc) if isinstance(exc, GalleryError) else UNEXPECTED
    messages.show_error(QApplication.activeWindow(), "Something went wrong", message)


def main(argv: list[str] | None = None) -> int:
    """Run the desktop app; ``argv`` is ``[]`` (welcome screen) or ``[PROJECT]``."""
    args = list(argv or [])
    app = create_application()
    appearance()  # light or dark as the system (or the user's last choice) says, live
    sys.excepthook = unexpected_error  # an error in a slot shows a message; the app keeps running
    controller = AppController()
    if args:
        if controller.open_project(Path(args[0])) is None:
            controller.show_welcome()
    else:
        controller.show_welcome()
    code = app.exec()
    controller.shutdown()
    return int(code)
