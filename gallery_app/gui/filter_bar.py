"""The filter and sort bar above the grid: which photos to show, in which order, and how many.

Every control says what it filters in its own text ("Any rating", "With alt text", "✓ Cleared
for web"), so the bar reads as a sentence without labels and a comms officer never needs a
manual. The bar only builds a core :class:`PhotoQuery` and emits it; the main window asks the
catalog (SQL, plus the consent policy for the verdict) for the new id list, and the grid model
swaps its ids. Nothing is filtered in Python or in a proxy model.

Keyboard: Ctrl+F puts the cursor in the keyword box, Tab walks the controls, Enter applies a
typed keyword or name at once, Escape returns to the grid.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QDateTime, QSignalBlocker, QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QIcon, QKeyEvent, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDateTimeEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from gallery_app.core.cameras import CameraBody, describe_offset
from gallery_app.core.catalog.photos import PhotoQuery
from gallery_app.core.consent.model import USES
from gallery_app.core.edits import COLOR_LABELS
from gallery_app.gui.flow_layout import flow_container

KEYWORD_LEVEL = " › "
"""How a hierarchical keyword is shown ("Sessions › Panel"); the catalog stores "|"."""

USE_TEXT = {"web": "web", "social": "social media", "print": "print", "internal": "internal use"}
LABEL_COLOURS = {
    "red": "#d93025",
    "yellow": "#e8b400",
    "green": "#1e8e3e",
    "blue": "#1a73e8",
    "purple": "#9334e6",
}
_TIME_FORMAT = "d MMM yyyy HH:mm"  # the year too: events span New Year, archives years
"""Events last a day or three: the year would only widen the bar (the calendar shows it)."""
_DEBOUNCE_MS = 300


def keyword_to_display(path: str) -> str:
    return KEYWORD_LEVEL.join(path.split("|"))


def keyword_from_display(text: str) -> str:
    """What a person typed ("Sessions > Panel", "Sessions › Panel") as a stored path."""
    for separator in ("›", ">"):
        text = text.replace(separator, "|")
    return "|".join(part.strip() for part in text.split("|"))


def set_strings(completer: QCompleter, strings: list[str]) -> None:
    """Give a completer new suggestions, unless they are the same: a reset would close the
    popup under someone typing, and this runs after every edit."""
    model = completer.model()
    assert isinstance(model, QStringListModel)
    if model.stringList() != strings:
        model.setStringList(strings)


def colour_icon(name: str) -> QIcon:
    """A round swatch for a colour label, always shown next to the colour's name."""
    pixmap = QPixmap(12, 12)
    pixmap.fill(QColor(LABEL_COLOURS.get(name, "#888888")))
    return QIcon(pixmap)


class _Combo(QComboBox):
    """A combo whose items carry the query values they stand for."""

    def __init__(self, accessible_name: str, items: list[tuple[str, Any]]) -> None:
        super().__init__()
        self.setAccessibleName(accessible_name)
        self.setToolTip(accessible_name)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        for text, value in items:
            self.addItem(text, value)

    def value(self) -> Any:
        return self.currentData()

    def reset(self) -> None:
        self.setCurrentIndex(0)


class FilterBar(QWidget):
    """Filter and sort controls, the "N of M photos" count and a Clear button.

    Signals:
        query_changed(PhotoQuery): the user changed a filter or the order.
        refresh_requested(): run the same query again (photos were edited since).
        done(): the user pressed Escape; focus should go back to the grid.
    """

    query_changed = Signal(object)
    refresh_requested = Signal()
    done = Signal()
    range_needed = Signal()
    """"Taken between" was ticked before any capture-time range was known (an empty project
    at first paint, say): the owner answers with :meth:`set_vocabulary` and a ``time_range``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("filter_bar")
        self.setAccessibleName("Filter and sort photos")
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(_DEBOUNCE_MS)
        self._debounce.timeout.connect(self._emit)
        self._last: PhotoQuery | None = None
        self._busy_timer = QTimer(self)
        self._busy_timer.setSingleShot(True)
        self._busy_timer.setInterval(150)
        self._busy_timer.timeout.connect(self._show_busy)

        self.keyword_edit = self._search_box("Keyword", "Keyword…")
        self.keyword_completer = self._completer(self.keyword_edit)
        self.person_edit = self._search_box("Person", "Person shown…")
        self.person_completer = self._completer(self.person_edit)

        self.rating_combo = _Combo(
            "Rating",
            [("Any rating", (None, None))]
            + [(f"{'★' * n} or more", (n, None)) for n in range(1, 5)]
            + [("★★★★★ only", (5, None)), ("Unrated", (None, 0))],
        )
        self.flag_combo = _Combo(
            "Pick or reject",
            [
                ("Picks & rejects", None),
                ("Hide rejects", "hide"),
                ("⚑ Picks only", 1),
                ("✕ Rejects only", -1),
                ("Not flagged", 0),
            ],
        )
        self.label_combo = _Combo("Colour label", [("Any label", None)])
        for name in COLOR_LABELS:
            self.label_combo.addItem(colour_icon(name), f"{name.capitalize()} label", name)
        self.label_combo.addItem("No label", "")
        self.verdict_combo = _Combo(
            "Consent verdict",
            [
                ("Any consent", None),
                ("✓ Cleared", "cleared"),
                ("? Needs review", "needs_review"),
                ("⊘ Blocked", "blocked"),
            ],
        )
        self.use_combo = _Combo("Consent for which use", [(f"for {USE_TEXT[u]}", u) for u in USES])
        self.caption_combo = _Combo(
            "Caption", [("Caption: any", None), ("With caption", True), ("No caption", False)]
        )
        self.alt_combo = _Combo(
            "Alt text", [("Alt text: any", None), ("With alt text", True), ("No alt text", False)]
        )
        self.camera_combo = _Combo("Camera", [("Any camera", None)])

        self.time_check = QCheckBox("Taken between")
        self.time_check.setAccessibleName("Only photos taken between two times")
        self.from_edit = self._time_edit("Taken from")
        self.until_edit = self._time_edit("Taken until")
        and_label = QLabel("and")

        self.sort_combo = _Combo(
            "Sort by",
            [("Sort by capture time", "time"), ("Sort by file name", "filename"),
             ("Sort by rating", "rating")],
        )  # fmt: skip
        self.order_button = QToolButton()
        self.order_button.setCheckable(True)
        self.order_button.setAccessibleName("Reverse the order")
        self.order_button.toggled.connect(self._update_order_text)
        self._update_order_text(False)

        self.count_label = QLabel()
        self.count_label.setAccessibleName("Photos shown")
        self.count_label.setMinimumHeight(26)
        self.count_label.setContentsMargins(2, 0, 8, 0)
        self.count_label.setTextFormat(Qt.TextFormat.RichText)
        self.refresh_button = QToolButton()
        self.refresh_button.setText("⟳ Re-apply")
        self.refresh_button.setAccessibleName("Re-apply the filters")
        self.refresh_button.setToolTip(
            "Photos were edited since the filter was applied; some shown may no longer match (F5)"
        )
        self.refresh_button.clicked.connect(self.refresh_requested)
        self.refresh_button.setVisible(False)
        self.clear_button = QPushButton("Clear filters")
        self.clear_button.setAccessibleName("Clear filters")
        self.clear_button.setToolTip("Show every photo again (Ctrl+Shift+F)")
        self.clear_button.clicked.connect(self.clear)

        combos = (
            self.rating_combo,
            self.flag_combo,
            self.label_combo,
            self.verdict_combo,
            self.use_combo,
            self.caption_combo,
            self.alt_combo,
            self.camera_combo,
            self.sort_combo,
        )
        for combo in combos:
            combo.currentIndexChanged.connect(self._emit)
        for widget in (
            *combos,
            self.time_check,
            self.from_edit,
            self.until_edit,
            self.order_button,
        ):
            widget.installEventFilter(self)  # Escape anywhere in the bar: back to the grid
        self.use_combo.currentIndexChanged.connect(self._sync_enabled)
        self.verdict_combo.currentIndexChanged.connect(self._sync_enabled)
        self.order_button.toggled.connect(self._emit)
        self._range_known = False
        # Before _emit: the range the query uses must be the project's, not 2000-01-01.
        self.time_check.toggled.connect(self._time_ticked)
        self.time_check.toggled.connect(self._sync_enabled)
        self.time_check.toggled.connect(self._emit)
        for edit in (self.from_edit, self.until_edit):
            edit.dateTimeChanged.connect(self._debounce.start)

        consent = self._group(self.verdict_combo, self.use_combo)
        time_range = self._group(self.time_check, self.from_edit, and_label, self.until_edit)
        sort = self._group(self.sort_combo, self.order_button)
        # The filters people reach for first read as a sentence: "3 of 12 photos · keyword ·
        # person · rating · picks · consent". The rest wait behind "More filters", which says
        # how many of them are on, so a filter is never hidden without a trace.
        self.more_button = QToolButton()
        self.more_button.setCheckable(True)
        self.more_button.setAccessibleName("Show more filters")
        self.more_button.setToolTip("Colour label, caption, alt text, camera and time")
        primary = flow_container(
            [
                self.count_label,
                self.refresh_button,
                self.clear_button,
                self.keyword_edit,
                self.person_edit,
                self.rating_combo,
                self.flag_combo,
                consent,
                sort,
                self.more_button,
            ]
        )
        self.more_filters = flow_container(
            [self.label_combo, self.caption_combo, self.alt_combo, self.camera_combo, time_range]
        )
        self.more_filters.setVisible(False)
        self.more_button.toggled.connect(self.more_filters.setVisible)
        self.more_button.toggled.connect(self._update_more_text)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(6)
        layout.addWidget(primary)
        layout.addWidget(self.more_filters)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self._sync_enabled()
        self._update_more_text()
        self.set_counts(0, 0)

    # --- building -------------------------------------------------------------------------

    def _search_box(self, name: str, placeholder: str) -> QLineEdit:
        edit = QLineEdit()
        edit.setPlaceholderText(placeholder)
        edit.setAccessibleName(name)
        edit.setToolTip(
            f"{name}: type and press Enter, or pick a suggestion"
            + (" (“Sessions” also finds “Sessions › Panel”)" if name == "Keyword" else "")
        )
        edit.setClearButtonEnabled(True)
        edit.setMinimumWidth(140)
        edit.textEdited.connect(self._debounce.start)
        edit.returnPressed.connect(self._emit)
        edit.installEventFilter(self)
        return edit

    def _completer(self, edit: QLineEdit) -> QCompleter:
        completer = QCompleter(QStringListModel(self), edit)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.activated.connect(lambda _text: QTimer.singleShot(0, self._emit))
        edit.setCompleter(completer)
        return completer

    def _time_edit(self, name: str) -> QDateTimeEdit:
        edit = QDateTimeEdit()
        edit.setDisplayFormat(_TIME_FORMAT)
        edit.setCalendarPopup(True)
        edit.setAccessibleName(name)
        return edit

    @staticmethod
    def _group(*widgets: QWidget) -> QWidget:
        holder = QWidget()
        row = QHBoxLayout(holder)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(4)
        for widget in widgets:
            row.addWidget(widget)
        return holder

    def _update_order_text(self, descending: bool) -> None:
        self.order_button.setText("↓ Descending" if descending else "↑ Ascending")
        self.order_button.setToolTip(
            "Newest, last or highest first" if descending else "Oldest, first or lowest first"
        )

    def _update_more_text(self, *_args: object) -> None:
        on = sum(
            1
            for active in (
                self.label_combo.currentIndex() > 0,
                self.caption_combo.currentIndex() > 0,
                self.alt_combo.currentIndex() > 0,
                self.camera_combo.currentIndex() > 0,
                self.time_check.isChecked(),
            )
            if active
        )
        text = "Fewer filters ▴" if self.more_button.isChecked() else "More filters ▾"
        if on and not self.more_button.isChecked():
            text = f"More filters ({on} on) ▾"
        self.more_button.setText(text)

    def _sync_enabled(self) -> None:
        self.use_combo.setEnabled(self.verdict_combo.value() is not None)
        for edit in (self.from_edit, self.until_edit):
            edit.setEnabled(self.time_check.isChecked())

    # --- what the project offers ------------------------------------------------------------

    def set_vocabulary(
        self,
        *,
        keywords: list[str],
        people: list[str],
        cameras: list[CameraBody] | None = None,
        time_range: tuple[str, str] | None = None,
    ) -> None:
        """Offer the project's keywords, people and cameras; keep what is chosen."""
        set_strings(self.keyword_completer, [keyword_to_display(k) for k in keywords])
        set_strings(self.person_completer, people)
        if cameras is not None:
            chosen = self.camera_combo.value()
            with QSignalBlocker(self.camera_combo):
                while self.camera_combo.count() > 1:
                    self.camera_combo.removeItem(1)
                for body in cameras:
                    text = f"{body.label} ({body.photos:,})"
                    if body.offset_seconds:
                        text += f" · clock {describe_offset(body.offset_seconds)}"
                    self.camera_combo.addItem(text, body.key)
                index = self.camera_combo.findData(chosen) if chosen is not None else 0
                self.camera_combo.setCurrentIndex(max(index, 0))
        if time_range is not None and (not self.time_check.isChecked() or not self._range_known):
            self._range_known = True
            start, end = (QDateTime.fromString(t, Qt.DateFormat.ISODate) for t in time_range)
            with QSignalBlocker(self.from_edit), QSignalBlocker(self.until_edit):
                self.from_edit.setDateTime(start)
                self.until_edit.setDateTime(end)

    def _time_ticked(self, checked: bool) -> None:
        if checked and not self._range_known:
            self.range_needed.emit()

    def set_counts(self, shown: int, total: int) -> None:
        """Show "N of M photos" (or just "M photos" when nothing is filtered out)."""
        filtered = self._last is not None and self._last.is_filtered()
        if filtered:
            self.count_label.setText(f"<b>{shown:,}</b> of {total:,} photos")
            plain = f"{shown:,} of {total:,} photos shown"
        else:
            self.count_label.setText(f"<b>{total:,}</b> photo{'s' if total != 1 else ''}")
            plain = f"All {total:,} photos shown"
        self.count_label.setAccessibleDescription(plain)
        self.count_label.setToolTip(plain)
        self.clear_button.setEnabled(filtered)
        self.set_stale(False)

    def set_busy(self, busy: bool) -> None:
        """Say a filter is running, if it runs long enough to notice (a verdict filter over
        20,000 photos); a quick one would only make the count flicker."""
        if busy:
            self._busy_timer.start()
        else:
            self._busy_timer.stop()

    def _show_busy(self) -> None:
        self.count_label.setText("Filtering…")
        self.count_label.setAccessibleDescription("Filtering the photos")

    def set_stale(self, stale: bool) -> None:
        """Say that edits since the filter ran may have changed which photos match.

        The grid does not re-filter on every edit, so that a photo does not vanish from under
        the cursor the moment it is rated; the user re-applies when ready.
        """
        filtered = self._last is not None and self._last.is_filtered()
        self.refresh_button.setVisible(stale and filtered)

    # --- the query ----------------------------------------------------------------------------

    def query(self) -> PhotoQuery:
        """The core query the controls describe."""
        min_rating, max_rating = self.rating_combo.value()
        flag = self.flag_combo.value()
        verdict = self.verdict_combo.value()
        keyword = keyword_from_display(self.keyword_edit.text()) or None
        taken_from = taken_until = None
        if self.time_check.isChecked():
            taken_from = self.from_edit.dateTime().toString("yyyy-MM-ddTHH:mm:00")
            taken_until = self.until_edit.dateTime().toString("yyyy-MM-ddTHH:mm:59")
        return PhotoQuery(
            min_rating=min_rating,
            max_rating=max_rating,
            flag=flag if isinstance(flag, int) else None,
            hide_rejects=flag == "hide",
            color_label=self.label_combo.value(),
            keyword=keyword,
            person=self.person_edit.text().strip() or None,
            has_caption=self.caption_combo.value(),
            has_alt_text=self.alt_combo.value(),
            camera_body=self.camera_combo.value(),
            taken_from=taken_from,
            taken_until=taken_until,
            consent_use=self.use_combo.value() if verdict else None,
            verdict=verdict,
            sort=self.sort_combo.value(),
            descending=self.order_button.isChecked(),
        )

    def _emit(self) -> None:
        self._debounce.stop()
        self._update_more_text()
        query = self.query()
        if query == self._last:
            return
        self._last = query
        self.query_changed.emit(query)

    def clear(self) -> None:
        """Every filter back to "any"; the sort order stays as chosen."""
        widgets: list[QWidget] = [
            self.rating_combo,
            self.flag_combo,
            self.label_combo,
            self.verdict_combo,
            self.caption_combo,
            self.alt_combo,
            self.camera_combo,
            self.keyword_edit,
            self.person_edit,
            self.time_check,
        ]
        blockers = [QSignalBlocker(w) for w in widgets]
        for combo in widgets[:7]:
            assert isinstance(combo, _Combo)
            combo.reset()
        self.keyword_edit.clear()
        self.person_edit.clear()
        self.time_check.setChecked(False)
        del blockers
        self._sync_enabled()
        self._emit()

    def focus_search(self) -> None:
        self.keyword_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.keyword_edit.selectAll()

    def eventFilter(self, watched: Any, event: Any) -> bool:  # noqa: N802
        if (
            isinstance(event, QKeyEvent)
            and event.type() == QKeyEvent.Type.KeyPress
            and event.key() == Qt.Key.Key_Escape
        ):
            completer = watched.completer() if isinstance(watched, QLineEdit) else None
            popup = completer.popup() if completer is not None else None
            if popup is None or not popup.isVisible():
                self._emit()
                self.done.emit()
                return True
        return super().eventFilter(watched, event)
