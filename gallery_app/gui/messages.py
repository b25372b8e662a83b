"""Plain-language error and information messages, the only way errors reach the user.

Every failure the app can recover from ends here as a sentence, never a traceback. Tests
replace :func:`show_error` to collect messages instead of opening a modal box.
"""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget


def show_error(parent: QWidget | None, title: str, message: str) -> None:
    """Tell the user something went wrong and what it means; the app keeps running."""
    text = message[:1].upper() + message[1:] if message else "Something went wrong."
    if not text.endswith((".", "!", "?")):
        text += "."
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setAccessibleName(title)
    box.exec()
