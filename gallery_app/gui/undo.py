"""QUndoStack adapter over the core's reversible edits, run on the catalog thread.

The core owns the edits and their history (``edit_history`` in the catalog, so the CLI's
``undo`` sees what the app did). A :class:`CoreEditCommand` is pushed as soon as the user
asks for a change; its first ``redo()`` submits the core's :func:`edits.apply_edit` to the
:class:`~gallery_app.gui.catalog_thread.CatalogThread`, later ones :func:`edits.redo`, and
``undo()`` submits :func:`edits.undo`, each one transaction. The window is handed the core
:class:`Edit` when the result arrives. A bulk edit of N photos is one edit, hence one command
and one undo step.

The catalog thread runs work in submission order, so an undo pressed before the edit's result
arrived still undoes that edit. What the command knows about the core's edit is kept on the
worker side (only the catalog thread reads or writes it, one job after another): an undo of an
edit that changed nothing, or that the core refused, is skipped there rather than undoing
someone else's edit. On the GUI thread such a command marks itself obsolete and, if it is
still the newest step, leaves the stack. The command also checks that the core undid *its*
edit; if the history was changed behind the app's back it reports an error instead of
silently undoing something else.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QUndoCommand, QUndoStack

from gallery_app.core import edits
from gallery_app.core.edits import Edit, EditRequest
from gallery_app.core.errors import GalleryError
from gallery_app.core.project import Project
from gallery_app.gui.catalog_thread import CatalogThread

ChangedCallback = Callable[[Edit], None]
"""Gets the core edit that was applied, undone or redone (its photo ids, its changes)."""
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


class CatalogChangeFailed(GalleryError):
    """SQLite refused an edit, undo or redo; the message is already a sentence (:func:`_plain`),
    which the catalog thread hands to the error callback unchanged."""


class HistoryOutOfStep(GalleryError):
    """The catalog's undo history no longer matches the app's (another program edited it)."""


def _same_edit(stored: Edit, applied: Edit) -> bool:
    """Whether the edit the core stepped through is the one this command applied.

    Compared as values first: serialising both edits of a 1,000-photo keyword change to
    JSON took 10–25 ms of every undo. Only if they differ (a tuple read back as a list,
    say) does the stored form decide."""
    return stored.changes == applied.changes or stored.to_json() == applied.to_json()


def drop_if_newest(stack: QUndoStack, command: QUndoCommand) -> None:
    """Take a command that turned out to change nothing off the stack, if it is the newest.

    An obsolete command is deleted by ``QUndoStack.undo()`` without its ``undo()`` being
    called (Qt ≥ 5.9). One that is no longer the newest stays, obsolete, and goes silently
    when the user undoes back to it.
    """
    command.setObsolete(True)
    count = stack.count()
    if count and stack.index() == count and stack.command(count - 1) is command:
        stack.undo()


class CatalogCommand(QUndoCommand):
    """An undo step whose work runs on the catalog thread; push it *before* anything ran.

    The first ``redo()`` (from ``push``) submits ``_apply_in_worker``; later redos and undos
    submit ``_redo_in_worker`` / ``_undo_in_worker``. The catalog thread runs jobs in submission
    order, so an undo pressed before the apply finished still undoes it. If the core refuses
    the change, the command leaves the stack again (see :func:`drop_if_newest`).
    """

    def __init__(
        self, text: str, catalog: CatalogThread, stack: QUndoStack, on_error: ErrorCallback
    ) -> None:
        super().__init__(text)
        self._catalog = catalog
        self._stack = stack
        self._on_error = on_error
        self._submitted = False

    def redo(self) -> None:
        if not self._submitted:
            self._submitted = True
            self._catalog.submit(self._apply_in_worker, self._on_applied, self._on_refused)
        else:
            self._catalog.submit(self._redo_in_worker, self._on_stepped, self._on_error)

    def undo(self) -> None:
        self._catalog.submit(self._undo_in_worker, self._on_stepped, self._on_error)

    def _on_refused(self, message: str) -> None:
        on_error = self._on_error  # taken first: dropping deletes the C++ command
        drop_if_newest(self._stack, self)
        on_error(message)

    # Subclasses: the first three run on the catalog thread, the last two on the GUI thread.
    def _apply_in_worker(self, project: Project) -> Any:
        raise NotImplementedError

    def _undo_in_worker(self, project: Project) -> Any:
        raise NotImplementedError

    def _redo_in_worker(self, project: Project) -> Any:
        raise NotImplementedError

    def _on_applied(self, result: Any) -> None:
        raise NotImplementedError

    def _on_stepped(self, result: Any) -> None:
        raise NotImplementedError


class _Refused:
    """The core refused to undo or redo the step (it would tag someone no longer in the
    register) and changed nothing; ``message`` says why."""

    def __init__(self, message: str, *, undoing: bool) -> None:
        self.message = message
        self.undoing = undoing


class CoreEditCommand(CatalogCommand):
    """One core edit as one undo step; push it *before* anything ran (push calls redo).

    If the core refuses to undo (or redo) the step, the stack is put back where the core is,
    so the step is offered again rather than shown as done.
    """

    def __init__(
        self,
        catalog: CatalogThread,
        stack: QUndoStack,
        photo_ids: list[int],
        request: EditRequest,
        *,
        on_changed: ChangedCallback,
        on_error: ErrorCallback,
    ) -> None:
        super().__init__(request.describe(len(photo_ids)), catalog, stack, on_error)
        self._photo_ids = list(photo_ids)
        self._request = request
        self._on_changed = on_changed
        self._edit: Edit | None = None
        """The applied edit, once its result reached the GUI thread."""
        self._core_edit: Edit | None = None
        """The applied edit as the worker knows it (read and written on the catalog thread
        only, in submission order)."""
        self._put_back = False
        """The next undo()/redo() only moves the stack back to where the core is."""

    def redo(self) -> None:
        if self._put_back:
            self._put_back = False
            return
        super().redo()

    def undo(self) -> None:
        if self._put_back:
            self._put_back = False
            return
        super().undo()

    @property
    def edit(self) -> Edit | None:
        """The core edit, or None until the catalog thread applied it."""
        return self._edit

    # --- catalog thread ------------------------------------------------------------------

    def _apply_in_worker(self, project: Project) -> Edit:
        try:
            edit = edits.apply_edit(project, self._photo_ids, self._request)
        except sqlite3.Error as exc:
            raise CatalogChangeFailed(_plain(exc)) from exc
        self._core_edit = edit if edit.changes else None
        return edit

    def _undo_in_worker(self, project: Project) -> Edit | _Refused | None:
        return self._step_in_worker(project, edits.undo)

    def _redo_in_worker(self, project: Project) -> Edit | _Refused | None:
        return self._step_in_worker(project, edits.redo)

    def _step_in_worker(
        self, project: Project, step: Callable[[Project], Edit | None]
    ) -> Edit | _Refused | None:
        if self._core_edit is None:
            return None  # the edit changed nothing (or was refused): nothing to undo
        try:
            done = step(project)
        except edits.EditNotApplicable as exc:
            return _Refused(str(exc), undoing=step is edits.undo)
        except sqlite3.Error as exc:
            raise CatalogChangeFailed(_plain(exc)) from exc
        if done is None or not _same_edit(done, self._core_edit):
            raise HistoryOutOfStep(
                "the project's edit history was changed outside this window; "
                "reopen the project to continue"
            )
        return done

    # --- GUI thread ----------------------------------------------------------------------

    def _on_applied(self, edit: Edit) -> None:
        if not edit.changes:
            drop_if_newest(self._stack, self)
            return
        self._edit = edit
        self._on_changed(edit)

    def _on_stepped(self, done: Edit | _Refused | None) -> None:
        if isinstance(done, _Refused):
            stack = self._stack
            # Only while this step is still next in line: a later press has moved on and
            # meets the same refusal itself.
            position = stack.index() if done.undoing else stack.index() - 1
            if 0 <= position < stack.count() and stack.command(position) is self:
                self._put_back = True
                if done.undoing:
                    stack.redo()
                else:
                    stack.undo()
            self._on_error(done.message)
        elif done is not None:
            self._on_changed(done)


def push_request(
    catalog: CatalogThread,
    stack: QUndoStack,
    photo_ids: list[int],
    request: EditRequest,
    *,
    on_changed: ChangedCallback,
    on_error: ErrorCallback,
) -> CoreEditCommand:
    """Push one request as one undo step; the catalog thread applies it (one transaction)
    and ``on_changed`` runs when it did. Errors from the core go to ``on_error``."""
    command = CoreEditCommand(
        catalog, stack, photo_ids, request, on_changed=on_changed, on_error=on_error
    )
    stack.push(command)
    return command
