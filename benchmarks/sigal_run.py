"""sigal, the static-gallery generator a user would otherwise pick, set up for a side-by-side run.

sigal lives in its own virtual environment (``benchmarks/.venv-sigal``, made on first use) so
that its dependencies never touch the project's; it gets the **same Pillow version** as the
project, so that both sides use the same libjpeg-turbo and the comparison is about the
pipelines, not the libraries. The environment holds a ``.gitignore`` of ``*`` so git never
sees it.

Configuration, as in ``shared/research/performance.md`` §5: sigal's defaults (colorbox theme,
``ResizeToFit``, JPEG q85 optimize progressive, one pool process per core, no EXIF copied)
with ``img_size = (2048, 1365)`` and the 280×210 thumbnails of the configuration that
``sigal init`` writes. Our side of the pair makes the same files with
``--widths 2048,280 --formats jpeg``.

``python -m benchmarks.sigal_run setup`` makes the environment and prints its versions;
``python -m benchmarks.sigal_run check DEST COUNT`` checks a build's output (one JSON line;
exit status 1 when images are missing or the wrong size).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path
from typing import Any

import PIL
from PIL import Image

from benchmarks._util import emit

VENV = Path(__file__).resolve().parent / ".venv-sigal"
SIGAL_VERSION = "2.6.1"  # the version measured in performance.md §5
IMG_SIZE = (2048, 1365)
THUMB_SIZE = (280, 210)

CONFIG = f"""\
# Written by benchmarks/sigal_run.py: sigal's defaults plus the two sizes below.
img_size = {IMG_SIZE!r}
thumb_size = {THUMB_SIZE!r}
"""


def sigal_executable() -> Path:
    return VENV / "bin" / "sigal"


def ensure_sigal(*, verbose: bool = True) -> Path:
    """Return the ``sigal`` executable, creating its environment first if needed."""
    exe = sigal_executable()
    python = VENV / "bin" / "python"
    if exe.is_file() and _pillow_version(python) == PIL.__version__:
        return exe
    if verbose:
        print(
            f"installing sigal {SIGAL_VERSION} (Pillow {PIL.__version__}) into {VENV} ...",
            flush=True,
        )
    if not python.is_file():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    (VENV / ".gitignore").write_text("*\n")
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            f"sigal=={SIGAL_VERSION}",
            f"pillow=={PIL.__version__}",
        ],
        check=True,
    )
    return exe


def _pillow_version(python: Path) -> str | None:
    if not python.is_file():
        return None
    proc = subprocess.run(
        [str(python), "-c", "import PIL; print(PIL.__version__)"], capture_output=True, text=True
    )
    return proc.stdout.strip() if proc.returncode == 0 else None


def versions() -> dict[str, Any]:
    python = VENV / "bin" / "python"
    proc = subprocess.run(
        [
            str(python),
            "-c",
            "import json, sigal, PIL, pilkit; from PIL import features; print(json.dumps("
            "{'sigal': sigal.__version__, 'pillow': PIL.__version__, 'pilkit': pilkit.__version__,"
            " 'libjpeg_turbo': features.version('libjpeg_turbo')}))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = __import__("json").loads(proc.stdout)
    return result


def write_config(path: Path) -> Path:
    path.write_text(CONFIG)
    return path


def build_command(config: Path, source: Path, dest: Path) -> list[str]:
    """The sigal build as a user would run it (progress output and all)."""
    return [str(sigal_executable()), "build", "-c", str(config), str(source), str(dest)]


def check_output(dest: Path, count: int) -> str | None:
    """``None`` when ``dest`` holds ``count`` resized images and thumbnails of the right size."""
    images = sorted(dest.glob("*.jpg"))
    thumbs = sorted((dest / "thumbnails").glob("*.jpg"))
    if len(images) != count or len(thumbs) != count:
        return f"sigal wrote {len(images)} images and {len(thumbs)} thumbnails, not {count} each"
    for path in images:
        with Image.open(path) as image:
            if max(image.size) != max(IMG_SIZE):
                return f"{path.name} is {image.size}, not {max(IMG_SIZE)} px on its long side"
    for path in thumbs:
        with Image.open(path) as image:
            if image.size not in (THUMB_SIZE, THUMB_SIZE[::-1]):
                return f"thumbnail {path.name} is {image.size}, not {THUMB_SIZE}"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sigal_run")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("setup")
    p = sub.add_parser("check")
    p.add_argument("dest", type=Path)
    p.add_argument("count", type=int)
    args = parser.parse_args(argv)
    if args.command == "setup":
        ensure_sigal()
        emit(versions())
        return 0
    problem = check_output(args.dest, args.count)
    if problem:
        print(problem, file=sys.stderr)
        return 1
    emit({"ok": True})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
