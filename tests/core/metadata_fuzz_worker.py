"""Subprocess worker for the metadata fuzz test.

Reads file paths from stdin (one per line) and calls ``read_metadata`` on each, printing
``START<TAB>name`` before and ``END<TAB>name<TAB>outcome`` after, flushed, so that the parent
can tell which file a hang or a native crash belongs to. It runs in its own process because a
crash in the C++ library (or a hang) must not take the test runner down with it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from gallery_app.core.metadata import MetadataUnreadable, read_metadata


def main() -> int:
    for line in sys.stdin:
        path = Path(line.rstrip("\n"))
        print(f"START\t{path.name}", flush=True)
        try:
            read_metadata(path)
            outcome = "ok"
        except MetadataUnreadable as exc:
            outcome = f"unreadable\t{exc}"
        except Exception as exc:
            outcome = f"error\t{type(exc).__name__}: {exc}"
        print(f"END\t{path.name}\t{outcome}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
