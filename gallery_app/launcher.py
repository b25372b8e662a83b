"""The ``gallery-app`` command: the desktop app, or the command line.

``gallery-app`` with no arguments opens the welcome screen and ``gallery-app open PROJECT``
opens a project's window; anything else goes to :func:`gallery_app.cli.main.main`. This lives
outside :mod:`gallery_app.cli` because the CLI must never import Qt (the layering test), and
it imports the GUI only when asked, so the CLI works without the ``gui`` extra installed.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Sequence

GUI_MISSING = (
    "gallery-app: the desktop app needs the 'gui' extra: "
    "pip install 'gallery-curator[gui]' (the command-line subcommands work without it)"
)

WORKER_COMMANDS = frozenset({"import", "export"})
"""Subcommands that decode photos in worker processes."""


def gui_available() -> bool:
    return importlib.util.find_spec("PySide6") is not None


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] == "open":
        if (args[1:2] and args[1].startswith("-")) or len(args) > 2 or args == ["open"]:
            print("usage: gallery-app open PROJECT", file=sys.stderr)
            return 2
        if not gui_available():
            print(GUI_MISSING, file=sys.stderr)
            return 1
        from gallery_app.gui.app import main as gui_main

        return gui_main(args[1:])
    if args[0] in WORKER_COMMANDS:
        # The worker server takes a quarter of a second to start; let it do so on the other
        # core while the command line loads (gallery_app.core.workers explains).
        from gallery_app.core.workers import start_worker_server

        start_worker_server()
    from gallery_app.cli.main import main as cli_main

    return cli_main(args)
