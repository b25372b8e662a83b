"""A base for the small read-only table models the dialogs show (people, review, audit, export).

Each of them is a flat list of rows the core returned, under a fixed tuple of column names,
selectable but never editable. The row/column counts, the header and the flags were written
out again in every one of them; here they exist once, so a fix to one (say, what the header
says to a screen reader) reaches all. The photo grid is not one of them: it fetches its rows
on demand and has its own model.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)

RowT = TypeVar("RowT")

_HEADER_ROLES: tuple[int, ...] = (
    Qt.ItemDataRole.DisplayRole,
    Qt.ItemDataRole.AccessibleTextRole,
)


class ReadOnlyTableModel(QAbstractTableModel, Generic[RowT]):
    """Rows in ``self._rows``, one column per name in :attr:`COLUMNS`, no children, no editing.

    Subclasses set :attr:`COLUMNS` and write ``data``; they replace ``self._rows`` between
    ``beginResetModel``/``endResetModel`` (or with row signals).
    """

    COLUMNS: tuple[str, ...] = ()
    HEADER_ROLES: tuple[int, ...] = _HEADER_ROLES
    """Roles in which the horizontal header gives the column's name."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[RowT] = []

    def rowCount(  # noqa: N802
        self,
        parent: QModelIndex | QPersistentModelIndex = QModelIndex(),  # noqa: B008
    ) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(  # noqa: N802
        self,
        parent: QModelIndex | QPersistentModelIndex = QModelIndex(),  # noqa: B008
    ) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(self.COLUMNS)
            and role in self.HEADER_ROLES
        ):
            return self.COLUMNS[section]
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    def _row_at(self, index: QModelIndex | QPersistentModelIndex) -> RowT | None:
        """The row ``index`` points at, or ``None`` for an invalid or stale index."""
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        return self._rows[index.row()]
