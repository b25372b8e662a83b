"""The review queue page: photos that need a consent decision for one use, with the reasons.

Worked through with the keyboard: N (no identifiable people), T (tag who is shown), O (use
anyway, with a reason), Enter (show in the grid). The whole queue is a verdict for every photo,
about a second for 20,000, so it is computed on the main window's catalog thread (the only one
that touches the catalog) and arrives by callback; after an edit only the photos it touched are
re-checked there and merged in place. Answers that a newer request made stale are dropped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QItemSelectionModel, QSize, Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from gallery_app.core.catalog.photos import get_photo
from gallery_app.core.consent.model import USES, Verdict
from gallery_app.core.consent.review import (
    ReviewItem,
    ReviewQueue,
    merge_queues,
    queue_parts,
    review_items,
    review_queue,
    shows,
)
from gallery_app.gui import messages
from gallery_app.gui.people import dialogs
from gallery_app.gui.people.models import ReviewQueueModel
from gallery_app.gui.people.widgets import labelled_button, table_view

if TYPE_CHECKING:
    from gallery_app.gui.people.window import PeopleWindow


class ReviewPage(QWidget):
    """Photos that need a consent decision for one use, worked through with the keyboard."""

    PART_SIZE = 2000
    """Photos per unit of catalog work when the whole queue is computed (about 0.1 s)."""

    loaded = Signal()
    """A full reload finished (tests and the window wait on it)."""

    def __init__(self, owner: PeopleWindow) -> None:
        super().__init__()
        self.owner = owner
        self._closed = False
        self._generation = 0
        """Bumped by every full reload: older answers (a queue, a re-check) are dropped."""
        self._dirty: set[int] = set()
        """Photos edited while the whole queue was loading: re-checked when it is in."""
        self._verdicts: dict[int, Verdict] = {}
        self._counts: dict[str, int] = {v.value: 0 for v in Verdict}
        self._rejected: set[int] = set()
        self.loading = False
        self.use_combo = QComboBox()
        self.use_combo.setAccessibleName("Use to review for")
        for use in USES:
            self.use_combo.addItem(f"{use.capitalize()} use", use)
        self.blocked_check = QCheckBox("Also show blocked photos")
        self.blocked_check.setAccessibleName("Also show blocked photos")
        self.summary = QLabel()
        self.summary.setAccessibleName("Review summary")
        top = QHBoxLayout()
        top.setSpacing(10)
        top.addWidget(QLabel("Review for:"))
        top.addWidget(self.use_combo)
        top.addWidget(self.blocked_check)
        top.addStretch(1)

        self.model = ReviewQueueModel(self)
        self.table = table_view("Photos to review")
        self.table.setModel(self.model)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.resizeSection(ReviewQueueModel.PHOTO_COLUMN, 190)
        header.resizeSection(ReviewQueueModel.VERDICT_COLUMN, 120)
        header.resizeSection(ReviewQueueModel.WHY_COLUMN, 300)
        header.setStretchLastSection(True)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.empty = QLabel()
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setAccessibleName("Nothing to review")

        self.thumb = QLabel()
        self.thumb.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.thumb.setFixedHeight(240)
        self.thumb.setMinimumWidth(320)
        self.thumb.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.thumb.setFrameShape(QFrame.Shape.StyledPanel)
        self.thumb.setAccessibleName("Photo being reviewed")
        self.file_label = dialogs.heading("", 1.1)
        self.verdict_label = QLabel()
        self.verdict_label.setTextFormat(Qt.TextFormat.PlainText)
        self.reasons_label = QLabel()
        self.reasons_label.setWordWrap(True)
        self.reasons_label.setTextFormat(Qt.TextFormat.RichText)
        self.reasons_label.setAccessibleName("Why this photo needs review")
        self.no_people_button = labelled_button(
            "No identifiable people", "Mark as showing no identifiable people", "N"
        )
        self.tag_button = labelled_button("Tag who is shown…", "Tag the people shown", "T")
        self.override_button = labelled_button(
            "Use anyway, with a reason…", "Use anyway, with a reason", "O"
        )
        self.grid_button = labelled_button("Show in the grid", "Show in the grid", "Return")
        side = QWidget()
        side.setMinimumWidth(300)
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(12, 0, 0, 0)
        side_layout.setSpacing(8)
        side_layout.addWidget(self.thumb)
        side_layout.addWidget(self.file_label)
        side_layout.addWidget(self.verdict_label)
        side_layout.addWidget(self.reasons_label)
        side_layout.addSpacing(6)
        for button, key in (
            (self.no_people_button, "N"),
            (self.tag_button, "T"),
            (self.override_button, "O"),
            (self.grid_button, "Enter"),
        ):
            row = QHBoxLayout()
            row.addWidget(button, 1)
            key_label = QLabel(key)
            key_label.setFixedWidth(56)  # one width for "N" and "Enter": buttons line up
            key_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            key_label.setStyleSheet(
                "border: 1px solid palette(mid); border-radius: 4px; padding: 2px 6px;"
            )
            key_label.setAccessibleName(f"Key {key}")
            row.addWidget(key_label)
            side_layout.addLayout(row)
        side_layout.addStretch(1)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.setSpacing(6)
        left_layout.addWidget(self.table, 1)
        left_layout.addWidget(self.empty, 1)
        left_layout.addWidget(self.summary)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(side)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([780, 400])
        hint = QLabel(
            "↑↓ move · N no identifiable people · T tag people · O use anyway with a reason · "
            "Enter show in grid · Ctrl+Z undo"
        )
        hint.setStyleSheet("color: palette(placeholder-text);")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 8)
        layout.setSpacing(10)
        layout.addLayout(top)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(hint)

        self.use_combo.currentIndexChanged.connect(lambda _i: self.reload())
        self.blocked_check.toggled.connect(lambda _on: self.reload())
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self._show_current())
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._update_buttons())
        self.table.activated.connect(lambda _ix: self.owner.show_in_grid())
        self.no_people_button.clicked.connect(self.owner.mark_no_people)
        self.tag_button.clicked.connect(self.owner.tag_people)
        self.override_button.clicked.connect(self.owner.override)
        self.grid_button.clicked.connect(self.owner.show_in_grid)
        self.owner.loader.thumbnail_ready.connect(self._thumbnail_ready)
        self._shown_id: int | None = None

    @property
    def use(self) -> str:
        return str(self.use_combo.currentData())

    def reload(self) -> None:
        """Recompute the whole queue on the catalog thread (about a second per 20,000
        photos, in parts of 2,000 so that culling and grid reads queued meanwhile run between
        them); the table keeps showing the previous queue until the answer arrives."""
        if self._closed:
            return
        self._generation += 1
        generation = self._generation
        self.loading = True
        self._dirty.clear()  # this load reads them afresh
        self.summary.setText("Checking every photo…")
        use, blocked, size = self.use, self.blocked_check.isChecked(), self.PART_SIZE
        self.owner.catalog.submit_in_parts(
            lambda p: queue_parts(p.conn, size),
            lambda p, ids: review_queue(p.conn, use, include_blocked=blocked, photo_ids=ids),
            lambda parts: self._on_loaded(generation, merge_queues(use, parts)),
            lambda message: self._on_failed(generation, message),
            wanted=lambda: not self._closed and generation == self._generation,
        )

    def shutdown(self) -> None:
        """The window is closing: answers still on their way are ignored."""
        self._closed = True

    def _on_loaded(self, generation: int, queue: object) -> None:
        if self._closed or generation != self._generation or not isinstance(queue, ReviewQueue):
            return  # superseded by a newer reload
        self.loading = False
        keep_row = max(self.table.currentIndex().row(), 0)
        keep_id = self.current_photo_id()
        self._verdicts = dict(queue.verdicts)
        self._counts = dict(queue.counts)
        self._rejected = set(queue.rejected)
        self.model.set_items(queue.items)
        self._restore_cursor(keep_id, keep_row)
        dirty, self._dirty = sorted(self._dirty), set()
        self.update_photos(dirty)  # submitted after the edits, so it sees them
        self.loaded.emit()

    def _on_failed(self, generation: int, message: str) -> None:
        if self._closed or generation != self._generation:
            return
        self.loading = False
        self.summary.setText("")
        messages.show_error(self, "Could not check the photos", message)
        self.loaded.emit()

    def update_photos(self, photo_ids: list[int]) -> None:
        """Re-check just these photos (after an edit or a consent change) and merge them in
        place: milliseconds, where the whole queue takes a second on a big project."""
        if not photo_ids or self._closed:
            return
        if self.loading:
            # Parts already read may predate this change: re-check these photos once the
            # whole queue is in (restarting the load instead would never finish while
            # someone keeps culling).
            self._dirty.update(photo_ids)
            return
        generation, use = self._generation, self.use
        self.owner.catalog.submit(
            lambda p: review_items(p.conn, use, photo_ids),
            lambda items: self._merge(generation, items),
            lambda message: self._merge_failed(generation, message),
        )

    def _merge_failed(self, generation: int, message: str) -> None:
        if not self._closed and generation == self._generation:
            messages.show_error(self, "Could not check the photos", message)

    def _merge(self, generation: int, items: dict[int, ReviewItem | None]) -> None:
        """Merge re-checked photos in place (unless a full reload was asked for since: its
        queue is newer, or is for another use)."""
        if self._closed or generation != self._generation:
            return
        keep_row = max(self.table.currentIndex().row(), 0)
        keep_id = self.current_photo_id()
        include_blocked = self.blocked_check.isChecked()
        for photo_id, item in items.items():
            before = self._verdicts.pop(photo_id, None)
            if before is not None:
                self._counts[before.value] -= 1
            self._rejected.discard(photo_id)
            if item is not None and item.rejected:
                self._rejected.add(photo_id)
            elif item is not None:
                self._verdicts[photo_id] = item.verdict
                self._counts[item.verdict.value] += 1
            self.model.merge(photo_id, item if shows(item, include_blocked) else None)
        self._restore_cursor(keep_id, keep_row)

    def _restore_cursor(self, keep_id: int | None, keep_row: int) -> None:
        """Stay on the same photo, or, when it left the queue, on the one that took its row
        (the next one to review)."""
        counts = self._counts
        summary = (
            f"{counts['needs_review']} need review · {counts['blocked']} blocked · "
            f"{counts['cleared']} cleared"
        )
        if self._rejected:
            summary += f" · {len(self._rejected)} rejected (not exported, not listed)"
        self.summary.setText(summary)
        empty = self.model.rowCount() == 0
        self.table.setVisible(not empty)
        self.empty.setVisible(empty)
        self.empty.setText(
            f"✓ Nothing left to review for {self.use} use."
            + ("" if self.blocked_check.isChecked() else " Blocked photos are not shown.")
        )
        if not empty:
            row = self.model.row_of(keep_id) if keep_id is not None else None
            if row is None:
                row = min(keep_row, self.model.rowCount() - 1)
            index = self.model.index(row, 0)
            self.table.selectionModel().setCurrentIndex(
                index,
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
            self.table.scrollTo(index)
        self._show_current()

    def selected_rows(self) -> list[int]:
        """The selected rows, else the current row (what N, T and O act on)."""
        rows = sorted({ix.row() for ix in self.table.selectionModel().selectedRows()})
        current = self.table.currentIndex()
        if not rows and current.isValid() and current.row() < self.model.rowCount():
            rows = [current.row()]
        return rows

    def selected_ids(self) -> list[int]:
        return [self.model.item(r).photo_id for r in self.selected_rows()]

    def current_photo_id(self) -> int | None:
        index = self.table.currentIndex()
        if not index.isValid() or index.row() >= self.model.rowCount():
            return None
        return self.model.item(index.row()).photo_id

    def _show_current(self) -> None:
        index = self.table.currentIndex()
        if not index.isValid() or self.model.rowCount() == 0:
            self._shown_id = None
            self.thumb.clear()
            self.thumb.setText("")
            self.file_label.setText("")
            self.verdict_label.setText("")
            self.reasons_label.setText("")
            self._update_buttons()
            return
        item = self.model.item(index.row())
        self._shown_id = item.photo_id
        self.file_label.setText(item.filename)
        when = (item.captured_at or "")[:16].replace("T", " ")
        verdict = "⊘ Blocked" if item.verdict is Verdict.BLOCKED else "? Needs review"
        self.verdict_label.setText(f"{verdict} for {self.use} use" + (f" · {when}" if when else ""))
        bullets = "".join(
            f"<li>{dialogs.html_escape(r[:1].upper() + r[1:])}</li>" for r in item.reasons
        )
        self.reasons_label.setText(f"<ul style='margin-left: -20px'>{bullets}</ul>")
        self._load_thumbnail(item.photo_id)
        self._update_buttons()

    def _load_thumbnail(self, photo_id: int) -> None:
        pixmap = self.owner.loader.pixmap(photo_id)
        if pixmap is not None:
            self._set_thumb(pixmap)
            return
        if self.owner.loader.is_missing(photo_id):
            self.thumb.setText("No preview")
            return
        self.thumb.setText("Loading…")
        self.owner.catalog.submit(
            lambda p: get_photo(p.conn, photo_id)["content_hash"],
            lambda content_hash: self._request_thumbnail(photo_id, content_hash),
            lambda _message: self._no_preview(photo_id),
        )

    def _request_thumbnail(self, photo_id: int, content_hash: Any) -> None:
        if not self._closed and photo_id == self._shown_id:
            self.owner.loader.request(photo_id, self.owner.project.cache_dir, str(content_hash))

    def _no_preview(self, photo_id: int) -> None:
        if not self._closed and photo_id == self._shown_id:
            self.thumb.setText("No preview")

    def _thumbnail_ready(self, photo_id: int) -> None:
        if photo_id == self._shown_id:
            self._load_thumbnail(photo_id)

    def _set_thumb(self, pixmap: QPixmap) -> None:
        box = self.thumb.size() - QSize(8, 8)
        self.thumb.setPixmap(
            pixmap.scaled(
                box, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
            )
        )

    def _update_buttons(self) -> None:
        rows = self.selected_rows()
        has = bool(rows)
        for button in (self.no_people_button, self.tag_button, self.grid_button):
            button.setEnabled(has)
        blocked = any(self.model.item(r).verdict is Verdict.BLOCKED for r in rows)
        self.override_button.setEnabled(has and not blocked)
        self.override_button.setToolTip(
            "A blocked photo cannot be used anyway: someone refused or withdrew consent."
            if blocked
            else "Use anyway, with a reason (O)"
        )
