"""Finding the photo files in what the user pointed the import at.

A card, a folder tree or a handful of files: we walk them in a stable order and sort what we
find into candidates (by extension, the cheap first test — the worker later checks the content),
files we deliberately skip (other formats, the hidden ``._*`` files macOS leaves on cards) and
places we could not read at all, each with a reason the user can act on.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from gallery_app.core.progress import CancelToken

PHOTO_EXTENSIONS = frozenset(
    {".jpg", ".jpeg", ".jpe", ".png", ".tif", ".tiff", ".webp", ".avif", ".heic", ".heif", ".hif"}
)


@dataclass
class ScanResult:
    """What a walk over the import sources found."""

    candidates: list[Path] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)


def scan_sources(
    sources: list[Path], *, exclude: Path | None = None, cancel: CancelToken | None = None
) -> ScanResult:
    """Walk ``sources`` (files or folders, recursively) and classify every file.

    Args:
        sources: what the user chose.
        exclude: a folder never to descend into (the project itself, when someone imports a
            folder that contains it).
        cancel: checked between folders.
    """
    result = ScanResult()
    seen: set[Path] = set()
    excluded = exclude.resolve() if exclude else None
    for given in sources:
        source = given.expanduser().absolute()
        if not source.exists():
            result.failed.append((source, "does not exist"))
        elif source.is_dir():
            _walk(source, result, seen, excluded, cancel)
        else:
            _classify(source, result, seen)
    return result


def _walk(
    root: Path,
    result: ScanResult,
    seen: set[Path],
    excluded: Path | None,
    cancel: CancelToken | None,
) -> None:
    def on_error(error: OSError) -> None:
        where = Path(error.filename) if error.filename else root
        result.failed.append((where, f"folder cannot be read: {error.strerror or error}"))

    for folder, dirs, files in os.walk(root, onerror=on_error):
        if cancel is not None:
            cancel.raise_if_cancelled()
        here = Path(folder)
        dirs[:] = sorted(
            d
            for d in dirs
            if not d.startswith(".") and (excluded is None or (here / d).resolve() != excluded)
        )
        for name in sorted(files):
            _classify(here / name, result, seen)


def _classify(path: Path, result: ScanResult, seen: set[Path]) -> None:
    if path in seen:
        return
    seen.add(path)
    if path.name.startswith("."):
        result.skipped.append((path, "hidden file"))
    elif path.suffix.lower() not in PHOTO_EXTENSIONS:
        result.skipped.append((path, "not a photo format Gallery Curator imports"))
    elif path.is_symlink() and not path.exists():
        result.failed.append((path, "broken link"))
    else:
        result.candidates.append(path)
