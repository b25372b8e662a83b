"""QUndoStack adapter over the core's reversible edits.

The core owns the edits and their history (``edit_history`` in the catalog, so the CLI's
``undo`` sees what the app did). A :class:`CoreEditCommand` wraps one already-applied
:class:`~gallery_app.core.edits.Edit`: undoing it calls the core's :func:`edits.undo`, redoing
it :func:`edits.redo`, each one transaction. A bulk edit of N photos is one edit, hence one
command and one undo step. The command checks that the core undid *its* edit; if the history
was changed behind the app's back it reports an error instead of silently undoing something
else.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from PySide6.QtGui import QUndoCommand

from gallery_app.core import edits
from gallery_app.core.edits import Edit, EditRequest
from gallery_app.core.errors import GalleryError
from gallery_app.core.project import Project

ChangedCallback = Callable[[list[int]], None]
ErrorCallback = Callable[[str], None]


BUSY_MESSAGE = (
    "the project is busy: another program (or another window) is saving to it. Nothing was "
    "changed; try again in a moment"
)


def _plain(exc: sqlite3.Error) -> str:
    """A catalog error as a sentence (these run in QAction slots: nothing may escape)."""
    if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc).lower():
        return BUSY_MESSAGE
    return f"the project's catalog could not be changed ({exc}); nothing was changed"


class HistoryOutOfStep(GalleryError):
    """The catalog's undo history no longer matches the app's (another program edited it)."""


class CoreEditCommand(QUndoCommand):
    """One core edit as one undo step. Push it *after* the core applied the edit."""

    def __init__(
        self,
        project: Project,
        edit: Edit,
        on_changed: ChangedCallback,
        on_error: ErrorCallback,
    ) -> None:
        super().__init__(edit.description)
        self._project = project
        self._edit = edit
        self._on_changed = on_changed
        self._on_error = on_error
        self._applied = True  # apply_edit already ran; the first redo() from push() is a no-op

    @property
    def edit(self) -> Edit:
        return self._edit

    def redo(self) -> None:
        if self._applied:
            return
        self._run(edits.redo)
        self._applied = True

    def undo(self) -> None:
        if not self._applied:
            return
        self._run(edits.undo)
        self._applied = False

    def _run(self, step: Callable[[Project], Edit | None]) -> None:
        try:
            done = step(self._project)
            if done is None or done.to_json() != self._edit.to_json():
                raise HistoryOutOfStep(
                    "the project's edit history was changed outside this window; "
                    "reopen the project to continue"
                )
        except GalleryError as exc:
            self._on_error(str(exc))
            return
        except sqlite3.Error as exc:
            self._on_error(_plain(exc))
            return
        self._on_changed(self._edit.photo_ids)


def apply_request(
    project: Project,
    photo_ids: list[int],
    request: EditRequest,
    on_changed: ChangedCallback,
    on_error: ErrorCallback,
) -> CoreEditCommand | None:
    """Apply ``request`` through the core (one transaction) and return the command to push,
    or ``None`` when nothing changed. Errors from the core go to ``on_error``."""
    try:
        edit = edits.apply_edit(project, photo_ids, request)
    except GalleryError as exc:
        on_error(str(exc))
        return None
    except sqlite3.Error as exc:
        on_error(_plain(exc))
        return None
    if not edit.changes:
        return None
    return CoreEditCommand(project, edit, on_changed, on_error)
