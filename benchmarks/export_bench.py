"""Helpers for the export benchmarks, run as child processes by ``benchmarks/run.py``.

They run as separate processes (like ``benchmarks.verify``) so that they always use the same
version of the app's code as the export they prepare or explain, even while other people edit
the tree.

``python -m benchmarks.export_bench SUBCOMMAND ...``, each printing one JSON line:

* ``small-corpus [--count 1000]``: the cached corpus of small (1200×800) JPEGs for the
  re-export benchmark. 1,000 real 24 MP files would take ~35 minutes to generate and
  nothing is rendered in a re-export anyway: what it measures is per-photo bookkeeping.
* ``clear PROJECT``: mark every photo "no identifiable people" with the core edit use case
  (and drop the person tags the corpus's XMP brings, whose consent is unknown), so that the
  consent gate clears all of them for web use: the gate rightly holds back photos without
  consent facts, and the benchmark measures the export of photos that may leave.
* ``stages SOURCE_DIR [--count 10] [--widths ...] [--formats ...] [--preset website]``: where
  one photo's export time goes, stage by stage, in one process — the same steps, in the same
  order and with the same settings as ``gallery_app.core.export.renditions.render_photo``.
  Used to explain a missed target (the lead decides what to change in the core).
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import io
import os
import shutil
import statistics
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import PIL
from PIL import Image, ImageDraw

from benchmarks._util import emit
from benchmarks.corpus import CORPUS_ROOT, PHOTOS_SUBDIR, _code_fingerprint

SMALL_SIZE = (1200, 800)
SMALL_QUALITY = 90
SMALL_BASES = 20
"""Distinct rendered scenes (``make_sample_photos``, ~0.25 s each); every small photo is one
of them with a unique code stamped into a corner, so the content hashes (and thus the catalog
entries) all differ while generation stays at ~15 ms per photo."""


# --------------------------------------------------------------------------------------------
# The small corpus for the re-export benchmark
# --------------------------------------------------------------------------------------------


def _stamp(image: Image.Image, index: int) -> Image.Image:
    """``image`` with ``index`` written as a 4×4 block code in its lower right corner."""
    stamped = image.copy()
    draw = ImageDraw.Draw(stamped)
    cell = 6
    right, bottom = stamped.width - 8, stamped.height - 8
    for bit in range(16):
        x = right - (bit % 4 + 1) * cell
        y = bottom - (bit // 4 + 1) * cell
        shade = 235 if index >> bit & 1 else 20
        draw.rectangle((x, y, x + cell - 1, y + cell - 1), fill=(shade, shade, shade))
    return stamped


def small_corpus_dir(count: int) -> Path:
    """Where the small corpus lives; the name fingerprints the generators and Pillow."""
    key = "\n".join(
        (
            _code_fingerprint(),
            inspect.getsource(_stamp),
            inspect.getsource(_make_small_corpus),
            f"{count} {SMALL_SIZE} {SMALL_QUALITY} {SMALL_BASES}",
            PIL.__version__,
        )
    )
    digest = hashlib.sha256(key.encode()).hexdigest()[:12]
    return CORPUS_ROOT / f"small-{SMALL_SIZE[0]}x{SMALL_SIZE[1]}-n{count}-{digest}"


def _make_small_corpus(folder: Path, count: int) -> None:
    from gallery_app.core.samples import make_sample_photos

    bases_dir = folder / "bases"
    bases = make_sample_photos(
        bases_dir, min(SMALL_BASES, count), size=SMALL_SIZE, quality=SMALL_QUALITY
    )
    photos = folder / PHOTOS_SUBDIR
    photos.mkdir(parents=True)
    opened: list[tuple[Image.Image, dict[str, Any]]] = []
    for path in bases:
        with Image.open(path) as image:
            image.load()
            keep = {k: image.info[k] for k in ("exif", "xmp") if image.info.get(k)}
            opened.append((image.copy(), keep))
    for index in range(count):
        pixels, info = opened[index % len(opened)]
        _stamp(pixels, index).save(
            photos / f"small_{index:04d}.jpg", "JPEG", quality=SMALL_QUALITY, **info
        )
    shutil.rmtree(bases_dir)


def ensure_small_corpus(count: int = 1000, *, verbose: bool = True) -> Path:
    """Return the folder holding ``count`` small JPEGs, generating it (~20 s) if missing.

    Generated under a temporary name and renamed when complete, so an interrupted run
    never leaves a partial corpus that a later run would trust.
    """
    root = small_corpus_dir(count)
    if not (root / PHOTOS_SUBDIR).is_dir():
        partial = root.with_name(root.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        if verbose:
            print(f"generating {count} small JPEGs {SMALL_SIZE} into {root} ...", flush=True)
        _make_small_corpus(partial, count)
        os.replace(partial, root)
    return root / PHOTOS_SUBDIR


# --------------------------------------------------------------------------------------------
# Clearing the consent gate
# --------------------------------------------------------------------------------------------


def clear_for_export(project: Path) -> dict[str, Any]:
    """Mark every photo of ``project`` "no identifiable people" (what a user does for crowd,
    stage and venue shots) and untag the people the import read from XMP, so that the gate
    clears every photo; return how many photos there are."""
    from gallery_app.core.catalog.photos import list_photo_ids
    from gallery_app.core.edits import EditRequest, apply_edit
    from gallery_app.core.project import open_project

    with open_project(project, write=True) as opened:
        ids = list_photo_ids(opened.conn)
        names = [row[0] for row in opened.conn.execute("SELECT name FROM people")]
        request = EditRequest(no_identifiable_people=True, remove_people=names)
        edit = apply_edit(opened, ids, request)
        return {"photos": len(ids), "changed": len(edit.changes), "untagged": len(names)}


# --------------------------------------------------------------------------------------------
# Where the time goes: one photo's export, stage by stage
# --------------------------------------------------------------------------------------------


class _Clock:
    """Adds up the time spent per stage across photos (``with clock("decode"): ...``)."""

    def __init__(self) -> None:
        self.per_photo: dict[str, list[float]] = defaultdict(list)
        self._current: dict[str, float] = defaultdict(float)
        self._stage = ""
        self._started = 0.0

    def __call__(self, stage: str) -> _Clock:
        self._stage = stage
        return self

    def __enter__(self) -> None:
        self._started = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        self._current[self._stage] += time.perf_counter() - self._started

    def next_photo(self) -> None:
        for stage, seconds in self._current.items():
            self.per_photo[stage].append(seconds)
        self._current.clear()


def stages(
    source: Path, count: int, preset_name: str, widths: tuple[int, ...], formats: tuple[str, ...]
) -> dict[str, Any]:
    """Time each stage of ``render_photo`` for ``count`` photos in this one process.

    Mirrors ``renditions._decode`` and ``render_photo`` step for step with the app's own
    helpers, constants and the preset's encoder settings; the per-stage medians add up to
    within a few per cent of timing ``render_photo`` itself (reported as ``render_photo_ms``
    for that check: a larger gap means the core changed and this mirror needs updating).
    """
    from gallery_app.core.export import renditions
    from gallery_app.core.export.embed import (
        build_exif,
        build_iptc_app13,
        build_xmp,
        insert_app13,
    )
    from gallery_app.core.export.model import EmbeddedMetadata
    from gallery_app.core.export.presets import get_preset
    from gallery_app.core.imaging import (
        apply_orientation,
        atomic_write_bytes,
        container_orientation,
        oriented_size,
        resizable,
        to_srgb_rgb,
    )
    from gallery_app.core.metadata import read_metadata
    from gallery_app.core.resize import downscale

    preset = get_preset(preset_name).with_overrides(widths or None, formats or None)
    spec = preset.rendition_spec()
    enc = spec.encoder
    sharpen = getattr(renditions, "_SHARPEN", None)
    # Sizes above this are not sharpened (renditions.SHARPEN_UP_TO, where the core has it).
    sharpen_up_to = getattr(renditions, "SHARPEN_UP_TO", None) or 10**9
    metadata = EmbeddedMetadata(
        title="Opening keynote",
        caption="The keynote speaker on stage during the opening session.",
        alt_text="A speaker at a lectern in front of a projected slide",
        creator="Benchmark Photographer",
        credit="Example Org",
        copyright="© 2026 Example Org",
        keywords=("Sessions|Keynote", "stage"),
        event="Benchmark",
    )
    files = sorted(source.glob("*.jpg"))[:count]
    clock = _Clock()
    out = Path(os.environ.get("TMPDIR", "/tmp")) / f"gallery-bench-stages-{os.getpid()}"
    out.mkdir(parents=True, exist_ok=True)
    whole: list[float] = []
    by_shape: dict[str, list[float]] = defaultdict(list)
    decoded: dict[str, list[int]] = {}
    try:
        for path in files:
            orientation = read_metadata(path).orientation
            with clock("metadata (exif/xmp/iim)"):
                exif, xmp, iim = (
                    build_exif(metadata),
                    build_xmp(metadata),
                    build_iptc_app13(metadata),
                )
            with Image.open(path) as image:
                turn = container_orientation(image, orientation)
                full = oriented_size(image.size, turn)
                requested = list(spec.widths)
                if getattr(spec, "fit", "width") == "long_edge" and full[1] > full[0]:
                    limit = max(1, max(requested) * full[0] // full[1])
                    requested = [min(w, limit) for w in requested]
                chain = sorted({w for w in requested if w <= full[0]}, reverse=True) or [full[0]]
                target = oriented_size(renditions.output_size(full, chain[0]), turn)
                with clock("decode (DCT-scaled)"):
                    box = None
                    drafted = image.draft("RGB", target)
                    if drafted is not None:
                        box = drafted[1]
                    image.load()
                shape = "portrait" if full[1] > full[0] else "landscape"
                decoded[shape] = list(image.size)
                with clock("resize to largest width"):
                    pixels = downscale(resizable(image), target, box)
                icc = image.info.get("icc_profile")
            with clock("sRGB + orientation"):
                current = apply_orientation(
                    to_srgb_rgb(pixels, icc if isinstance(icc, bytes) else None), turn
                )
            for width in chain:
                size = renditions.output_size(full, width)
                if current.size != size:
                    with clock("resize cascade (smaller widths)"):
                        current = downscale(current, size)
                shown = current
                if (
                    enc.sharpen
                    and sharpen is not None
                    and size != full
                    and max(size) <= sharpen_up_to
                ):
                    with clock("sharpen"):
                        shown = current.filter(sharpen)
                for fmt in spec.formats:
                    buffer = io.BytesIO()
                    common = {
                        "icc_profile": renditions.srgb_icc_profile(),
                        "exif": exif,
                        "xmp": xmp,
                    }
                    with clock(f"encode {fmt}"):
                        if fmt == "jpeg":
                            shown.save(
                                buffer,
                                "JPEG",
                                quality=enc.jpeg_quality,
                                optimize=enc.jpeg_optimize,
                                progressive=enc.jpeg_progressive,
                                subsampling=0 if enc.jpeg_quality >= 90 else 2,
                                **common,
                            )
                        elif fmt == "webp":
                            shown.save(
                                buffer,
                                "WEBP",
                                quality=enc.webp_quality,
                                method=enc.webp_method,
                                **common,
                            )
                        else:
                            shown.save(
                                buffer,
                                "AVIF",
                                quality=enc.avif_quality,
                                speed=enc.avif_speed,
                                max_threads=1,
                                **common,
                            )
                    data = buffer.getvalue()
                    if fmt == "jpeg":
                        with clock("encode jpeg"):
                            data = insert_app13(data, iim)
                    with clock("hash + atomic write"):
                        hashlib.sha256(data).hexdigest()
                        atomic_write_bytes(out / f"{path.stem}-{width}.{fmt}", data)
            clock.next_photo()
            started = time.perf_counter()
            renditions.render_photo(path, orientation, out, path.stem, spec, metadata)
            whole.append(time.perf_counter() - started)
            by_shape[shape].append(whole[-1])
    finally:
        shutil.rmtree(out, ignore_errors=True)
    medians = {
        stage: round(1000 * statistics.median(values), 1)
        for stage, values in clock.per_photo.items()
    }
    return {
        "photos": len(files),
        "preset": preset.name,
        "widths": list(spec.widths),
        "formats": list(spec.formats),
        "decoded_size": decoded,
        "render_photo_ms_by_shape": {
            shape: {"photos": len(values), "median_ms": round(1000 * statistics.median(values))}
            for shape, values in by_shape.items()
        },
        "stage_median_ms": medians,
        "sum_of_stage_medians_ms": round(sum(medians.values()), 1),
        "render_photo_ms": round(1000 * statistics.median(whole), 1) if whole else None,
    }


# --------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.export_bench")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("small-corpus")
    p.add_argument("--count", type=int, default=1000)
    p = sub.add_parser("clear")
    p.add_argument("project", type=Path)
    p = sub.add_parser("stages")
    p.add_argument("source", type=Path)
    p.add_argument("--count", type=int, default=10)
    p.add_argument("--preset", default="website")
    p.add_argument("--widths", default="")
    p.add_argument("--formats", default="")
    args = parser.parse_args(argv)
    if args.command == "small-corpus":
        folder = ensure_small_corpus(args.count)
        emit({"folder": str(folder), "photos": len(list(folder.glob("*.jpg")))})
    elif args.command == "clear":
        emit(clear_for_export(args.project))
    else:
        widths = tuple(int(w) for w in args.widths.split(",") if w.strip())
        formats = tuple(f for f in args.formats.split(",") if f.strip())
        emit(stages(args.source, args.count, args.preset, widths, formats))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
