"""The Export dialog's plan: the photos it leaves out, as a table model, and the override.

Split from :mod:`export_dialog` so the model (checked by ``qtmodeltester``) and the small
"Export anyway?" dialog can be read and tested on their own. Nothing here writes anything:
the plan comes from the core's :func:`plan_export` (in parts, so that no unit of catalog work
is long), overrides are recorded by the core's export when it starts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    Qt,
)
from PySide6.QtGui import QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from gallery_app.core.catalog.database import id_chunks
from gallery_app.core.catalog.photos import file_name
from gallery_app.core.consent.model import Verdict
from gallery_app.core.export.exporter import ExportPlan, merge_plans, plan_export
from gallery_app.core.export.presets import Preset
from gallery_app.core.project import Project
from gallery_app.gui.dialog_parts import count, heading, sentence
from gallery_app.gui.models.table_base import ReadOnlyTableModel

USE_WORDS = {
    "web": "the web",
    "social": "social media",
    "print": "print",
    "internal": "internal use",
}
THUMBNAIL = QSize(56, 42)
"""Thumbnails in the left-out table: big enough to recognise a scene, small enough for rows."""
LEFT_OUT_TEXT = {
    Verdict.BLOCKED.value: "⊘ Blocked",
    Verdict.NEEDS_REVIEW.value: "? Needs review",
    "rejected": "✕ Rejected",
}


def id_ranges(photo_ids: list[int]) -> str:
    """``[1, 2, 3, 7]`` as ``"1-3,7"``: the core's ``ids=`` selection, short for big selections."""
    runs: list[list[int]] = []
    for photo_id in sorted(set(photo_ids)):
        if runs and photo_id == runs[-1][1] + 1:
            runs[-1][1] = photo_id
        else:
            runs.append([photo_id, photo_id])
    return ",".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


def plan_with_names(
    project: Project,
    preset: Preset,
    select: str | None,
    today: dt.date | None,
    photo_ids: list[int] | None = None,
) -> tuple[ExportPlan, list[LeftOut]]:
    """The core's plan and, for the photos it leaves out, what the table shows: of the whole
    selection, or (``photo_ids``) of one part of the core's :func:`plan_parts`, one unit of
    work on the catalog thread; :func:`merge_parts` puts the parts together. The thumbnails'
    content hashes come with it, so the table never goes back to the catalog for a row
    scrolled into view."""
    plan = plan_export(project, preset, select=select, today=today, photo_ids=photo_ids)
    left = [p for p in plan.photos if not p.exported]
    names: dict[int, str] = {}
    hashes: dict[int, str] = {}
    if left:
        # File name and content hash straight from the rows: ``list_photos`` would also read
        # every photo's keywords and people, half of a part's time, for nothing shown here.
        for chunk, marks in id_chunks([p.photo_id for p in left]):
            for row in project.conn.execute(
                f"SELECT id, path, content_hash FROM photos WHERE id IN ({marks})", chunk
            ):
                names[int(row[0])] = file_name(str(row[1]))
                hashes[int(row[0])] = str(row[2])
    left_out = [
        LeftOut(
            photo_id=p.photo_id,
            filename=names.get(p.photo_id, f"photo {p.photo_id}"),
            verdict="rejected" if p.rejected else p.decision.verdict.value,
            reasons=p.reasons,
            content_hash=hashes.get(p.photo_id, ""),
        )
        for p in left
    ]
    return plan, left_out


def merge_parts(
    preset: Preset, parts: list[tuple[ExportPlan, list[LeftOut]]]
) -> tuple[ExportPlan, list[LeftOut]]:
    """The whole plan and its left-out rows from those of consecutive parts, in their order."""
    plan = merge_plans(preset, [part_plan for part_plan, _ in parts])
    return plan, [row for _, rows in parts for row in rows]


def boxed(pixmap: QPixmap, box: QSize) -> QPixmap:
    """The picture scaled into a fixed box, centred: portrait and landscape rows then have
    their file names at the same place."""
    scaled = pixmap.scaled(
        box, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
    )
    canvas = QPixmap(box)
    canvas.fill(Qt.GlobalColor.transparent)
    painter = QPainter(canvas)
    painter.drawPixmap(
        (box.width() - scaled.width()) // 2, (box.height() - scaled.height()) // 2, scaled
    )
    painter.end()
    return canvas


class OverrideDialog(QDialog):
    """Asks why photos that need review may go out anyway; the reason is kept in the audit log."""

    def __init__(self, photos: int, use: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export anyway")
        self.setAccessibleName("Export anyway")
        them = "it" if photos == 1 else "they"
        self.explanation = explanation = QLabel(
            f"{count(photos, 'photo needs', 'photos need')} a decision before {them} can be "
            f"used for {USE_WORDS.get(use, use)}. Say why {them} may go out anyway, for "
            "example “crowd from behind, nobody recognisable”. Your reason and your name are "
            "kept in the project’s audit log."
        )
        explanation.setWordWrap(True)
        explanation.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.reason_edit = QLineEdit()
        self.reason_edit.setAccessibleName("Reason for exporting anyway")
        self.reason_edit.setPlaceholderText("Why these photos may be published")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Export anyway")
        self.ok_button.setAccessibleName("Export anyway, with this reason")
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setAccessibleName("Keep them left out")
        self.ok_button.setEnabled(False)
        self.reason_edit.textChanged.connect(
            lambda text: self.ok_button.setEnabled(bool(text.strip()))
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.setSpacing(12)
        layout.addWidget(heading("Export anyway?"))
        layout.addWidget(explanation)
        layout.addWidget(self.reason_edit)
        layout.addStretch(1)  # spare height goes here, not between the lines of text
        layout.addWidget(self.buttons)
        self.setFixedWidth(480)  # a known width, so the wrapped text gets its full height

    def reason(self) -> str:
        return self.reason_edit.text().strip()


@dataclass(frozen=True)
class LeftOut:
    """One photo the plan leaves out, as the table shows it."""

    photo_id: int
    filename: str
    verdict: str
    """"blocked", "needs_review" or "rejected"."""
    reasons: tuple[str, ...]
    content_hash: str = ""
    """For its thumbnail ("" if unknown: no thumbnail is asked for)."""

    @property
    def can_override(self) -> bool:
        return self.verdict == Verdict.NEEDS_REVIEW.value


class LeftOutModel(ReadOnlyTableModel[LeftOut]):
    """The photos the plan leaves out, with the reasons and the user's overrides."""

    COLUMNS = ("Photo", "Consent", "Why it is left out", "What happens")
    HEADER_ROLES = (Qt.ItemDataRole.DisplayRole,)

    def __init__(
        self,
        parent: QObject | None = None,
        thumbnail: Callable[[int], QIcon | None] | None = None,
    ) -> None:
        """``thumbnail(photo_id)`` gives the photo's thumbnail if it is loaded (and starts
        loading it if not); call :meth:`thumbnail_loaded` when it arrives."""
        super().__init__(parent)
        self._row_of: dict[int, int] = {}
        self._overrides: dict[int, str] = {}
        self._thumbnail = thumbnail

    def set_rows(self, rows: list[LeftOut], overrides: dict[int, str]) -> None:
        self.beginResetModel()
        self._rows = rows
        self._row_of = {item.photo_id: row for row, item in enumerate(rows)}
        self._overrides = overrides
        self.endResetModel()

    def thumbnail_loaded(self, photo_id: int) -> None:
        row = self._row_of.get(photo_id)
        if row is not None:
            index = self.index(row, 0)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])

    def overrides_changed(self) -> None:
        if self._rows:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._rows) - 1, len(self.COLUMNS) - 1), []
            )

    def left_out(self, row: int) -> LeftOut:
        return self._rows[row]

    def data(
        self,
        index: QModelIndex | QPersistentModelIndex,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        item = self._row_at(index)
        if item is None:
            return None
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if column == 0:
                return item.filename
            if column == 1:
                return LEFT_OUT_TEXT.get(item.verdict, item.verdict)
            if column == 2:
                return sentence("; ".join(item.reasons)) or "—"
            if column == 3:
                return self._outcome(item)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return (
                f"{item.filename}: {LEFT_OUT_TEXT.get(item.verdict, item.verdict)}; "
                f"{'; '.join(item.reasons)}; {self._outcome(item)}"
            )
        if role == Qt.ItemDataRole.UserRole:
            return item.photo_id
        if role == Qt.ItemDataRole.DecorationRole and column == 0 and self._thumbnail:
            # Names like 20260514-100000-0001.jpg mean nothing to most people: the picture
            # tells them which photo it is. A QIcon is drawn at the view's icon size.
            return self._thumbnail(item.photo_id)
        return None

    def _outcome(self, item: LeftOut) -> str:
        reason = self._overrides.get(item.photo_id)
        if reason is not None:
            return f"✓ Goes out: {reason}"
        if item.can_override:
            return "Left out · may go with a reason"
        return "Left out"
