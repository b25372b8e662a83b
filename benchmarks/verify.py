"""Check an imported benchmark project: every photo catalogued, every grid thumbnail on disk.

Run as a child process (``python -m benchmarks.verify PROJECT COUNT``) so that it always uses
the same version of the code as the import it checks, even while the tree is being edited.
Exit status 0 when complete; 1 with a one-line reason otherwise.
"""

from __future__ import annotations

import sys
from pathlib import Path

from gallery_app.core.project import open_project
from gallery_app.core.thumbnails import grid_thumbnail_paths


def verify(project: Path, count: int) -> str | None:
    with open_project(project, write=False) as opened:
        rows = opened.conn.execute("SELECT content_hash FROM photos").fetchall()
        if len(rows) != count:
            return f"catalog holds {len(rows)} photos after import, not {count}"
        missing = [
            path
            for row in rows
            for path in grid_thumbnail_paths(opened.cache_dir, row[0]).values()
            if not path.is_file()
        ]
    if missing:
        return f"{len(missing)} grid thumbnails missing after import returned, e.g. {missing[0]}"
    return None


def main(argv: list[str]) -> int:
    problem = verify(Path(argv[0]), int(argv[1]))
    if problem:
        print(problem, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
