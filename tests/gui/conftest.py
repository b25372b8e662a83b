"""Fixtures for the desktop app tests: offscreen Qt, private settings, a real small project.

Every test here fails on any Qt warning (pytest-qt's ``qt_log_level_fail`` mark, added to each
item below), never touches the user's real settings (``QSettings`` is pointed at a temporary
folder), and stops every worker pool it started. Without PySide6 or pytest-qt installed the
whole folder is skipped (outside CI), so the Qt-free CI job still runs the core and CLI suites.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TypeVar

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYTEST_QT_API", "pyside6")
for _module in ("PySide6", "pytestqt"):
    if importlib.util.find_spec(_module) is None:
        if os.environ.get("CI"):  # as for the browser tests: CI fails rather than skips
            raise pytest.UsageError(f"tests/gui needs {_module} (pip install -e '.[gui,dev]')")
        pytest.skip(f"{_module} is not installed", allow_module_level=True)

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402
from pytestqt.qtbot import QtBot  # noqa: E402

from gallery_app.core.importing.importer import import_sources  # noqa: E402
from gallery_app.core.project import Project, ProjectDefaults, create_project, open_project  # noqa: E402
from gallery_app.gui import messages  # noqa: E402
from gallery_app.gui.app import AppController  # noqa: E402
from gallery_app.gui.main_window import MainWindow  # noqa: E402
from tests.helpers import make_jpeg  # noqa: E402

GUI_DIR = Path(__file__).parent
PHOTO_COUNT = 12
W = TypeVar("W", bound=QWidget)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if GUI_DIR in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.qt_log_level_fail("WARNING"))
            # The offscreen platform plugin says this about every top-level window.
            item.add_marker(pytest.mark.qt_log_ignore("does not support propagateSizeHints"))


@pytest.fixture(autouse=True)
def private_settings(qapp: QApplication, tmp_path: Path) -> Iterator[Path]:
    """QSettings in a temporary folder, under a test-only organisation name."""
    folder = tmp_path / "settings"
    folder.mkdir()
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    qapp.setOrganizationName("GalleryCuratorTests")
    qapp.setApplicationName("GalleryCuratorTests")
    yield folder
    QSettings().clear()


@pytest.fixture
def errors(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Collects the messages the app would show in a message box."""
    shown: list[str] = []
    monkeypatch.setattr(messages, "show_error", lambda _parent, _title, text: shown.append(text))
    return shown


@pytest.fixture(scope="session")
def template_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with 12 real imported photos (thumbnails made), built once per session."""
    base = tmp_path_factory.mktemp("gui-template")
    card = base / "card"
    for i in range(PHOTO_COUNT):
        make_jpeg(
            card / f"IMG_{i:04d}.JPG",
            seed=100 + i,
            captured=f"2026:05:14 10:{i:02d}:00",
            orientation=6 if i == 5 else 1,
        )
    root = base / "project"
    project = create_project(
        root, ProjectDefaults(event_name="Open Data Summit 2026", event_date="2026-05-14")
    )
    try:
        summary = import_sources(project, [card], workers=1)
        assert len(summary.imported) == PHOTO_COUNT, summary.to_dict()
    finally:
        project.close()
    return root


@pytest.fixture
def project_path(template_project: Path, tmp_path: Path) -> Path:
    """A fresh copy of the template project for one test."""
    target = tmp_path / "Open Data Summit 2026"
    shutil.copytree(template_project, target)
    return target


@pytest.fixture
def gui_project(project_path: Path) -> Iterator[Project]:
    project = open_project(project_path)
    yield project
    project.close()


@pytest.fixture
def controller(qtbot: QtBot) -> Iterator[AppController]:  # noqa: ARG001 (needs the QApplication)
    ctl = AppController()
    yield ctl
    ctl.shutdown()
    if ctl.main_window is not None:
        ctl.main_window.shutdown()


def show_widget(qtbot: QtBot, widget: W) -> W:
    """``widget`` shown on screen (offscreen) and owned by the test, so pytest-qt closes it."""
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def show_main_window(
    project: Project, qtbot: QtBot, size: tuple[int, int], *, activate: bool = False
) -> MainWindow:
    """A main window on ``project``, at ``size``; ``activate`` for tests that type keys or
    move focus (an inactive window gets no key events). The caller shuts it down.

    Returns once the window's catalog thread answered its first jobs (grid ids, first
    summary), so tests start from a shown, filled window."""
    window = MainWindow(project)
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    if activate:
        window.activateWindow()
    qtbot.waitExposed(window)
    assert window.catalog.settle()
    return window
