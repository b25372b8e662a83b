"""Small building blocks shared by the People window's pages: tables, buttons, chips.

One place for the look (row height, header alignment, chip shape) so the register, the review
queue and the audit log read as one window.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
)

from gallery_app.core.consent.model import ConsentStatus
from gallery_app.gui.people.models import tone_colours

STATUS_WORD = {  # one consent record's answer, as the history lists it
    ConsentStatus.GRANTED.value: "✓ Granted",
    ConsentStatus.REFUSED.value: "✕ Refused",
    ConsentStatus.WITHDRAWN.value: "⊘ Withdrawn",
}


def table_view(name: str) -> QTableView:
    """A read-only table of whole rows with fixed row heights (fast for thousands of rows)."""
    table = QTableView()
    table.setAccessibleName(name)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    table.setAlternatingRowColors(True)
    table.setShowGrid(False)
    table.setWordWrap(False)
    table.verticalHeader().hide()
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    table.verticalHeader().setDefaultSectionSize(28)
    table.horizontalHeader().setHighlightSections(False)
    table.horizontalHeader().setDefaultAlignment(
        Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
    )
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    return table


def labelled_button(text: str, accessible: str, shortcut: str = "") -> QPushButton:
    """A button with a name for screen readers and its shortcut in the tooltip."""
    button = QPushButton(text)
    button.setAccessibleName(accessible)
    if shortcut:
        button.setToolTip(f"{accessible} ({QKeySequence(shortcut).toString()})")
    return button


def section(text: str) -> QLabel:
    """A bold section title (plain text: it may hold a person's name)."""
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label


def style_chip(chip: QLabel, text: str, tone: str) -> None:
    """Show ``text`` as a rounded chip in the tone's colours for the current palette."""
    background, foreground = tone_colours(tone)
    chip.setText(text)
    chip.setStyleSheet(
        f"background: {background}; color: {foreground}; border: 1px solid {foreground};"
        " border-radius: 9px; padding: 1px 8px;"
    )
