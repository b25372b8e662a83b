"""Guard against PySide6 6.12.0 on CPython < 3.12.

That pair miscounts references to ``None`` returned from Python overrides called by Qt (a
model's ``data()`` returning ``None`` for an unhandled role) and aborts the process with "Fatal
Python error: none_dealloc". The pins in pyproject.toml must make the pair uninstallable, and
the pair actually installed here must not show the bug.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def _allowed(python: str, pyside: str) -> bool:
    """Would pip accept this PySide6 version on this Python, given our `gui` extra?"""
    extras = tomllib.loads(PYPROJECT.read_text())["project"]["optional-dependencies"]
    env = {"python_version": python, "python_full_version": f"{python}.0"}
    applicable = [
        Requirement(spec)
        for spec in extras["gui"]
        if Requirement(spec).name.lower().startswith("pyside6")
    ]
    applicable = [r for r in applicable if r.marker is None or r.marker.evaluate(env)]
    assert applicable, f"no PySide6 requirement applies to Python {python}"
    return all(r.specifier.contains(Version(pyside), prereleases=True) for r in applicable)


@pytest.mark.parametrize("python", ["3.11", "3.10"])
def test_pyside_6_12_0_cannot_be_installed_before_python_3_12(python: str) -> None:
    assert not _allowed(python, "6.12.0")
    assert _allowed(python, "6.11.3")


@pytest.mark.parametrize("python", ["3.12", "3.13"])
def test_newer_pythons_may_use_pyside_6_12(python: str) -> None:
    assert _allowed(python, "6.12.1")


_REFCOUNT_CHECK = textwrap.dedent(
    """
    import sys
    from PySide6.QtCore import QAbstractListModel, QModelIndex, Qt
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv)

    class Model(QAbstractListModel):
        def rowCount(self, parent=QModelIndex()):
            return 0 if parent.isValid() else 1

        def data(self, index, role=Qt.ItemDataRole.DisplayRole):
            return "x" if role == Qt.ItemDataRole.DisplayRole else None

    model = Model()
    index = model.index(0)
    before = sys.getrefcount(None)
    for _ in range(1000):
        index.data(Qt.ItemDataRole.ToolTipRole)  # C++ calls the Python override
    print(sys.getrefcount(None) - before)
    """
)


def test_installed_pyside_does_not_lose_references_to_none() -> None:
    # The GUI extra is part of every setup (make setup); a missing PySide6 is a failure.
    result = subprocess.run(
        [sys.executable, "-c", _REFCOUNT_CHECK],
        capture_output=True,
        text=True,
        timeout=120,
        env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    delta = int(result.stdout.strip().splitlines()[-1])
    # A small positive delta is harmless caching; the bug shows as about -1 per call.
    assert delta > -10, f"refcount(None) fell by {-delta} over 1000 calls: the none_dealloc bug"
