"""Every symbol the desktop app draws is in the font it draws with.

Badges and flags are never colour alone: each carries a symbol and a word ("⊘ Blocked"). A
symbol the font lacks is drawn as an empty box, which says nothing; "⛔" did that on every Linux
desktop without an emoji font. The app's font on the test machine is DejaVu Sans (installed by
``scripts/setup-system.sh``), the default sans of most Linux desktops, so each non-ASCII
character in the GUI's source must be in it.
"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QApplication

import gallery_app.gui

GUI_SOURCES = Path(gallery_app.gui.__file__).parent


def test_every_symbol_in_the_gui_is_in_the_app_font(qapp: QApplication) -> None:
    symbols: dict[str, set[str]] = {}
    for source in GUI_SOURCES.rglob("*.py"):
        for char in re.findall(r"[^\x00-\x7f]", source.read_text(encoding="utf-8")):
            symbols.setdefault(char, set()).add(source.name)
    assert "⊘" in symbols and "✓" in symbols  # the scan sees the badges
    metrics = QFontMetrics(qapp.font())
    missing = {
        f"{char} (U+{ord(char):04X}) in {', '.join(sorted(files))}"
        for char, files in symbols.items()
        if not metrics.inFontUcs4(ord(char))
    }
    assert not missing, f"not in {qapp.font().family()}: {sorted(missing)}"
