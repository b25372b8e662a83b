"""First paint: the camera's embedded EXIF thumbnails of the whole corpus, made displayable.

This is what the grid can show before any pixel of the photos is decoded. For each file it
times :func:`gallery_app.core.thumbnails.extract_embedded_thumbnail` (read the JPEG markers,
cut out the IFD1 thumbnail, crop the letterbox bars, turn it upright, re-encode), twice:

* ``extract``: with the orientation already known, as it is when the import's metadata pass
  has run (that is how the app uses it);
* ``with_header``: also reading the orientation from the EXIF header first (a cold start
  with nothing known) — the figure the target is checked against.

Each pass runs ``--repeat`` times in one process after one warm-up pass; the files are in the
page cache (this measures CPU, not a card reader). Every photo must yield a thumbnail, or the
benchmark fails.

``python -m benchmarks.first_paint CORPUS_DIR [--count N] [--repeat R]`` prints one JSON line.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from PIL import Image

from benchmarks._util import emit, median, peak_rss_self_mib
from gallery_app.core.thumbnails import extract_embedded_thumbnail


def _orientation(path: Path) -> int:
    with Image.open(path) as image:
        value = image.getexif().get(0x0112, 1)
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _pass(files: list[Path], orientations: list[int] | None) -> float:
    started = time.perf_counter()
    for index, path in enumerate(files):
        orientation = orientations[index] if orientations is not None else _orientation(path)
        if extract_embedded_thumbnail(path, orientation) is None:
            raise SystemExit(f"first paint: no embedded thumbnail extracted from {path}")
    return time.perf_counter() - started


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--count", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    files = sorted(args.corpus.glob("*.jpg"))[: args.count]
    if not files:
        raise SystemExit(f"first paint: no JPEG files in {args.corpus}")
    orientations = [_orientation(p) for p in files]
    warm_up = _pass(files, None)
    with_header = [_pass(files, None) for _ in range(args.repeat)]
    extract = [_pass(files, orientations) for _ in range(args.repeat)]
    emit(
        {
            "photos": len(files),
            "warm_up_s": round(warm_up, 4),
            "with_header_s": [round(v, 4) for v in with_header],
            "extract_s": [round(v, 4) for v in extract],
            "with_header_median_s": round(median(with_header), 4),
            "extract_median_s": round(median(extract), 4),
            "ms_per_photo": round(1000 * median(with_header) / len(files), 3),
            "main_peak_rss_mib": peak_rss_self_mib(),
        }
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
