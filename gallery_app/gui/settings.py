"""What the app remembers between runs, in one place, through ``QSettings``.

``QSettings`` with the organisation and application names set in :mod:`gallery_app.gui.app`
stores in the platform's usual location (the registry on Windows, a plist on macOS, an INI
file under ``~/.config`` elsewhere); tests point it at a temporary folder. Every key the app
uses is read and written here with its type and default, so a value of the wrong type (a
hand-edited file, an older version) falls back to the default instead of breaking start-up.

Window state is saved generically: the geometry, the main window's dock and toolbar state,
and the state of every ``QSplitter`` inside it that has an object name, so panels added later
persist without touching this module (give the splitter or dock an object name).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QMainWindow, QSplitter, QWidget

MAX_RECENT = 8
THUMBNAIL_SIZE = "view/thumbnail_size"
APPEARANCE = "view/appearance"
RECENT = "recent_projects"
LAST_PROJECT = "last_project"


def _int(key: str, default: int) -> int:
    value = QSettings().value(key, default)
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return default


def _str(key: str, default: str) -> str:
    value = QSettings().value(key, default)
    return value if isinstance(value, str) else default


# --- projects ---------------------------------------------------------------------------------


def recent_projects() -> list[str]:
    """Project folders opened before, most recent first."""
    value: object = QSettings().value(RECENT, [])
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, list):
        return [str(v) for v in value if str(v)]
    return []


def remember_project(path: Path) -> None:
    """Put ``path`` first in the recent list and make it the last project."""
    entry = str(path.resolve())
    recent = [entry] + [p for p in recent_projects() if p != entry]
    settings = QSettings()
    settings.setValue(RECENT, recent[:MAX_RECENT])
    settings.setValue(LAST_PROJECT, entry)


def forget_project(path: str) -> None:
    """Take a folder off the recent list (the folder itself is not touched)."""
    settings = QSettings()
    settings.setValue(RECENT, [p for p in recent_projects() if p != path])
    if settings.value(LAST_PROJECT) == path:
        settings.remove(LAST_PROJECT)


def last_project() -> str | None:
    value = QSettings().value(LAST_PROJECT)
    return value if isinstance(value, str) and value else None


def _project_key(root: Path) -> str:
    """A settings group per project folder (a hash: paths make poor INI keys)."""
    return "projects/" + hashlib.sha1(str(root.resolve()).encode()).hexdigest()[:16]


def current_photo(root: Path) -> int | None:
    """The photo that was current when this project was last closed."""
    value = _int(f"{_project_key(root)}/current_photo", -1)
    return value if value >= 0 else None


def set_current_photo(root: Path, photo_id: int | None) -> None:
    key = f"{_project_key(root)}/current_photo"
    if photo_id is None:
        QSettings().remove(key)
    else:
        QSettings().setValue(key, photo_id)


# --- view settings ----------------------------------------------------------------------------


def thumbnail_size(default: int) -> int:
    return _int(THUMBNAIL_SIZE, default)


def set_thumbnail_size(size: int) -> None:
    QSettings().setValue(THUMBNAIL_SIZE, int(size))


def appearance() -> str:
    """ "system", "light" or "dark"."""
    value = _str(APPEARANCE, "system")
    return value if value in ("system", "light", "dark") else "system"


def set_appearance(mode: str) -> None:
    QSettings().setValue(APPEARANCE, mode)


# --- window state -----------------------------------------------------------------------------


def save_window(window: QMainWindow, name: str = "main") -> None:
    """Geometry, dock/toolbar state and named splitters of ``window``."""
    settings = QSettings()
    settings.setValue(f"{name}/geometry", window.saveGeometry())
    settings.setValue(f"{name}/state", window.saveState())
    for splitter in _named_splitters(window):
        settings.setValue(f"{name}/splitters/{splitter.objectName()}", splitter.saveState())


def restore_window(
    window: QMainWindow, name: str = "main", default: tuple[int, int] = (1200, 800)
) -> bool:
    """Put ``window`` back as it was saved; False (and the default size) the first time."""
    settings = QSettings()
    geometry = settings.value(f"{name}/geometry")
    restored = isinstance(geometry, QByteArray) and not geometry.isEmpty()
    if restored:
        assert isinstance(geometry, QByteArray)
        restored = window.restoreGeometry(geometry)
    if not restored:
        window.resize(*default)
    state = settings.value(f"{name}/state")
    if isinstance(state, QByteArray) and not state.isEmpty():
        window.restoreState(state)
    settings.beginGroup(f"{name}/splitters")
    saved_splitters = set(settings.childKeys())
    settings.endGroup()
    # Looking for splitters walks every widget of the window (milliseconds, on the way to
    # its first paint): only when one was saved.
    for splitter in _named_splitters(window) if saved_splitters else []:
        if splitter.objectName() not in saved_splitters:
            continue
        saved = settings.value(f"{name}/splitters/{splitter.objectName()}")
        if isinstance(saved, QByteArray) and not saved.isEmpty():
            splitter.restoreState(saved)
    return restored


def _named_splitters(root: QWidget) -> list[QSplitter]:
    return [s for s in root.findChildren(QSplitter) if s.objectName()]
