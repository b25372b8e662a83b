"""The import baseline: the obvious one-process Pillow loop, as the issue defines it.

Per file: ``Image.open`` → ``ImageOps.exif_transpose`` → ``thumbnail((256, 256))`` → save a
JPEG. ``exif_transpose`` returns a new, fully decoded image, so ``thumbnail`` cannot use
JPEG DCT scaling (``draft``) and every 24 MP photo is decoded at full size — which is what
a straightforward implementation does and what Gallery Curator's import is compared with.
The thumbnails are written at the quality our grid thumbnails use, so output work is alike.

``python -m benchmarks.baseline SOURCE_DIR OUTPUT_DIR`` prints one JSON line.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from PIL import Image, ImageOps

from benchmarks._util import cpu_seconds, emit, peak_rss_self_mib

QUALITY = 82  # gallery_app.core.thumbnails.GRID_QUALITY at the time of writing


def run(source: Path, output: Path) -> dict[str, float | int]:
    files = sorted(p for p in source.iterdir() if p.suffix.lower() in (".jpg", ".jpeg"))
    output.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    for path in files:
        with Image.open(path) as image:
            upright = ImageOps.exif_transpose(image)
            upright.thumbnail((256, 256))
            upright.save(output / f"{path.stem}-256.jpg", "JPEG", quality=QUALITY)
    seconds = time.perf_counter() - started
    return {
        "photos": len(files),
        "seconds": round(seconds, 3),
        "main_peak_rss_mib": peak_rss_self_mib(),
        **cpu_seconds(),
    }


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m benchmarks.baseline SOURCE_DIR OUTPUT_DIR", file=sys.stderr)
        return 2
    emit(run(Path(argv[0]), Path(argv[1])))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
