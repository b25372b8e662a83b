"""Where the data files that ship with the app live (presets, gallery templates).

They sit in the repository's top-level ``resources/`` folder so an organisation can read and
change them; an installed copy carries them under ``share/gallery-curator/``.
"""

from __future__ import annotations

import sys
from pathlib import Path


def resources_dir() -> Path:
    """The folder holding ``presets/`` and ``gallery/``."""
    source_tree = Path(__file__).resolve().parents[2] / "resources"
    if source_tree.is_dir():
        return source_tree
    installed = Path(sys.prefix) / "share" / "gallery-curator"
    if installed.is_dir():
        return installed
    raise FileNotFoundError("the app's resources folder is missing; reinstall Gallery Curator")
