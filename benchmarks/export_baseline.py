"""The export baseline: the obvious one-process Pillow loop that makes the website preset's files.

Issue 4 measures the website export against "a one-process baseline script that makes the same
files with plain Pillow (open, full decode, resize, save)". Per photo: ``Image.open`` → full
decode (``load``) → ``ImageOps.exif_transpose`` on the full-size image → for every width a
``resize`` **from the full image** with LANCZOS → save a JPEG and a WebP.

"The same files" is kept by reading the preset file rather than copying its values: the
encoder settings (JPEG quality and progressive, WebP quality and method) and the sizing rule
(``fit``: with ``"long_edge"`` a portrait's widths are capped so that it is never taller than
the largest width, as ``gallery_app.core.export.renditions`` does) come from
``resources/presets/website.toml``. So the encoders — which dominate the cost — do the same
work on both sides. What the baseline leaves out is exactly what our exporter adds or saves:
the DCT-scaled decode, rotating after the downscale, the cascade of widths, two processes — and
the work our exporter does on top (sRGB conversion, sharpening, metadata, hashing, atomic
writes, the gallery pages, the catalog records) is charged to ours.

``python -m benchmarks.export_baseline SOURCE_DIR OUTPUT_DIR [--widths 2400,1600,960,480]
[--formats jpeg,webp] [--preset-file resources/presets/website.toml] [--plan-only]`` prints one
JSON line.
"""

from __future__ import annotations

import argparse
import time
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps

from benchmarks._util import cpu_seconds, emit, peak_rss_self_mib

WEBSITE_PRESET = Path(__file__).resolve().parent.parent / "resources" / "presets" / "website.toml"


@dataclass(frozen=True)
class Settings:
    """What the baseline takes from the preset file (the app's defaults where it is silent)."""

    widths: tuple[int, ...]
    fit: str = "width"
    formats: tuple[str, ...] = ("jpeg",)
    jpeg_quality: int = 85
    jpeg_progressive: bool = False
    jpeg_optimize: bool = False
    webp_quality: int = 80
    webp_method: int = 2

    @classmethod
    def from_preset(cls, path: Path, widths: tuple[int, ...] | None = None) -> Settings:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
        encoder = data.get("encoder", {})
        defaults = cls(widths=())
        return cls(
            widths=widths or tuple(int(w) for w in data["widths"]),
            fit=str(data.get("fit", defaults.fit)),
            formats=tuple(data.get("formats", defaults.formats)),
            jpeg_quality=int(encoder.get("jpeg_quality", defaults.jpeg_quality)),
            jpeg_progressive=bool(encoder.get("jpeg_progressive", defaults.jpeg_progressive)),
            jpeg_optimize=bool(encoder.get("jpeg_optimize", defaults.jpeg_optimize)),
            webp_quality=int(encoder.get("webp_quality", defaults.webp_quality)),
            webp_method=int(encoder.get("webp_method", defaults.webp_method)),
        )


def output_widths(size: tuple[int, int], settings: Settings) -> list[int]:
    """The widths to make for an upright ``size``: never upscaled, portraits capped by ``fit``."""
    full_w, full_h = size
    requested = list(settings.widths)
    if settings.fit == "long_edge" and full_h > full_w:
        limit = max(1, max(requested) * full_w // full_h)
        requested = [min(w, limit) for w in requested]
    return sorted({w for w in requested if w <= full_w}, reverse=True) or [full_w]


def planned_files(source: Path, settings: Settings) -> dict[str, Any]:
    """How many files the baseline — and so our export — makes from ``source`` (headers only).

    The harness checks both sides against this number, so that "the same files" is checked,
    not assumed, whatever the preset's sizing rule.
    """
    files = sorted(p for p in source.iterdir() if p.suffix.lower() in (".jpg", ".jpeg"))
    total = 0
    for path in files:
        with Image.open(path) as image:
            turned = image.getexif().get(0x0112, 1) in (5, 6, 7, 8)
            width, height = image.size
        upright = (height, width) if turned else (width, height)
        total += len(output_widths(upright, settings)) * len(settings.formats)
    return {"photos": len(files), "files": total}


def run(source: Path, output: Path, settings: Settings) -> dict[str, Any]:
    """Make every file of every JPEG in ``source``; return counts, time and memory."""
    unknown = set(settings.formats) - {"jpeg", "webp"}
    if unknown:
        raise SystemExit(f"the baseline writes JPEG and WebP only, not {sorted(unknown)}")
    files = sorted(p for p in source.iterdir() if p.suffix.lower() in (".jpg", ".jpeg"))
    output.mkdir(parents=True, exist_ok=True)
    written = 0
    started = time.perf_counter()
    for path in files:
        with Image.open(path) as image:
            image.load()
            upright = ImageOps.exif_transpose(image)
        full_w, full_h = upright.size
        for width in output_widths(upright.size, settings):
            size = (width, max(1, round(full_h * width / full_w)))
            resized = upright.resize(size, Image.Resampling.LANCZOS)
            stem = output / f"{path.stem}-{width}"
            if "jpeg" in settings.formats:
                resized.save(
                    stem.with_suffix(".jpg"),
                    "JPEG",
                    quality=settings.jpeg_quality,
                    progressive=settings.jpeg_progressive,
                    optimize=settings.jpeg_optimize,
                )
                written += 1
            if "webp" in settings.formats:
                resized.save(
                    stem.with_suffix(".webp"),
                    "WEBP",
                    quality=settings.webp_quality,
                    method=settings.webp_method,
                )
                written += 1
    seconds = time.perf_counter() - started
    return {
        "photos": len(files),
        "files": written,
        "settings": settings.__dict__,
        "seconds": round(seconds, 3),
        "main_peak_rss_mib": peak_rss_self_mib(),
        **cpu_seconds(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.export_baseline")
    parser.add_argument("source", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("--widths", default="", help="override the preset's widths")
    parser.add_argument("--formats", default="", help="override the preset's formats")
    parser.add_argument("--preset-file", type=Path, default=WEBSITE_PRESET)
    parser.add_argument(
        "--plan-only", action="store_true", help="only count the files it would make"
    )
    args = parser.parse_args(argv)
    widths = tuple(int(w) for w in args.widths.split(",") if w.strip()) or None
    settings = Settings.from_preset(args.preset_file, widths)
    formats = tuple(f.strip() for f in args.formats.split(",") if f.strip())
    if formats:
        settings = replace(settings, formats=formats)
    if args.plan_only:
        emit(planned_files(args.source, settings))
    else:
        emit(run(args.source, args.output, settings))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
