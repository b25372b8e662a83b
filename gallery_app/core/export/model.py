"""Plain data passed between the export use case, the rendering workers and the site builder.

The exporter decides *what* goes out (the consent gate, the preset, the selection); the
renderer turns one photo into files; the site builder turns the list of rendered photos into
pages. Keeping the hand-over in these picklable dataclasses lets the renderer run in worker
processes and lets each part be tested on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class EncoderSettings:
    """How each output format is encoded (chosen per preset from measured costs)."""

    jpeg_quality: int = 85
    jpeg_progressive: bool = False
    jpeg_optimize: bool = False
    webp_quality: int = 80
    webp_method: int = 2
    avif_quality: int = 60
    avif_speed: int = 8
    sharpen: bool = True
    """Light output sharpening after the downscale (UnsharpMask, small radius)."""


@dataclass(frozen=True)
class RenditionSpec:
    """Which files to make from one photo."""

    widths: tuple[int, ...]
    """Target image widths in pixels (as displayed, after orientation). Widths larger than the
    photo are skipped (never upscaled); when every requested width is larger, the photo's own
    width is used instead."""
    formats: tuple[str, ...] = ("jpeg",)
    """Any of "jpeg", "webp", "avif"."""
    encoder: EncoderSettings = field(default_factory=EncoderSettings)
    full_resolution: bool = False
    """Archive preset: one rendition at the photo's own size (widths ignored)."""
    fit: str = "width"
    """``"width"``: every rendition is exactly that wide. ``"long_edge"``: the widths are
    upper bounds of the *long* edge, so a portrait's largest rendition is as tall as a
    landscape's is wide (a 2400 px wide portrait would be 3600 px tall, far more than any
    screen shows, and would need a full-size decode)."""
    crop_square: int | None = None
    """If set, also make a square centre-cropped thumbnail of this size (JPEG)."""


@dataclass(frozen=True)
class EmbeddedMetadata:
    """What an exported file may say about itself: built from the catalog by allow-list.

    Nothing here is ever copied from the original file. Person names, camera data, capture time
    and location are present only when the preset allows them (archive).
    """

    title: str | None = None
    headline: str | None = None
    caption: str | None = None
    alt_text: str | None = None
    ext_description: str | None = None
    creator: str | None = None
    credit: str | None = None
    copyright: str | None = None
    usage_terms: str | None = None
    keywords: tuple[str, ...] = ()
    """Flat keywords, person-free (hierarchical ones as "A|B|C" go to lr:hierarchicalSubject
    and their leaves to dc:subject / IIM 2:25)."""
    event: str | None = None
    people: tuple[str, ...] = ()
    """Only when the preset keeps people (archive)."""
    model_release_status: str | None = None
    """PLUS URI such as http://ns.useplus.org/ldf/vocab/MR-UMR; archive only."""
    camera_make: str | None = None
    camera_model: str | None = None
    lens: str | None = None
    captured_at: str | None = None
    """ISO 8601; archive only."""


@dataclass(frozen=True)
class RenderedFile:
    """One file the renderer wrote."""

    path: str
    """Relative to the export folder, with "/" separators."""
    format: str
    width: int
    height: int
    bytes: int
    sha256: str
    role: str = "image"
    """"image" (a responsive size) or "thumb" (square crop)."""
