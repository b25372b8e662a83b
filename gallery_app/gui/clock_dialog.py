"""Setting a camera's clock from one photo of a known time, and undoing it.

The user picks a photo whose real time they know (the keynote started at 10:00, the clock on
the wall is in the shot) and types that time. The dialog shows which camera it is, how many
photos move, and by how much in words ("1 h 2 min later"), before anything changes. The core
does the arithmetic and the update (:mod:`gallery_app.core.cameras`); the change goes onto the
window's undo stack like any edit. The catalog is read and changed on the window's catalog
thread: :func:`read_clock_facts` runs there before the dialog opens, and the command submits
the change (and its undo) there.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QDateTime, Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import (
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from gallery_app.core import cameras
from gallery_app.core.catalog.photos import get_photo
from gallery_app.core.project import Project
from gallery_app.gui.catalog_thread import CatalogThread
from gallery_app.gui.undo import CatalogCommand

_FORMAT = "d MMM yyyy  HH:mm:ss"


def _qt(moment: dt.datetime) -> QDateTime:
    return QDateTime.fromString(moment.isoformat(timespec="seconds"), Qt.DateFormat.ISODate)


def _py(moment: QDateTime) -> dt.datetime:
    return dt.datetime.fromisoformat(moment.toString("yyyy-MM-ddTHH:mm:ss"))


@dataclass(frozen=True)
class ClockFacts:
    """What the dialog shows about one photo, read on the catalog thread before it opens."""

    photo_id: int
    filename: str
    camera: cameras.CameraBody
    recorded: dt.datetime


def read_clock_facts(conn: sqlite3.Connection, photo_id: int) -> ClockFacts:
    """The photo's camera and recorded time (raises GalleryError when it has none)."""
    return ClockFacts(
        photo_id=photo_id,
        camera=cameras.camera_of(conn, photo_id),
        recorded=cameras.recorded_time(conn, photo_id),
        filename=str(get_photo(conn, photo_id)["filename"]),
    )


class ClockOffsetDialog(QDialog):
    """Asks when one photo was really taken and shows what that does to its camera's photos."""

    def __init__(self, facts: ClockFacts, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Set camera clock")
        self.photo_id = facts.photo_id
        self.camera = facts.camera
        self.recorded = facts.recorded
        name = facts.filename
        shown = self.recorded + dt.timedelta(seconds=self.camera.offset_seconds)

        intro = QLabel(
            "If a camera's clock was wrong, its photos appear in the wrong place when sorted "
            "by time. Tell us when this photo was really taken and every photo from the same "
            "camera moves by the same amount."
        )
        intro.setWordWrap(True)
        self.camera_label = QLabel(
            f"<b>{self.camera.label}</b> — {self.camera.photos:,} photo"
            f"{'s' if self.camera.photos != 1 else ''}"
        )
        self.recorded_label = QLabel(self.recorded.strftime("%d %b %Y  %H:%M:%S").lstrip("0"))
        self.current_label = QLabel(cameras.describe_offset(self.camera.offset_seconds))
        self.true_edit = QDateTimeEdit(_qt(shown))
        self.true_edit.setDisplayFormat(_FORMAT)
        self.true_edit.setCalendarPopup(True)
        self.true_edit.setAccessibleName("When the photo was really taken")
        self.true_edit.dateTimeChanged.connect(self._update_effect)
        self.effect_label = QLabel()
        self.effect_label.setWordWrap(True)
        self.effect_label.setAccessibleName("What will change")

        form = QFormLayout()
        form.addRow("Photo:", QLabel(name))
        form.addRow("Camera:", self.camera_label)
        form.addRow("The camera recorded:", self.recorded_label)
        form.addRow("Correction now:", self.current_label)
        form.addRow("&Really taken at:", self.true_edit)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Set clock")
        ok.setAccessibleName("Set clock")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.effect_label)
        layout.addWidget(self.buttons)
        self._update_effect()
        self.true_edit.setFocus()
        self.resize(520, self.sizeHint().height())

    def offset_seconds(self) -> int:
        """The offset that puts the photo at the time typed in."""
        return round((_py(self.true_edit.dateTime()) - self.recorded).total_seconds())

    def set_true_time(self, moment: dt.datetime) -> None:
        self.true_edit.setDateTime(_qt(moment))

    def _update_effect(self) -> None:
        offset = self.offset_seconds()
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        if offset == self.camera.offset_seconds:
            self.effect_label.setText("Nothing changes: that is already this photo's time.")
            ok.setEnabled(False)
            return
        ok.setEnabled(True)
        count = self.camera.photos
        what = "no correction" if offset == 0 else cameras.describe_offset(offset)
        self.effect_label.setText(
            f"All {count:,} photo{'s' if count != 1 else ''} from this camera will be shown "
            f"{what} than the camera recorded."
            if offset
            else f"The correction is removed: all {count:,} photos from this camera go back to "
            "the time the camera recorded."
        )


class ClockOffsetCommand(CatalogCommand):
    """A camera clock change as one undo step, named after the camera the dialog showed."""

    def __init__(
        self,
        catalog: CatalogThread,
        stack: QUndoStack,
        camera: cameras.CameraBody,
        seconds: int,
        *,
        on_changed: Callable[[], None],
        on_error: Callable[[str], None],
    ) -> None:
        super().__init__(f"set the clock of {camera.label}", catalog, stack, on_error)
        self._camera = camera
        self._seconds = seconds
        self._on_changed = on_changed
        self._change: cameras.ClockChange | None = None
        """Set on the catalog thread by the first run, read there by undo and redo."""

    def _apply_in_worker(self, project: Project) -> cameras.ClockChange:
        self._change = cameras.set_clock_offset(project, self._camera.key, self._seconds)
        return self._change

    def _undo_in_worker(self, project: Project) -> bool:
        if self._change is None:
            return False
        cameras.set_clock_offset(project, self._change.camera.key, self._change.before)
        return True

    def _redo_in_worker(self, project: Project) -> bool:
        if self._change is None:
            return False
        cameras.set_clock_offset(project, self._change.camera.key, self._change.after)
        return True

    def _on_applied(self, _change: cameras.ClockChange) -> None:
        self._on_changed()

    def _on_stepped(self, changed: bool) -> None:
        if changed:
            self._on_changed()
