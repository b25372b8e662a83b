"""Small building blocks the Import and Export dialogs share, so both look and read alike.

A heading, a secondary hint line, plain-English counts, and :class:`Pages`: the dialogs move
from "set up" to "running / result" in one window. A ``QStackedWidget`` would do that, but it
does not pass the height-for-width of word-wrapped labels on to the dialog, so wrapped hints
and result sentences were cut off; a layout with one visible page does, and lets the dialog
shrink to the small progress page.
"""

from __future__ import annotations

from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


def heading(text: str) -> QLabel:
    """A dialog's title line (larger, bold), the first thing the eye lands on."""
    label = QLabel(text)
    font = QFont(label.font())
    font.setPointSizeF(font.pointSizeF() * 1.35)
    font.setBold(True)
    label.setFont(font)
    label.setAccessibleName(text)
    return label


def hint(text: str, *, wrap: bool = True) -> QLabel:
    """A secondary explanation in the palette's quieter text colour (follows light/dark)."""
    label = QLabel(text)
    label.setWordWrap(wrap)
    palette = label.palette()
    palette.setColor(
        QPalette.ColorRole.WindowText, palette.color(QPalette.ColorRole.PlaceholderText)
    )
    label.setPalette(palette)
    return label


def count(n: int, one: str, many: str | None = None) -> str:
    """``count(1, "photo")`` is "1 photo", ``count(3, "photo")`` "3 photos"."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


def sentence(text: str) -> str:
    """A core message (lower-case start, no full stop) as the start of a sentence."""
    return text[:1].upper() + text[1:] if text else text


class Pages(QWidget):
    """Pages of which one is visible; the dialog takes the visible page's size."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._pages: list[QWidget] = []
        self._current = -1

    def add_page(self, page: QWidget) -> None:
        self._pages.append(page)
        self._layout.addWidget(page)
        page.setVisible(len(self._pages) == 1)
        self._current = max(self._current, 0)

    def count(self) -> int:
        return len(self._pages)

    def widget(self, index: int) -> QWidget:
        return self._pages[index]

    def currentIndex(self) -> int:  # noqa: N802 (reads like QStackedWidget's)
        return self._current

    def show_page(self, index: int) -> None:
        """Show one page and fit the window around it (the progress page is small, so the
        grid stays visible beside it while the work runs)."""
        for i, page in enumerate(self._pages):
            page.setVisible(i == index)
        self._current = index
        self.fit()

    def fit(self) -> None:
        """Resize the window to what the visible page needs now (after its text changed: a
        top-level window does not grow by itself)."""
        window = self.window()
        layout = window.layout()
        if layout is not None:
            layout.activate()
        window.adjustSize()
