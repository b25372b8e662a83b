"""The core and the CLI run without Qt: the desktop app is a layer on top, never underneath."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import gallery_app

PACKAGE = Path(gallery_app.__file__).parent
QT_ROOTS = ("PySide6", "PyQt5", "PyQt6", "shiboken6")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _modules(sub: str) -> list[Path]:
    return sorted((PACKAGE / sub).rglob("*.py"))


def test_core_and_cli_never_import_qt_or_the_gui() -> None:
    offenders = []
    for sub in ("core", "cli"):
        for path in _modules(sub):
            for name in _imports(path):
                root = name.split(".")[0]
                if root in QT_ROOTS or name.startswith("gallery_app.gui"):
                    offenders.append(f"{path.relative_to(PACKAGE.parent)} imports {name}")
    assert not offenders, "\n".join(offenders)


def test_core_never_imports_the_cli() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE.parent)} imports {name}"
        for path in _modules("core")
        for name in _imports(path)
        if name.startswith("gallery_app.cli")
    ]
    assert not offenders, "\n".join(offenders)


def test_importing_every_core_and_cli_module_loads_no_qt() -> None:
    modules = [
        ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        for sub in ("core", "cli")
        for path in _modules(sub)
    ]
    modules = [m.removesuffix(".__init__") for m in modules]
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        f"loaded = sorted(m for m in sys.modules if m.split('.')[0] in {QT_ROOTS!r})\n"
        "print(','.join(loaded))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "", f"Qt was loaded: {result.stdout}"
    assert len(modules) >= 10
