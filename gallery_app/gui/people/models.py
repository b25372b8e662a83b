"""Qt models for the people register and the consent review queue.

Both are plain table models over lists the core returns (:func:`register.list_people`,
:func:`review.review_queue`); they never touch the catalog themselves, so ``reload`` is the
only place data comes in and the models stay trivially testable with ``qtmodeltester``.
Every consent state is shown as a symbol *and* a word, with colour only as a third cue, so
the table reads the same for someone who cannot tell red from green and in a screen reader.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor, QGuiApplication, QPalette

from gallery_app.core.consent.model import USES, ConsentState, Verdict
from gallery_app.core.consent.policy import NO_PEOPLE_TAGGED
from gallery_app.core.consent.review import ReviewItem
from gallery_app.gui.dialog_parts import sentence
from gallery_app.gui.models.table_base import ReadOnlyTableModel

STATE_TEXT: dict[str, str] = {
    ConsentState.GRANTED.value: "✓ Granted",
    ConsentState.REFUSED.value: "✕ Refused",
    ConsentState.WITHDRAWN.value: "⊘ Withdrawn",
    ConsentState.EXPIRED.value: "✕ Expired",
    ConsentState.NOT_YET_VALID.value: "◷ Not yet valid",
    ConsentState.UNKNOWN.value: "? Unknown",
}
"""How a person's consent for one use reads in the register."""

GOOD, CAUTION, BAD = "good", "caution", "bad"
_TONES: dict[str, dict[bool, tuple[str, str]]] = {
    # tone: {dark palette?: (background, text)}; every pair has a contrast of 7:1 or more.
    GOOD: {False: ("#e3f4e6", "#1d6b2f"), True: ("#1e3a26", "#bfe6c8")},
    CAUTION: {False: ("#fff3d6", "#7a5300"), True: ("#453710", "#f0d58c")},
    BAD: {False: ("#fde3e3", "#9b1c1c"), True: ("#4a1f1f", "#f6bcbc")},
}
STATE_TONE: dict[str, str] = {
    ConsentState.GRANTED.value: GOOD,
    ConsentState.REFUSED.value: BAD,
    ConsentState.WITHDRAWN.value: BAD,
    ConsentState.EXPIRED.value: BAD,
    ConsentState.NOT_YET_VALID.value: CAUTION,
    ConsentState.UNKNOWN.value: CAUTION,
}
"""The same three families as the grid's badges: fine, needs a look, must not be used."""


def tone_colours(tone: str) -> tuple[str, str]:
    """(background, text) for a tone in the application's current palette, light or dark, so
    the register stays readable when the system switches to a dark theme."""
    base = QGuiApplication.palette().color(QPalette.ColorRole.Base)
    return _TONES[tone][base.lightness() < 128]


VERDICT_LABEL: dict[str, str] = {
    Verdict.CLEARED.value: "✓ Cleared",
    Verdict.NEEDS_REVIEW.value: "? Needs review",
    Verdict.BLOCKED.value: "⊘ Blocked",
}
VERDICT_TONE: dict[str, str] = {
    Verdict.CLEARED.value: GOOD,
    Verdict.NEEDS_REVIEW.value: CAUTION,
    Verdict.BLOCKED.value: BAD,
}

ID_ROLE = Qt.ItemDataRole.UserRole + 1
"""The person's or photo's id, whatever the column."""
SORT_ROLE = Qt.ItemDataRole.UserRole + 2
"""What the column sorts by (numbers as numbers, states by severity)."""
STATE_ROLE = Qt.ItemDataRole.UserRole + 3
"""The raw state or verdict value of a consent column."""

_SEVERITY = {
    ConsentState.REFUSED.value: 0,
    ConsentState.WITHDRAWN.value: 0,
    ConsentState.EXPIRED.value: 1,
    ConsentState.UNKNOWN.value: 2,
    ConsentState.NOT_YET_VALID.value: 3,
    ConsentState.GRANTED.value: 4,
}


def _colour_role(role: int, tone: str | None) -> QColor | None:
    if tone is None:
        return None
    background, text = tone_colours(tone)
    return QColor(background if role == Qt.ItemDataRole.BackgroundRole else text)


class PeopleTableModel(ReadOnlyTableModel[dict[str, Any]]):
    """One row per person: details, today's consent per use, and how many photos show them."""

    # Consent comes right after the name: it is what people open the register for.
    COLUMNS: tuple[str, ...] = (
        "Name",
        "Minor",
        *(use.capitalize() for use in USES),
        "Photos",
        "Organisation",
        "Role",
        "E-mail",
    )
    NAME_COLUMN = 0
    MINOR_COLUMN = 1
    FIRST_USE_COLUMN = 2
    PHOTOS_COLUMN = FIRST_USE_COLUMN + len(USES)
    ORGANISATION_COLUMN = PHOTOS_COLUMN + 1
    ROLE_COLUMN = PHOTOS_COLUMN + 2
    EMAIL_COLUMN = PHOTOS_COLUMN + 3

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.ToolTipRole
            and self._is_use(section)
        ):
            return f"Consent for {self._use(section)} use today"
        return super().headerData(section, orientation, role)

    def data(
        self,
        index: QModelIndex | QPersistentModelIndex,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        person = self._row_at(index)
        if person is None:
            return None
        column = index.column()
        if role == ID_ROLE:
            return person["id"]
        if self._is_use(column):
            state = str(person["consent"][self._use(column)])
            if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
                return STATE_TEXT.get(state, state)
            if role == Qt.ItemDataRole.ToolTipRole:
                return f"{person['name']}: consent for {self._use(column)} use is " + (
                    STATE_TEXT.get(state, state).split(" ", 1)[1].lower()
                )
            if role == STATE_ROLE:
                return state
            if role == SORT_ROLE:
                return _SEVERITY.get(state, 9)
            if role in (Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole):
                return _colour_role(role, STATE_TONE.get(state))
            return None
        text = self._text(person, column)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return text
        if role == SORT_ROLE:
            return person["photos"] if column == self.PHOTOS_COLUMN else text.casefold()
        if role == Qt.ItemDataRole.ToolTipRole and column == self.NAME_COLUMN:
            return person["name"] + (f" <{person['email']}>" if person["email"] else "")
        if role == Qt.ItemDataRole.TextAlignmentRole and column == self.PHOTOS_COLUMN:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    # --- our API ------------------------------------------------------------------------

    def set_people(self, people: Sequence[dict[str, Any]]) -> None:
        """Replace the register shown (what :func:`register.list_people` returned)."""
        self.beginResetModel()
        self._rows = list(people)
        self.endResetModel()

    def person(self, row: int) -> dict[str, Any]:
        return self._rows[row]

    def people(self) -> list[dict[str, Any]]:
        return list(self._rows)

    def row_of(self, person_id: int) -> int | None:
        for row, person in enumerate(self._rows):
            if person["id"] == person_id:
                return row
        return None

    def _is_use(self, column: int) -> bool:
        return self.FIRST_USE_COLUMN <= column < self.PHOTOS_COLUMN

    def _use(self, column: int) -> str:
        return USES[column - self.FIRST_USE_COLUMN]

    def _text(self, person: dict[str, Any], column: int) -> str:
        if column == self.NAME_COLUMN:
            return str(person["name"])
        if column == self.EMAIL_COLUMN:
            return str(person["email"] or "")
        if column == self.ORGANISATION_COLUMN:
            return str(person["organisation"] or "")
        if column == self.ROLE_COLUMN:
            return str(person["role"] or "").capitalize()
        if column == self.MINOR_COLUMN:
            return "Minor" if person["minor"] else ""
        return str(person["photos"])


class PeopleFilterModel(QSortFilterProxyModel):
    """Search as you type over name, e-mail and organisation; sort by any column.

    A register has hundreds, not tens of thousands, of rows, so a proxy is cheap here (the
    photo grid filters in SQL instead).
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self._needle = ""

    def set_search(self, text: str) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt 6.9+; invalidateFilter() is deprecated there
            self.beginFilterChange()
            self._needle = " ".join(text.split()).casefold()
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:  # pragma: no cover - older PySide6
            self._needle = " ".join(text.split()).casefold()
            self.invalidateRowsFilter()

    def filterAcceptsRow(  # noqa: N802
        self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex
    ) -> bool:
        if not self._needle:
            return True
        model = self.sourceModel()
        if not isinstance(model, PeopleTableModel) or source_parent.isValid():
            return True
        person = model.person(source_row)
        haystack = " ".join(
            str(person[key] or "") for key in ("name", "email", "organisation", "role")
        ).casefold()
        return all(word in haystack for word in self._needle.split())


class ReviewQueueModel(ReadOnlyTableModel[ReviewItem]):
    """The photos waiting for a consent decision, with the reasons in words."""

    COLUMNS: tuple[str, ...] = ("Photo", "Verdict", "Why", "People tagged")
    PHOTO_COLUMN, VERDICT_COLUMN, WHY_COLUMN, PEOPLE_COLUMN = range(4)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._order_of: dict[int, tuple[float, int]] = {}
        """Each queued photo's place in the queue (see :meth:`row_of`)."""

    def data(
        self,
        index: QModelIndex | QPersistentModelIndex,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        item = self._row_at(index)
        if item is None:
            return None
        column = index.column()
        if role == ID_ROLE:
            return item.photo_id
        if role == STATE_ROLE:
            return item.verdict.value
        if column == 1 and role in (
            Qt.ItemDataRole.BackgroundRole,
            Qt.ItemDataRole.ForegroundRole,
        ):
            return _colour_role(role, VERDICT_TONE.get(item.verdict.value))
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            if column == 0:
                return item.filename
            if column == 1:
                return VERDICT_LABEL[item.verdict.value]
            if column == 2:
                return "; ".join(_short(r) for r in item.reasons)
            return ", ".join(item.people) or "nobody"
        if role == Qt.ItemDataRole.ToolTipRole:
            return "\n".join(sentence(r) for r in item.reasons)
        return None

    def set_items(self, items: Sequence[ReviewItem]) -> None:
        """The whole queue, in its order (capture time, then id: no two entries share one)."""
        self.beginResetModel()
        self._rows = list(items)
        self._order_of = {item.photo_id: item.order for item in self._rows}
        self.endResetModel()

    def item(self, row: int) -> ReviewItem:
        return self._rows[row]

    def row_of(self, photo_id: int) -> int | None:
        # By binary search on the entry's order: an edit of 2,000 photos re-checks each of
        # them here, on the GUI thread, against a queue of up to every photo.
        order = self._order_of.get(photo_id)
        if order is None:
            return None
        row = bisect.bisect_left(self._rows, order, key=_order)
        return row if row < len(self._rows) and self._rows[row].photo_id == photo_id else None

    def merge(self, photo_id: int, item: ReviewItem | None) -> None:
        """Put one photo's current entry in its place (``None`` takes it out), with row
        signals rather than a reset, so the view keeps its scroll position and selection."""
        row = self.row_of(photo_id)
        if item is None:
            if row is not None:
                self.beginRemoveRows(QModelIndex(), row, row)
                del self._rows[row]
                del self._order_of[photo_id]
                self.endRemoveRows()
            return
        if row is not None and self._rows[row].order == item.order:
            self._rows[row] = item
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.COLUMNS) - 1))
            return
        if row is not None:
            self.merge(photo_id, None)
        position = bisect.bisect_left(self._rows, item.order, key=_order)
        self.beginInsertRows(QModelIndex(), position, position)
        self._rows.insert(position, item)
        self._order_of[photo_id] = item.order
        self.endInsertRows()


def _order(item: ReviewItem) -> tuple[float, int]:
    return item.order


def _short(reason: str) -> str:
    """The table's one-line version of a reason; the full sentence is in the tooltip."""
    if reason == NO_PEOPLE_TAGGED:
        return "Nobody tagged yet"
    return sentence(reason)


class AuditLogModel(ReadOnlyTableModel[tuple[str, str, str, str, str]]):
    """The append-only audit log, newest first, in words a data-protection officer can read:
    who recorded or overrode what, about whom, when and why."""

    COLUMNS: tuple[str, ...] = ("When", "Who", "What", "About", "Why / details")

    def data(
        self,
        index: QModelIndex | QPersistentModelIndex,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        row = self._row_at(index)
        if row is not None and role in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.AccessibleTextRole,
            Qt.ItemDataRole.ToolTipRole,
        ):
            return row[index.column()]
        return None

    def set_entries(
        self,
        entries: Sequence[dict[str, Any]],
        people: dict[int, str],
        photos: dict[int, str],
    ) -> None:
        """``entries`` as :func:`audit.entries` returns them; names of people and photo files
        by id, to say who and what an entry is about."""
        self.beginResetModel()
        self._rows = [describe_audit_entry(e, people, photos) for e in reversed(entries)]
        self.endResetModel()


def describe_audit_entry(
    entry: dict[str, Any], people: dict[int, str], photos: dict[int, str]
) -> tuple[str, str, str, str, str]:
    """(when, who, what, about, why) for one audit entry, in plain words."""
    details: dict[str, Any] = entry.get("details") or {}
    action = str(entry["action"])
    kind, _, key = str(entry["subject"]).partition(":")
    about = key
    if kind == "person" and key.isdigit():
        about = people.get(int(key)) or details.get("name") or f"person {key}"
    elif kind == "photo" and key.isdigit():
        about = photos.get(int(key), f"photo {key} (no longer in the project)")
    elif kind == "file":
        about = key
    elif kind == "export":
        about = str(details.get("out_dir") or f"export {key}")
    why = str(entry.get("reason") or "")
    extra: list[str] = []
    if action.startswith("consent_"):
        status = action.removeprefix("consent_")
        what = {
            "granted": "✓ Consent recorded",
            "refused": "✕ Refusal recorded",
            "withdrawn": "⊘ Withdrawal recorded",
        }.get(status, f"Consent: {status}")
        uses = set(details.get("uses") or [])
        extra.append("for " + ", ".join(use for use in USES if use in uses))
        if details.get("valid_from") or details.get("valid_until"):
            extra.append(
                f"valid {details.get('valid_from') or '…'} to {details.get('valid_until') or '…'}"
            )
        if details.get("guardian"):
            extra.append(f"guardian: {details['guardian']}")
        source = str(details.get("source") or "")
        if source.startswith("registration:"):
            extra.append(f"from {source.removeprefix('registration:')}")
        why = why if not source.startswith("registration:") else ""
    elif action == "override":
        what = f"Used anyway for {details.get('use', '?')} use"
        if details.get("overrode"):
            extra.append("signed off: " + "; ".join(details["overrode"]))
    elif action == "person_added":
        what = "Person added"
        if details.get("via") == "tagging":
            extra.append("named when tagging a photo")
    elif action == "person_updated":
        what = "Person's details changed"
        for field_name, change in details.items():
            if isinstance(change, dict):
                extra.append(
                    f"{field_name}: {_shown(change.get('before'))} → {_shown(change.get('after'))}"
                )
    elif action == "people_imported":
        what = "Registration imported"
        extra.append(
            f"{details.get('added', 0)} added, {details.get('updated', 0)} updated, "
            f"{details.get('consent_records', 0)} consent answers"
        )
    elif action == "export":
        what = f"Exported ({details.get('preset', '?')})"
        extra.append(
            f"{details.get('exported', 0)} photos out, {details.get('excluded', 0)} left out"
        )
    else:
        what = action.replace("_", " ").capitalize()
    text = " · ".join(part for part in [why, *extra] if part)
    when = str(entry["at"])[:16].replace("T", " ")
    return when, str(entry["actor"]), what, str(about), text


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
