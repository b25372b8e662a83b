"""Setting a camera's clock from one photo of a known time, and undoing it.

The user picks a photo whose real time they know (the keynote started at 10:00, the clock on
the wall is in the shot) and types that time. The dialog shows which camera it is, how many
photos move, and by how much in words ("1 h 2 min later"), before anything changes. The core
does the arithmetic and the update (:mod:`gallery_app.core.cameras`); the change goes onto the
window's undo stack like any edit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import QDateTime, Qt
from PySide6.QtGui import QUndoCommand
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
from gallery_app.core.errors import GalleryError
from gallery_app.core.project import Project

_FORMAT = "d MMM yyyy  HH:mm:ss"


def _qt(moment: dt.datetime) -> QDateTime:
    return QDateTime.fromString(moment.isoformat(timespec="seconds"), Qt.DateFormat.ISODate)


def _py(moment: QDateTime) -> dt.datetime:
    return dt.datetime.fromisoformat(moment.toString("yyyy-MM-ddTHH:mm:ss"))


class ClockOffsetDialog(QDialog):
    """Asks when one photo was really taken and shows what that does to its camera's photos."""

    def __init__(self, project: Project, photo_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        conn = project.conn
        self.setWindowTitle("Set camera clock")
        self.photo_id = photo_id
        self.camera = cameras.camera_of(conn, photo_id)
        self.recorded = cameras.recorded_time(conn, photo_id)
        name = get_photo(conn, photo_id)["filename"]
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


class ClockOffsetCommand(QUndoCommand):
    """A camera clock change as one undo step. Push it *after* the change was made."""

    def __init__(
        self,
        project: Project,
        change: cameras.ClockChange,
        on_changed: Callable[[], None],
        on_error: Callable[[str], None],
    ) -> None:
        super().__init__(f"set the clock of {change.camera.label}")
        self._project = project
        self._change = change
        self._on_changed = on_changed
        self._on_error = on_error
        self._applied = True

    def redo(self) -> None:
        if not self._applied:
            self._set(self._change.after)
            self._applied = True

    def undo(self) -> None:
        if self._applied:
            self._set(self._change.before)
            self._applied = False

    def _set(self, seconds: int) -> None:
        try:
            cameras.set_clock_offset(self._project, self._change.camera.key, seconds)
        except GalleryError as exc:
            self._on_error(str(exc))
            return
        self._on_changed()
