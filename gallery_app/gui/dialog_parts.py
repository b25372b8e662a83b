"""Small building blocks the job dialogs share (Import, Export, Write Metadata to Files), so
they look and read alike.

A heading, a secondary hint line, plain-English counts, the parts of the pages that work the
same way in each (the Cancel/start row, the failure list, the Stop button, stopping and
shutting down the job, and :class:`JobDialog`, which keeps the window from closing under a
running job), and :class:`Pages`: the dialogs move from "set up" to "running / result" in one
window.
A ``QStackedWidget`` would do that, but it does not pass the height-for-width of word-wrapped
labels on to the dialog, so wrapped hints and result sentences were cut off; a layout with one
visible page does, and lets the dialog shrink to the small progress page.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtGui import QCloseEvent, QFont, QPalette
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gallery_app.gui.jobs import BackgroundJob


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


class JobDialog(QDialog):
    """A dialog that runs one :class:`BackgroundJob` and must not simply close under it.

    While the job runs, Esc, Cancel and the window's close button do what
    :meth:`_close_while_running` says (stop the job, or put the window away) and the dialog
    stays; before and after, they close it as usual.
    """

    job: BackgroundJob | None = None

    def is_running(self) -> bool:
        return self.job is not None and self.job.is_running()

    def _close_while_running(self) -> None:
        raise NotImplementedError

    def reject(self) -> None:
        if self.is_running():
            self._close_while_running()
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if self.is_running():
            event.ignore()
            self._close_while_running()
            return
        super().closeEvent(event)


def page_layout(page: QWidget) -> QVBoxLayout:
    """The vertical layout of one of the dialog's pages: the dialog gives the margins."""
    layout = QVBoxLayout(page)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(10)
    return layout


def start_cancel_buttons(
    start_text: str,
    start_name: str,
    cancel_name: str,
    start: Callable[[], object],
    cancel: Callable[[], object],
) -> tuple[QPushButton, QHBoxLayout]:
    """The setup page's button row: Cancel, then the default button that starts the work."""
    start_button = QPushButton(start_text)
    start_button.setAccessibleName(start_name)
    start_button.setDefault(True)
    start_button.clicked.connect(start)
    cancel_button = QPushButton("Cancel")
    cancel_button.setAccessibleName(cancel_name)
    cancel_button.clicked.connect(cancel)
    row = QHBoxLayout()
    row.addStretch(1)
    row.addWidget(cancel_button)
    row.addWidget(start_button)
    return start_button, row


def stop_button(text: str, accessible_name: str, stop: Callable[[], object]) -> QPushButton:
    """The progress page's Stop button."""
    button = QPushButton(text)
    button.setAutoDefault(False)  # Enter must not stop it; Space or a click does
    button.setAccessibleName(accessible_name)
    button.clicked.connect(stop)
    return button


def ask_job_to_stop(
    job: BackgroundJob | None,
    button: QPushButton,
    title: QLabel,
    status: QLabel,
    what_happens: str,
) -> None:
    """Ask a running job to stop, and say so: the work finishes the item in hand first, so
    the page tells the user what becomes of it rather than going quiet."""
    if job is not None and job.is_running():
        job.cancel()
        button.setEnabled(False)
        title.setText("Stopping…")
        status.setText(what_happens)


def cancel_and_wait(job: BackgroundJob | None) -> None:
    """Stop a job without telling anyone and wait for its thread: the window is closing the
    project, so its signals would reach widgets and a catalog that are going away."""
    if job is not None:
        job.blockSignals(True)
        job.cancel()
        job.wait()


class FailureList:
    """The files a job could not handle, on its progress page: a bold "⚠ 2 photos could not
    be exported:" line over a two-column list (name, why; the full path in the tooltip).

    Both are hidden until the first failure arrives; then the window grows to show them.
    """

    def __init__(
        self,
        pages: Pages,
        *,
        accessible_name: str,
        headers: list[str],
        noun: str,
        outcome: str,
        word_wrap: bool = False,
    ) -> None:
        """``noun`` is what failed ("photo", "file"), ``outcome`` what did not happen to it
        ("could not be exported")."""
        self._pages = pages
        self._noun = noun
        self._outcome = outcome
        self.label = QLabel()
        bold = QFont(self.label.font())
        bold.setBold(True)
        self.label.setFont(bold)
        self.tree = QTreeWidget()
        self.tree.setAccessibleName(accessible_name)
        self.tree.setHeaderLabels(headers)
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        if word_wrap:
            self.tree.setWordWrap(True)
            self.tree.header().setStretchLastSection(True)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.label.setVisible(False)
        self.tree.setVisible(False)

    def add(self, path: str, text: str) -> None:
        """List one failure: ``text`` says why, as a sentence."""
        item = QTreeWidgetItem([Path(path).name or path, text])
        item.setToolTip(0, path)
        item.setToolTip(1, text)
        self.tree.addTopLevelItem(item)
        n = self.tree.topLevelItemCount()
        self.label.setText(f"⚠ {count(n, self._noun)} {self._outcome}:")
        self.label.setVisible(True)
        if not self.tree.isVisible():
            self.tree.setVisible(True)
            self._pages.fit()

    def count(self) -> int:
        return self.tree.topLevelItemCount()

    def clear(self) -> None:
        """Empty and hide the list again (a new run on the same page)."""
        self.tree.clear()
        self.tree.setVisible(False)
        self.label.setVisible(False)
