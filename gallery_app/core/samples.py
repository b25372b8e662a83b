"""Deterministic sample event photos for the demo, the tests and the benchmarks.

Real camera files cannot ship with the project (people in them, licences), yet the demo, the
tests and the performance figures all need photos that behave like an event photographer's:
textured pixels that compress like photographs (JPEG size and decode cost follow the entropy
of the pixels, so flat colour would flatter every benchmark), several cameras with their own
clocks and serial numbers, rotated portrait frames, GPS on some, an embedded EXIF thumbnail,
and on some photos the captions, keywords and names a photographer's tool writes as XMP.

Everything here is generated from the arguments alone: the same arguments give byte-identical
files on the same installation (same Pillow/libjpeg), so a benchmark corpus can be cached and
a test can compare hashes. Randomness comes from ``hashlib.shake_256`` (for noise bytes) and
``random.Random.random()`` (for scene parameters), both of which are stable across Python
versions; nothing reads the clock or the global random state. Only Pillow (and pillow-heif for
the one HEIC photo of the demo) is used, because the demo runs this on users' machines.

The EXIF block is written by a small TIFF writer in this module rather than Pillow's
``Image.Exif``, because Pillow cannot write IFD1 (the embedded thumbnail) and piexif would
become a run-time dependency for a few dozen lines of ``struct``.
"""

from __future__ import annotations

import hashlib
import io
import math
import random
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import TypeVar
from xml.sax.saxutils import escape

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageOps
from PIL.PngImagePlugin import PngInfo

__all__ = [
    "CAMERAS",
    "DEMO_EVENT",
    "PEOPLE",
    "PHONE",
    "SESSIONS",
    "Camera",
    "EventInfo",
    "make_benchmark_photo",
    "make_demo_event",
    "make_sample_photos",
]

RGB = tuple[int, int, int]
_T = TypeVar("_T")


# --------------------------------------------------------------------------------------------
# The fictional event, its cameras and its people
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventInfo:
    """The project defaults the demo uses; ``init`` of the demo project should pass these."""

    name: str
    date: str
    """ISO date of the event day (local time)."""
    utc_offset: str
    """Offset of the venue's local time, as cameras write it in OffsetTimeOriginal."""
    venue: str
    latitude: float
    longitude: float
    altitude: float
    creator: str
    credit: str
    copyright: str


DEMO_EVENT = EventInfo(
    name="Open Cities Summit 2026",
    date="2026-05-01",
    utc_offset="+02:00",
    venue="Kulturhaus Mitte, Berlin",
    latitude=52.524_268,
    longitude=13.406_290,
    altitude=38.0,
    creator="Zoë Müller",
    credit="Zoë Müller / Open Cities Summit",
    copyright="© 2026 Zoë Müller, Open Cities e.V.",
)


@dataclass(frozen=True)
class Camera:
    """One body that shot the event, with what it writes into EXIF.

    ``clock_error_s`` is how far the body's clock is from the true local time (positive =
    ahead). Real multi-camera events look like this, and it is what per-camera clock offsets
    in the catalog exist to correct; tests can use it as the ground truth.
    """

    make: str
    model: str
    serial: str | None
    lens: str
    software: str
    file_pattern: str
    """``str.format`` pattern of the file name the camera gives, fed the frame number."""
    first_frame: int
    clock_error_s: float = 0.0
    image_description: str | None = None
    """What the firmware writes into ImageDescription, e.g. a placeholder to be ignored."""
    has_gps: bool = False
    focal_lengths: tuple[float, ...] = (35.0,)
    f_numbers: tuple[float, ...] = (2.8,)
    extra: dict[str, str] = field(default_factory=dict)


CAMERAS: tuple[Camera, ...] = (
    Camera(
        make="Canon",
        model="Canon EOS R6m2",
        serial="032021004711",
        lens="RF24-70mm F2.8 L IS USM",
        software="Firmware Version 1.4.0",
        file_pattern="IMG_{:04d}.JPG",
        first_frame=4711,
        clock_error_s=0.0,
        has_gps=True,
        focal_lengths=(24.0, 35.0, 50.0, 70.0),
        f_numbers=(2.8, 4.0),
    ),
    Camera(
        make="NIKON CORPORATION",
        model="NIKON Z 6_2",
        serial="6012345",
        lens="NIKKOR Z 70-200mm f/2.8 VR S",
        software="Ver.01.60",
        file_pattern="DSC_{:04d}.JPG",
        first_frame=1203,
        clock_error_s=41.0,
        focal_lengths=(70.0, 105.0, 135.0, 200.0),
        f_numbers=(2.8, 3.2),
    ),
    Camera(
        make="OM Digital Solutions",
        model="OM-1",
        serial="BHXA01234",
        lens="OM 12-40mm F2.8 PRO II",
        software="OM-1 Ver.1.6",
        file_pattern="P501{:04d}.JPG",
        first_frame=1,
        clock_error_s=-192.0,
        image_description="OLYMPUS DIGITAL CAMERA         ",
        focal_lengths=(12.0, 17.0, 25.0, 40.0),
        f_numbers=(2.8, 4.0, 5.6),
    ),
)
"""The photographer's three bodies. The OM-1 writes the "OLYMPUS DIGITAL CAMERA" placeholder
into ImageDescription, as real Olympus/OM bodies do, so importers must not take it as a
caption."""

PHONE = Camera(
    make="Apple",
    model="iPhone 15 Pro",
    serial=None,
    lens="iPhone 15 Pro back triple camera 6.765mm f/1.78",
    software="17.4.1",
    file_pattern="IMG_{:04d}.HEIC",
    first_frame=8801,
    clock_error_s=0.0,
    has_gps=True,
    focal_lengths=(6.765,),
    f_numbers=(1.78,),
)
"""A staff member's phone: no captions, GPS always, HEIC or JPEG."""

PEOPLE: tuple[str, ...] = (
    "José Núñez",
    "Aoife Ní Bhriain",
    "Łukasz Wróbel",
    "Chloé Dubois",
    "Mehmet Yılmaz",
    "Ana Lúcia Conceição",
    "Björn Ångström",
    "Priya Raghunathan",
    "Dương Thị Lan",
    "Kwame Mensah",
)


@dataclass(frozen=True)
class _Session:
    name: str
    kind: str
    """Scene kind: keynote, panel, networking, workshop or terrace."""
    start: str
    """Local time of the first photo, HH:MM:SS."""
    keyword: str
    hierarchical: str
    place: str


SESSIONS: tuple[_Session, ...] = (
    _Session("Opening keynote", "keynote", "09:04:12", "keynote", "Sessions|Keynote", "Main Hall"),
    _Session(
        "Panel: Open data in cities", "panel", "10:31:40", "panel", "Sessions|Panel", "Main Hall"
    ),
    _Session("Coffee break", "networking", "11:17:05", "networking", "Breaks|Coffee", "Foyer"),
    _Session(
        "Workshop: Accessible maps",
        "workshop",
        "14:02:33",
        "workshop",
        "Sessions|Workshop",
        "Room Spree",
    ),
    _Session(
        "Evening reception", "terrace", "18:46:51", "reception", "Social|Reception", "Roof Terrace"
    ),
)


# --------------------------------------------------------------------------------------------
# Deterministic randomness
# --------------------------------------------------------------------------------------------


class _Rng:
    """Scene parameters from ``random.Random.random()`` only.

    ``random()``'s sequence for a given integer seed is the one thing the ``random`` module
    promises to keep across Python versions; ``choice``/``randint`` are built on
    ``getrandbits`` and may change, so they are re-implemented on top of ``random()``.
    """

    def __init__(self, *parts: object) -> None:
        digest = hashlib.sha256(repr(parts).encode()).digest()
        self._r = random.Random(int.from_bytes(digest[:8], "big"))

    def random(self) -> float:
        return self._r.random()

    def uniform(self, a: float, b: float) -> float:
        return a + (b - a) * self._r.random()

    def int(self, a: int, b: int) -> int:
        """An integer in ``[a, b]``, both ends included."""
        return min(b, a + int(self._r.random() * (b - a + 1)))

    def pick(self, items: Sequence[_T]) -> _T:
        return items[min(len(items) - 1, int(self._r.random() * len(items)))]

    def chance(self, p: float) -> bool:
        return self._r.random() < p


def _noise_bytes(n: int, *parts: object) -> bytes:
    """``n`` pseudo-random bytes fixed by ``parts`` (SHAKE-256 is specified, hence stable)."""
    return hashlib.shake_256(repr(parts).encode()).digest(n)


def _noise_image(size: tuple[int, int], *parts: object) -> Image.Image:
    return Image.frombytes("L", size, _noise_bytes(size[0] * size[1], *parts))


def _value_noise(
    size: tuple[int, int], seed: object, *, coarsest: int, finest: int = 2, persistence: float = 0.6
) -> Image.Image:
    """Multi-octave value noise ("fractal" texture) as an L image with full contrast.

    Each octave is a grid of random values upscaled bicubically; cells halve from
    ``coarsest`` to ``finest`` pixels, each octave weighted ``persistence`` times the
    previous. This is what makes surfaces read as walls, fabric or foliage instead of
    flat paint.
    """
    w, h = size
    acc: Image.Image | None = None
    total = 0.0
    weight = 1.0
    cell = coarsest
    octave = 0
    while cell >= finest:
        grid = (max(2, math.ceil(w / cell) + 1), max(2, math.ceil(h / cell) + 1))
        layer = _noise_image(grid, seed, octave).resize(size, Image.Resampling.BICUBIC)
        acc = layer if acc is None else Image.blend(acc, layer, weight / (total + weight))
        total += weight
        weight *= persistence
        cell //= 2
        octave += 1
    assert acc is not None
    return ImageOps.autocontrast(acc, cutoff=0.5)


def _centred_lut(amplitude: float) -> list[int]:
    """Lookup table mapping uniform bytes to ``128 ± amplitude`` (for additive noise)."""
    return [max(0, min(255, round(128 + (v - 127.5) * amplitude / 127.5))) for v in range(256)]


# --------------------------------------------------------------------------------------------
# Scene rendering
# --------------------------------------------------------------------------------------------

_SKIN: tuple[RGB, ...] = (
    (241, 194, 167),
    (224, 172, 138),
    (198, 134, 96),
    (161, 102, 72),
    (120, 76, 52),
    (87, 56, 40),
)
_HAIR: tuple[RGB, ...] = (
    (30, 24, 20),
    (60, 40, 28),
    (110, 80, 50),
    (170, 140, 90),
    (200, 200, 200),
    (90, 30, 20),
)
_CLOTHES: tuple[RGB, ...] = (
    (25, 30, 45),
    (40, 40, 40),
    (200, 200, 205),
    (120, 20, 30),
    (30, 70, 120),
    (180, 140, 60),
    (60, 90, 60),
    (150, 60, 110),
    (230, 225, 210),
    (80, 60, 50),
    (20, 110, 110),
    (200, 90, 40),
)


def _jitter(rng: _Rng, colour: RGB, amount: int = 18) -> RGB:
    r, g, b = colour
    return (
        max(0, min(255, r + rng.int(-amount, amount))),
        max(0, min(255, g + rng.int(-amount, amount))),
        max(0, min(255, b + rng.int(-amount, amount))),
    )


def _shade(colour: RGB, factor: float) -> RGB:
    r, g, b = colour
    return (min(255, int(r * factor)), min(255, int(g * factor)), min(255, int(b * factor)))


def _vertical_gradient(size: tuple[int, int], top: RGB, bottom: RGB) -> Image.Image:
    ramp = Image.linear_gradient("L").resize(size, Image.Resampling.BILINEAR)
    return ImageOps.colorize(ramp, black=top, white=bottom)


def _draw_person(
    draw: ImageDraw.ImageDraw,
    rng: _Rng,
    x: float,
    feet: float,
    height: float,
    *,
    seated: bool = False,
    from_behind: bool = False,
) -> None:
    """A stylised standing (or seated) person whose feet are at ``(x, feet)``."""
    h = height
    head_r = h * 0.065
    shoulder_w = h * rng.uniform(0.22, 0.27)
    skin = _jitter(rng, rng.pick(_SKIN), 8)
    hair = _jitter(rng, rng.pick(_HAIR), 10)
    top = _jitter(rng, rng.pick(_CLOTHES))
    bottom = _jitter(rng, rng.pick(_CLOTHES[:6]))
    head_cy = feet - h + head_r
    neck = head_cy + head_r * 1.1
    hip = feet - h * (0.27 if seated else 0.47)
    if not seated:
        leg_w = shoulder_w * 0.2
        gap = shoulder_w * 0.08 * rng.uniform(0.5, 2.5)
        for side in (-1, 1):
            lx = x + side * (gap + leg_w / 2)
            draw.rounded_rectangle(
                (lx - leg_w / 2, hip - h * 0.02, lx + leg_w / 2, feet),
                radius=leg_w / 3,
                fill=bottom,
            )
            draw.ellipse(
                (lx - leg_w * 0.7, feet - leg_w * 0.45, lx + leg_w * 0.8, feet + leg_w * 0.15),
                fill=_shade(bottom, 0.4),
            )
    # Arms behind the torso, slightly darker.
    arm_w = shoulder_w * 0.17
    for side in (-1, 1):
        ax = x + side * (shoulder_w / 2 - arm_w * 0.2)
        reach = rng.uniform(0.24, 0.34) * h
        draw.rounded_rectangle(
            (ax - arm_w / 2, neck + h * 0.02, ax + arm_w / 2, neck + reach),
            radius=arm_w / 2,
            fill=_shade(top, 0.8),
        )
        if not from_behind:
            draw.ellipse(
                (
                    ax - arm_w * 0.55,
                    neck + reach - arm_w * 0.4,
                    ax + arm_w * 0.55,
                    neck + reach + arm_w * 0.7,
                ),
                fill=skin,
            )
    draw.rounded_rectangle(
        (x - shoulder_w / 2, neck + h * 0.015, x + shoulder_w / 2, hip),
        radius=shoulder_w * 0.25,
        fill=top,
    )
    if not from_behind and rng.chance(0.5):
        # A lanyard and badge: small high-contrast detail, as at every conference.
        draw.line(
            (x - shoulder_w * 0.15, neck + h * 0.02, x, neck + h * 0.16),
            fill=(200, 30, 40),
            width=max(1, int(h * 0.006)),
        )
        draw.line(
            (x + shoulder_w * 0.15, neck + h * 0.02, x, neck + h * 0.16),
            fill=(200, 30, 40),
            width=max(1, int(h * 0.006)),
        )
        draw.rectangle(
            (x - h * 0.025, neck + h * 0.16, x + h * 0.025, neck + h * 0.21), fill=(245, 245, 240)
        )
    draw.rectangle(
        (x - head_r * 0.35, head_cy + head_r * 0.6, x + head_r * 0.35, neck + h * 0.02),
        fill=_shade(skin, 0.85),
    )
    draw.ellipse(
        (x - head_r * 0.85, head_cy - head_r, x + head_r * 0.85, head_cy + head_r),
        fill=hair if from_behind else skin,
    )
    if not from_behind:
        # Hair cap on the upper part of the head.
        draw.chord(
            (x - head_r * 0.9, head_cy - head_r * 1.08, x + head_r * 0.9, head_cy + head_r * 0.5),
            180,
            360,
            fill=hair,
        )


def _draw_slide(
    draw: ImageDraw.ImageDraw, rng: _Rng, box: tuple[float, float, float, float], accent: RGB
) -> None:
    """A projected slide: title bar and bullet lines (sharp, high-contrast edges)."""
    x0, y0, x1, y1 = box
    draw.rectangle(box, fill=(236, 238, 240))
    w, h = x1 - x0, y1 - y0
    draw.rectangle((x0, y0, x1, y0 + h * 0.18), fill=accent)
    draw.rectangle(
        (x0 + w * 0.06, y0 + h * 0.06, x0 + w * rng.uniform(0.45, 0.8), y0 + h * 0.12),
        fill=(250, 250, 250),
    )
    y = y0 + h * 0.28
    while y < y1 - h * 0.12:
        draw.ellipse((x0 + w * 0.06, y, x0 + w * 0.08, y + h * 0.04), fill=accent)
        draw.rectangle(
            (x0 + w * 0.11, y + h * 0.005, x0 + w * rng.uniform(0.4, 0.9), y + h * 0.035),
            fill=(70, 70, 80),
        )
        y += h * rng.uniform(0.1, 0.14)
    if rng.chance(0.6):
        # A bar chart in the lower right.
        bx = x0 + w * 0.62
        for i in range(5):
            bh = h * rng.uniform(0.08, 0.35)
            draw.rectangle(
                (
                    bx + i * w * 0.06,
                    y1 - h * 0.08 - bh,
                    bx + i * w * 0.06 + w * 0.04,
                    y1 - h * 0.08,
                ),
                fill=_shade(accent, 0.7 + 0.1 * i),
            )


def _spotlights(img: Image.Image, rng: _Rng, count: int, strength: float) -> Image.Image:
    """Screen-blend soft elliptical pools of light (stage lights, windows)."""
    w, h = img.size
    light = Image.new("L", img.size, 0)
    # radial_gradient is 0 at the centre and 181 at the inscribed circle: fade to 0 there.
    falloff = [int(255 * strength * max(0.0, 1 - v / 181) ** 2) for v in range(256)]
    for _ in range(count):
        rw = int(w * rng.uniform(0.12, 0.35))
        rh = int(h * rng.uniform(0.25, 0.6))
        blob = Image.radial_gradient("L").resize((rw, rh), Image.Resampling.BILINEAR)
        blob = blob.point(falloff)
        cx, cy = int(w * rng.uniform(0.1, 0.9)), int(h * rng.uniform(0.05, 0.7))
        light.paste(
            ImageChops.lighter(
                light.crop((cx - rw // 2, cy - rh // 2, cx - rw // 2 + rw, cy - rh // 2 + rh)), blob
            ),
            (cx - rw // 2, cy - rh // 2),
        )
    warm = ImageOps.colorize(light, black=(0, 0, 0), white=(255, 236, 200))
    return ImageChops.screen(img, warm)


def _vignette(img: Image.Image, strength: float) -> Image.Image:
    """Darken the corners the way a wide-open lens does."""
    mask = Image.radial_gradient("L").resize(img.size, Image.Resampling.BILINEAR)
    lut = [max(0, min(255, int(255 - strength * max(0, v - 90) * 1.6))) for v in range(256)]
    shade = mask.point(lut)
    return ImageChops.multiply(img, Image.merge("RGB", (shade, shade, shade)))


def _render_scene(kind: str, size: tuple[int, int], seed: object) -> Image.Image:
    """An upright event scene of the given kind at ``size`` (the "work" resolution).

    The scene is drawn flat with ImageDraw, then everything photographic is layered on:
    lighting variation from coarse noise, surface texture from fine noise (soft light),
    a slight blur (lens), depth-of-field blur of the background for close-ups, spotlights
    and a vignette.
    """
    rng = _Rng("scene", seed)
    w, h = size
    horizon = h * rng.uniform(0.45, 0.62)
    if kind == "terrace":
        sky = _vertical_gradient(size, _jitter(rng, (70, 120, 190)), _jitter(rng, (230, 190, 150)))
        clouds = _value_noise(size, (seed, "clouds"), coarsest=max(8, w // 3), finest=4)
        clouds = clouds.point(lambda v: max(0, (v - 140) * 2))
        base = Image.composite(Image.new("RGB", size, (250, 248, 245)), sky, clouds)
        floor_top, floor_bottom = _jitter(rng, (120, 110, 100)), _jitter(rng, (70, 60, 55))
    else:
        wall = _jitter(rng, rng.pick(((70, 60, 80), (90, 80, 70), (40, 45, 60), (150, 140, 130))))
        base = _vertical_gradient(size, _shade(wall, 0.5), wall)
        floor_top, floor_bottom = _jitter(rng, (110, 70, 50)), _jitter(rng, (60, 40, 35))
    floor = _vertical_gradient((w, max(1, int(h - horizon))), floor_top, floor_bottom)
    base.paste(floor, (0, int(horizon)))

    # Coarse lighting variation over the whole room.
    light = _value_noise(size, (seed, "light"), coarsest=max(8, w // 2), finest=max(4, w // 16))
    light = light.point(lambda v: 170 + v * 85 // 255)
    base = ImageChops.multiply(base, Image.merge("RGB", (light, light, light)))
    draw = ImageDraw.Draw(base)

    if kind == "terrace":
        # Railing, planters with shrubs, a city skyline strip at the horizon.
        x = 0.0
        while x < w:
            bw = w * rng.uniform(0.03, 0.08)
            bh = h * rng.uniform(0.05, 0.25)
            draw.rectangle((x, horizon - bh, x + bw, horizon), fill=_jitter(rng, (120, 130, 150)))
            x += bw
        leaves = _value_noise(size, (seed, "leaves"), coarsest=max(8, w // 20), finest=2)
        green = ImageOps.colorize(leaves, black=(20, 50, 20), white=(120, 170, 70))
        mask = Image.new("L", size, 0)
        mdraw = ImageDraw.Draw(mask)
        for _ in range(rng.int(3, 6)):
            cx, r = w * rng.uniform(0, 1), w * rng.uniform(0.05, 0.12)
            mdraw.ellipse((cx - r, horizon - r * 1.4, cx + r, horizon + r * 0.3), fill=255)
        base.paste(green, (0, 0), mask)
        draw.rectangle((0, horizon, w, horizon + h * 0.03), fill=(190, 190, 195))
    else:
        # Ceiling lights and, for stage kinds, a stage with a projected slide.
        for _ in range(rng.int(4, 9)):
            lx, ly = w * rng.uniform(0, 1), h * rng.uniform(0.02, 0.12)
            r = w * rng.uniform(0.004, 0.012)
            draw.ellipse((lx - r * 2, ly - r, lx + r * 2, ly + r), fill=(255, 250, 235))
    accent = rng.pick(((0, 90, 160), (200, 60, 40), (20, 130, 90), (120, 50, 150)))
    if kind in ("keynote", "panel"):
        stage_top = horizon - h * 0.05
        stage_front = horizon + h * rng.uniform(0.08, 0.14)
        draw.rectangle((0, stage_top, w, stage_front), fill=_jitter(rng, (45, 35, 30)))
        draw.rectangle(
            (0, stage_front - h * 0.006, w, stage_front + h * 0.004), fill=(150, 120, 90)
        )
        sw = w * rng.uniform(0.35, 0.5)
        sx = w * rng.uniform(0.05, 0.95) - sw / 2
        _draw_slide(draw, rng, (sx, h * 0.1, sx + sw, h * 0.1 + sw * 9 / 16), accent)
        if kind == "keynote":
            px = w * rng.uniform(0.2, 0.8)
            _draw_person(draw, rng, px, stage_top + h * 0.04, h * rng.uniform(0.42, 0.52))
            lx = px + w * (0.07 if rng.chance(0.5) else -0.07)
            draw.polygon(
                [
                    (lx - w * 0.04, stage_top + h * 0.05),
                    (lx + w * 0.04, stage_top + h * 0.05),
                    (lx + w * 0.03, stage_top - h * 0.2),
                    (lx - w * 0.03, stage_top - h * 0.2),
                ],
                fill=_jitter(rng, (60, 50, 45)),
            )
            draw.rectangle(
                (lx - w * 0.02, stage_top - h * 0.17, lx + w * 0.02, stage_top - h * 0.12),
                fill=accent,
            )
        else:
            n = rng.int(3, 4)
            table_y = stage_top + h * 0.02
            for i in range(n):
                px = w * (0.2 + 0.6 * i / max(1, n - 1)) + w * rng.uniform(-0.03, 0.03)
                _draw_person(
                    draw, rng, px, table_y + h * 0.03, h * rng.uniform(0.34, 0.4), seated=True
                )
            draw.rectangle(
                (w * 0.1, table_y - h * 0.1, w * 0.9, table_y + h * 0.04),
                fill=_jitter(rng, (235, 235, 230), 10),
            )
            draw.rectangle((w * 0.1, table_y - h * 0.1, w * 0.9, table_y - h * 0.085), fill=accent)
        base = base.filter(ImageFilter.GaussianBlur(max(0.5, w / 1600)))
        draw = ImageDraw.Draw(base)
        # Audience from behind, in the foreground, bigger and partly cut off.
        for _ in range(rng.int(4, 9)):
            _draw_person(
                draw,
                rng,
                w * rng.uniform(-0.05, 1.05),
                h * rng.uniform(1.25, 1.6),
                h * rng.uniform(0.75, 1.0),
                from_behind=True,
            )
    elif kind == "workshop":
        for row in range(2):
            ty = horizon + h * (0.08 + 0.2 * row)
            scale = 0.7 + 0.4 * row
            for _ in range(rng.int(2, 3)):
                px = w * rng.uniform(0.1, 0.9)
                _draw_person(draw, rng, px, ty + h * 0.02, h * 0.36 * scale, seated=True)
            draw.polygon(
                [
                    (w * 0.05, ty),
                    (w * 0.95, ty),
                    (w * 1.0, ty + h * 0.07 * scale),
                    (0, ty + h * 0.07 * scale),
                ],
                fill=_jitter(rng, (200, 190, 170)),
            )
            for _ in range(rng.int(2, 4)):
                lx = w * rng.uniform(0.1, 0.85)
                draw.rectangle(
                    (lx, ty - h * 0.06 * scale, lx + w * 0.07 * scale, ty), fill=(40, 42, 48)
                )
                draw.rectangle(
                    (
                        lx + w * 0.004,
                        ty - h * 0.055 * scale,
                        lx + w * 0.066 * scale,
                        ty - h * 0.006,
                    ),
                    fill=_jitter(rng, (170, 200, 230)),
                )
    else:
        # networking / terrace: groups of standing people at several depths, far ones first.
        people = [(rng.uniform(0.0, 1.0), rng.uniform(-0.05, 1.05)) for _ in range(rng.int(5, 10))]
        people.sort()
        for depth, px in people:
            scale = 0.35 + depth * 0.75
            feet = horizon + (h - horizon) * (0.1 + depth * 0.95)
            _draw_person(draw, rng, w * px, feet, h * scale)
            if rng.chance(0.4):
                gx, gy = w * px + h * scale * 0.13, feet - h * scale * 0.55
                draw.rectangle(
                    (gx, gy, gx + h * scale * 0.03, gy + h * scale * 0.07), fill=(230, 210, 150)
                )
        if rng.chance(0.5):
            # Shallow depth of field: soften everything except one close subject.
            base = base.filter(ImageFilter.GaussianBlur(max(1.0, w / 500)))
            draw = ImageDraw.Draw(base)
            _draw_person(draw, rng, w * rng.uniform(0.3, 0.7), h * 1.35, h * 1.15)

    # Surface texture everywhere (fabric, carpet, plaster), then lens softness and light.
    texture = _value_noise(
        size, (seed, "texture"), coarsest=max(8, w // 64), finest=2, persistence=0.8
    )
    texture = texture.point(lambda v: 128 + (v - 128) * 2 // 5)
    base = ImageChops.soft_light(base, Image.merge("RGB", (texture, texture, texture)))
    base = base.filter(ImageFilter.GaussianBlur(0.6))
    if kind != "terrace":
        base = _spotlights(base, rng, rng.int(1, 3), rng.uniform(0.25, 0.5))
    return _vignette(base, rng.uniform(0.2, 0.5))


# --------------------------------------------------------------------------------------------
# EXIF (a minimal TIFF writer) and XMP
# --------------------------------------------------------------------------------------------

_BYTE, _ASCII, _SHORT, _LONG, _RATIONAL, _UNDEFINED, _SRATIONAL = 1, 2, 3, 4, 5, 7, 10
_TYPE_SIZE = {_BYTE: 1, _ASCII: 1, _SHORT: 2, _LONG: 4, _RATIONAL: 8, _UNDEFINED: 1, _SRATIONAL: 8}

_Entry = tuple[int, int, int, bytes]
"""(tag, type, count, little-endian value bytes)."""


def _ascii(tag: int, text: str) -> _Entry:
    data = text.encode("utf-8") + b"\x00"
    return (tag, _ASCII, len(data), data)


def _short(tag: int, *values: int) -> _Entry:
    return (tag, _SHORT, len(values), struct.pack(f"<{len(values)}H", *values))


def _long(tag: int, *values: int) -> _Entry:
    return (tag, _LONG, len(values), struct.pack(f"<{len(values)}I", *values))


def _rational(tag: int, *values: tuple[int, int]) -> _Entry:
    flat = [v for pair in values for v in pair]
    return (tag, _RATIONAL, len(values), struct.pack(f"<{len(flat)}I", *flat))


def _srational(tag: int, *values: tuple[int, int]) -> _Entry:
    flat = [v for pair in values for v in pair]
    return (tag, _SRATIONAL, len(values), struct.pack(f"<{len(flat)}i", *flat))


def _byte(tag: int, data: bytes) -> _Entry:
    return (tag, _BYTE, len(data), data)


def _undefined(tag: int, data: bytes) -> _Entry:
    return (tag, _UNDEFINED, len(data), data)


def _ifd_size(entries: list[_Entry]) -> int:
    extra = sum(len(d) + (len(d) & 1) for _, _, _, d in entries if len(d) > 4)
    return 2 + 12 * len(entries) + 4 + extra


def _pack_ifd(entries: list[_Entry], offset: int, next_ifd: int) -> bytes:
    """One IFD placed at ``offset`` (from the TIFF header), its out-of-line data after it."""
    entries = sorted(entries)
    data_at = offset + 2 + 12 * len(entries) + 4
    head = [struct.pack("<H", len(entries))]
    tail: list[bytes] = []
    for tag, typ, count, data in entries:
        if len(data) <= 4:
            head.append(struct.pack("<HHI", tag, typ, count) + data.ljust(4, b"\x00"))
        else:
            head.append(struct.pack("<HHII", tag, typ, count, data_at))
            padded = data + b"\x00" * (len(data) & 1)
            tail.append(padded)
            data_at += len(padded)
    head.append(struct.pack("<I", next_ifd))
    return b"".join(head + tail)


def _build_exif(
    ifd0: list[_Entry], exif: list[_Entry], gps: list[_Entry] | None, thumbnail: bytes | None
) -> bytes:
    """A complete ``Exif\\0\\0`` APP1 payload: IFD0 → Exif IFD → GPS IFD → IFD1 + thumbnail.

    Pointer entries have fixed size, so the layout is computed first and the pointers are
    filled in afterwards.
    """
    ifd0 = [*ifd0, _long(0x8769, 0)]
    if gps is not None:
        ifd0.append(_long(0x8825, 0))
    ifd1: list[_Entry] = []
    if thumbnail is not None:
        ifd1 = [
            _short(0x0103, 6),
            _rational(0x011A, (72, 1)),
            _rational(0x011B, (72, 1)),
            _short(0x0128, 2),
            _long(0x0201, 0),
            _long(0x0202, len(thumbnail)),
        ]
    off0 = 8
    off_exif = off0 + _ifd_size(ifd0)
    off_gps = off_exif + _ifd_size(exif)
    off1 = off_gps + (_ifd_size(gps) if gps is not None else 0)
    off_thumb = off1 + (_ifd_size(ifd1) if ifd1 else 0)

    def fill(entries: list[_Entry], tag: int, value: int) -> list[_Entry]:
        return [_long(tag, value) if e[0] == tag else e for e in entries]

    ifd0 = fill(ifd0, 0x8769, off_exif)
    if gps is not None:
        ifd0 = fill(ifd0, 0x8825, off_gps)
    parts = [b"II*\x00" + struct.pack("<I", off0)]
    parts.append(_pack_ifd(ifd0, off0, off1 if ifd1 else 0))
    parts.append(_pack_ifd(exif, off_exif, 0))
    if gps is not None:
        parts.append(_pack_ifd(gps, off_gps, 0))
    if ifd1 and thumbnail is not None:
        parts.append(_pack_ifd(fill(ifd1, 0x0201, off_thumb), off1, 0))
        parts.append(thumbnail)
    return b"Exif\x00\x00" + b"".join(parts)


def _to_rational(value: float, denominator: int) -> tuple[int, int]:
    return (round(value * denominator), denominator)


def _dms(value: float) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
    value = abs(value)
    degrees = int(value)
    minutes_f = (value - degrees) * 60
    minutes = int(minutes_f)
    seconds = (minutes_f - minutes) * 60
    return ((degrees, 1), (minutes, 1), (round(seconds * 10000), 10000))


@dataclass(frozen=True)
class _XmpFields:
    caption: str
    title: str | None
    headline: str | None
    keywords: tuple[str, ...]
    hierarchical: tuple[str, ...]
    people: tuple[str, ...]
    alt_text: str | None
    rating: int
    creator: str
    credit: str
    rights: str
    date_created: str


def _xmp_packet(x: _XmpFields) -> bytes:
    """A well-formed XMP packet as Lightroom-like tools write it (UTF-8, with padding)."""

    def alt(name: str, text: str) -> str:
        return (
            f"   <{name}>\n    <rdf:Alt>\n"
            f'     <rdf:li xml:lang="x-default">{escape(text)}</rdf:li>\n'
            f"    </rdf:Alt>\n   </{name}>\n"
        )

    def bag(name: str, items: Sequence[str], kind: str = "Bag") -> str:
        lis = "".join(f"     <rdf:li>{escape(i)}</rdf:li>\n" for i in items)
        return f"   <{name}>\n    <rdf:{kind}>\n{lis}    </rdf:{kind}>\n   </{name}>\n"

    attrs = [
        f'    xmp:Rating="{x.rating}"',
        '    xmp:CreatorTool="Adobe Photoshop Lightroom Classic 13.2 (Windows)"',
        f'    photoshop:DateCreated="{x.date_created}"',
        f'    photoshop:Credit="{escape(x.credit, {chr(34): "&quot;"})}"',
    ]
    if x.headline:
        attrs.append(f'    photoshop:Headline="{escape(x.headline, {chr(34): "&quot;"})}"')
    body = alt("dc:description", x.caption)
    if x.title:
        body += alt("dc:title", x.title)
    body += bag("dc:subject", x.keywords)
    body += bag("lr:hierarchicalSubject", x.hierarchical)
    if x.people:
        body += bag("Iptc4xmpExt:PersonInImage", x.people)
    body += bag("dc:creator", [x.creator], "Seq")
    body += alt("dc:rights", x.rights)
    if x.alt_text:
        body += alt("Iptc4xmpCore:AltTextAccessibility", x.alt_text)
    packet = (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="Adobe XMP Core 7.0-c000">\n'
        ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '  <rdf:Description rdf:about=""\n'
        '    xmlns:xmp="http://ns.adobe.com/xap/1.0/"\n'
        '    xmlns:dc="http://purl.org/dc/elements/1.1/"\n'
        '    xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"\n'
        '    xmlns:lr="http://ns.adobe.com/lightroom/1.0/"\n'
        '    xmlns:Iptc4xmpCore="http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/"\n'
        '    xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"\n'
        + "\n".join(attrs)
        + ">\n"
        + body
        + "  </rdf:Description>\n </rdf:RDF>\n</x:xmpmeta>\n"
        + (" " * 99 + "\n") * 20
        + '<?xpacket end="w"?>'
    )
    return packet.encode("utf-8")


# --------------------------------------------------------------------------------------------
# Planning one photo
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    camera: Camera
    frame: int
    session: _Session
    captured: datetime
    """True local capture time (the camera writes this plus its clock error)."""
    orientation: int
    gps: tuple[float, float, float] | None
    exposure: tuple[int, int]
    f_number: float
    iso: int
    focal: float
    xmp: _XmpFields | None
    scene_seed: tuple[object, ...]


_ORIENTATION_CYCLE = (1, 1, 6, 1, 1, 8, 1, 6, 1, 3)
"""60 % upright, 20 % rotated clockwise (6), 10 % counter-clockwise (8), 10 % upside down."""


def _event_zone(event: EventInfo) -> timezone:
    sign = -1 if event.utc_offset.startswith("-") else 1
    hours, minutes = event.utc_offset[1:].split(":")
    return timezone(sign * timedelta(hours=int(hours), minutes=int(minutes)))


def _caption_for(rng: _Rng, session: _Session, people: Sequence[str], event: EventInfo) -> str:
    if session.kind == "keynote":
        return f"{people[0]} opens the {event.name} with the keynote in the {session.place}."
    if session.kind == "panel":
        names = ", ".join(people[:-1]) + f" and {people[-1]}"
        return f"{names} discuss open data in cities during the afternoon panel."
    if session.kind == "workshop":
        return (
            f"Participants map step-free routes with {people[0]} in the accessible maps workshop."
        )
    if session.kind == "terrace":
        return f"Guests, among them {people[0]}, at the evening reception on the roof terrace."
    return rng.pick(
        (
            f"{people[0]} and {people[1]} talk over coffee in the foyer.",
            f"Attendees meet {people[0]} during the coffee break.",
        )
    )


def _plan(
    index: int,
    seed: int,
    *,
    session: _Session,
    camera: Camera,
    frame: int,
    captured: datetime,
    event: EventInfo,
    with_metadata: bool,
    orientation: int | None = None,
) -> _Plan:
    rng = _Rng("plan", seed, index)
    if orientation is None:
        orientation = _ORIENTATION_CYCLE[index % len(_ORIENTATION_CYCLE)]
    gps = None
    if camera.has_gps and (camera is PHONE or index % 3 != 1):
        gps = (
            event.latitude + rng.uniform(-3e-4, 3e-4),
            event.longitude + rng.uniform(-3e-4, 3e-4),
            event.altitude + rng.uniform(-2, 12),
        )
    dark = session.kind in ("keynote", "panel", "workshop")
    exposure = rng.pick(
        ((1, 60), (1, 100), (1, 125), (1, 160))
        if dark
        else ((1, 250), (1, 400), (1, 640), (1, 1000))
    )
    iso = rng.pick((1600, 3200, 6400) if dark else (100, 200, 400))
    xmp = None
    if with_metadata and camera is not PHONE and index % 5 in (0, 1, 3):
        start = rng.int(0, len(PEOPLE) - 1)
        n = {"keynote": 1, "panel": 3, "networking": 2}.get(session.kind, 1)
        people = tuple(PEOPLE[(start + k) % len(PEOPLE)] for k in range(n))
        caption = _caption_for(rng, session, people, event)
        keywords = (event.name, session.keyword, session.place, "conference", *people)
        hierarchical = (
            session.hierarchical,
            f"Places|{session.place}",
            *(f"People|{p}" for p in people),
        )
        xmp = _XmpFields(
            caption=caption,
            title=session.name if index % 2 == 0 else None,
            headline=f"{session.name} at the {event.name}" if index % 3 == 0 else None,
            keywords=keywords,
            hierarchical=hierarchical,
            people=people if index % 5 != 3 else (),
            alt_text=(
                f"Photo of {', '.join(people)} at the {session.name.lower()}, "
                "people in the foreground seen from behind."
                if index % 2 == 1
                else None
            ),
            rating=1 + rng.int(0, 4),
            creator=event.creator,
            credit=event.credit,
            rights=event.copyright,
            date_created=_iso(captured + timedelta(seconds=camera.clock_error_s), event),
        )
    return _Plan(
        camera=camera,
        frame=frame,
        session=session,
        captured=captured,
        orientation=orientation,
        gps=gps,
        exposure=exposure,
        f_number=rng.pick(camera.f_numbers),
        iso=iso,
        focal=rng.pick(camera.focal_lengths),
        xmp=xmp,
        scene_seed=("scene", seed, index),
    )


def _iso(moment: datetime, event: EventInfo) -> str:
    centis = moment.microsecond // 10_000
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{centis:02d}{event.utc_offset}"


def _exif_for(
    plan: _Plan, stored_size: tuple[int, int], event: EventInfo, thumbnail: bytes | None
) -> bytes:
    cam = plan.camera
    written = plan.captured + timedelta(seconds=cam.clock_error_s)
    stamp = written.strftime("%Y:%m:%d %H:%M:%S")
    subsec = f"{written.microsecond // 10_000:02d}"
    ifd0 = [
        _ascii(0x010F, cam.make),
        _ascii(0x0110, cam.model),
        _short(0x0112, plan.orientation),
        _rational(0x011A, (300, 1)),
        _rational(0x011B, (300, 1)),
        _short(0x0128, 2),
        _ascii(0x0131, cam.software),
        _ascii(0x0132, stamp),
        _short(0x0213, 2),
    ]
    if cam.image_description is not None:
        ifd0.append(_ascii(0x010E, cam.image_description))
    exif = [
        _rational(0x829A, plan.exposure),
        _rational(0x829D, _to_rational(plan.f_number, 100)),
        _short(0x8822, 3),
        _short(0x8827, plan.iso),
        _undefined(0x9000, b"0232"),
        _ascii(0x9003, stamp),
        _ascii(0x9004, stamp),
        _ascii(0x9010, event.utc_offset),
        _ascii(0x9011, event.utc_offset),
        _ascii(0x9012, event.utc_offset),
        _undefined(0x9101, b"\x01\x02\x03\x00"),
        _srational(0x9204, (0, 3)),
        _short(0x9207, 5),
        _short(0x9209, 16),
        _rational(0x920A, _to_rational(plan.focal, 1000)),
        _ascii(0x9290, subsec),
        _ascii(0x9291, subsec),
        _ascii(0x9292, subsec),
        _undefined(0xA000, b"0100"),
        _short(0xA001, 1),
        _long(0xA002, stored_size[0]),
        _long(0xA003, stored_size[1]),
        _short(0xA402, 0),
        _short(0xA403, 0),
        _short(0xA406, 0),
        _ascii(0xA434, cam.lens),
    ]
    if cam.serial is not None:
        exif.append(_ascii(0xA431, cam.serial))
    if cam is PHONE:
        exif.append(_ascii(0xA433, "Apple"))
    gps = None
    if plan.gps is not None:
        lat, lon, alt = plan.gps
        utc = plan.captured.astimezone(UTC)
        gps = [
            _byte(0x0000, b"\x02\x03\x00\x00"),
            _ascii(0x0001, "N" if lat >= 0 else "S"),
            _rational(0x0002, *_dms(lat)),
            _ascii(0x0003, "E" if lon >= 0 else "W"),
            _rational(0x0004, *_dms(lon)),
            _byte(0x0005, b"\x00"),
            _rational(0x0006, _to_rational(alt, 100)),
            _rational(0x0007, (utc.hour, 1), (utc.minute, 1), (utc.second * 100, 100)),
            _ascii(0x0012, "WGS-84"),
            _ascii(0x001D, utc.strftime("%Y:%m:%d")),
        ]
    return _build_exif(ifd0, exif, gps, thumbnail)


# --------------------------------------------------------------------------------------------
# Pixels: from the upright scene to the stored, rotated, noisy full-size image
# --------------------------------------------------------------------------------------------

_TO_STORED = {
    1: None,
    3: Image.Transpose.ROTATE_180,
    6: Image.Transpose.ROTATE_90,
    8: Image.Transpose.ROTATE_270,
}
"""How to turn upright pixels into what the sensor stored, so that applying the EXIF
Orientation (as ``ImageOps.exif_transpose`` does) makes them upright again."""


def _work_size(size: tuple[int, int], max_edge: int) -> tuple[int, int]:
    k = max(1, math.ceil(max(size) / max_edge))
    return (max(8, size[0] // k), max(8, size[1] // k))


def _render_stored(
    plan: _Plan, size: tuple[int, int], *, max_work_edge: int, grain: float
) -> tuple[Image.Image, Image.Image]:
    """The full-size stored image and a small copy of it for the EXIF thumbnail.

    The scene is drawn at a "work" resolution of at most ``max_work_edge`` pixels and
    upscaled, then sensor noise (``grain``: amplitude of the luminance noise in 8-bit levels)
    is added at full resolution. That keeps 24 MP generation to about two seconds while the
    JPEG still carries the entropy of a real high-ISO photo.
    """
    stored_w, stored_h = size
    portrait = plan.orientation in (6, 8)
    upright = (stored_h, stored_w) if portrait else (stored_w, stored_h)
    work = _work_size(upright, max_work_edge)
    scene = _render_scene(plan.session.kind, work, plan.scene_seed)
    transpose = _TO_STORED[plan.orientation]
    if transpose is not None:
        scene = scene.transpose(transpose)
    small = scene.copy()
    if scene.size != size:
        scene = scene.resize(size, Image.Resampling.BICUBIC)
    # Sensor noise: luminance grain at full resolution plus softer chroma noise.
    lum = _noise_image(size, plan.scene_seed, "grain").point(_centred_lut(grain))
    chroma_size = (max(1, size[0] // 2), max(1, size[1] // 2))
    chroma = [
        _noise_image(chroma_size, plan.scene_seed, "chroma", c)
        .point(_centred_lut(grain * 0.6))
        .resize(size, Image.Resampling.BILINEAR)
        for c in range(2)
    ]
    noise = Image.merge(
        "RGB",
        (ImageChops.add(lum, chroma[0], 1.0, -128), lum, ImageChops.add(lum, chroma[1], 1.0, -128)),
    )
    return ImageChops.add(scene, noise, 1.0, -128), small


def _exif_thumbnail(small: Image.Image) -> bytes:
    """A 160×120 JPEG, letterboxed and unrotated, as cameras embed in IFD1."""
    thumb = small.copy()
    thumb.thumbnail((160, 120), Image.Resampling.BILINEAR)
    canvas = Image.new("RGB", (160, 120), (0, 0, 0))
    canvas.paste(thumb, ((160 - thumb.width) // 2, (120 - thumb.height) // 2))
    out = io.BytesIO()
    canvas.save(out, "JPEG", quality=80)
    return out.getvalue()


def _write(
    path: Path,
    plan: _Plan,
    size: tuple[int, int],
    quality: int,
    event: EventInfo,
    *,
    fmt: str = "JPEG",
    max_work_edge: int = 1500,
    grain: float = 10.0,
) -> Path:
    """Render one planned photo and write it with its EXIF (and XMP) in ``fmt``."""
    image, small = _render_stored(plan, size, max_work_edge=max_work_edge, grain=grain)
    xmp = _xmp_packet(plan.xmp) if plan.xmp is not None else None
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "JPEG":
        exif = _exif_for(plan, size, event, _exif_thumbnail(small))
        kwargs: dict[str, object] = {"quality": quality, "exif": exif}
        if xmp is not None:
            kwargs["xmp"] = xmp
        image.save(path, "JPEG", **kwargs)
    elif fmt == "PNG":
        info = PngInfo()
        if xmp is not None:
            info.add_itxt("XML:com.adobe.xmp", xmp.decode("utf-8"), zip=False)
        image.save(
            path, "PNG", exif=_exif_for(plan, size, event, None), pnginfo=info, compress_level=6
        )
    elif fmt == "HEIF":
        import pillow_heif

        heif = pillow_heif.from_pillow(image)
        # x265's default preset takes ~9 s for a 3 MP noisy frame; "ultrafast" ~1.5 s and is
        # just as deterministic.
        heif.save(
            str(path),
            quality=quality,
            exif=_exif_for(plan, size, event, None),
            xmp=xmp,
            enc_params={"preset": "ultrafast"},
        )
    else:  # pragma: no cover - internal misuse
        raise ValueError(f"unsupported format {fmt!r}")
    return path


_BENCHMARK_GRAIN = 10.0
"""Sensor-noise amplitude that puts a 24 MP q92 JPEG at 5–10 MB (like ISO 1600–3200)."""


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def _timeline(
    count: int, seed: int, event: EventInfo, cameras: Sequence[Camera]
) -> list[tuple[_Session, Camera, int, datetime]]:
    """Session, camera, frame number and true capture time for ``count`` photos.

    Photos are spread over the day's sessions in order; within a session they are a few
    seconds apart (bursts of 1–3 s, pauses up to ~40 s), each camera counting its own frames.
    """
    rng = _Rng("timeline", seed)
    zone = _event_zone(event)
    frames = {cam.model: cam.first_frame for cam in cameras}
    out: list[tuple[_Session, Camera, int, datetime]] = []
    current_session = -1
    moment = datetime.fromisoformat(event.date).replace(tzinfo=zone)
    for i in range(count):
        s = i * len(SESSIONS) // max(1, count)
        session = SESSIONS[s]
        if s != current_session:
            current_session = s
            moment = datetime.fromisoformat(f"{event.date}T{session.start}").replace(tzinfo=zone)
        else:
            gap = rng.uniform(1.0, 3.0) if rng.chance(0.4) else rng.uniform(4.0, 40.0)
            moment += timedelta(seconds=round(gap, 2))
        camera = cameras[rng.int(0, len(cameras) - 1)]
        frames[camera.model] += 1
        out.append((session, camera, frames[camera.model], moment))
    return out


def _check_size(size: tuple[int, int]) -> None:
    if size[0] < 16 or size[1] < 16:
        raise ValueError(f"sample photos must be at least 16×16 pixels, not {size}")


def make_sample_photos(
    folder: Path,
    count: int,
    *,
    seed: int = 1,
    size: tuple[int, int] = (2400, 1600),
    quality: int = 90,
    with_metadata: bool = True,
) -> list[Path]:
    """Write ``count`` camera JPEGs of the demo event into ``folder`` and return their paths.

    ``size`` is the stored (sensor) size; portrait frames (Orientation 6/8) are stored
    rotated at that size, as cameras do. With ``with_metadata``, three photos in five carry
    the XMP a photographer's tool writes (caption, keywords, names, rating...); the others
    have camera EXIF only. The same arguments always give byte-identical files.
    """
    _check_size(size)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, (session, camera, frame, moment) in enumerate(
        _timeline(count, seed, DEMO_EVENT, CAMERAS)
    ):
        plan = _plan(
            i,
            seed,
            session=session,
            camera=camera,
            frame=frame,
            captured=moment,
            event=DEMO_EVENT,
            with_metadata=with_metadata,
        )
        name = camera.file_pattern.format(frame % 10_000)
        paths.append(_write(folder / name, plan, size, quality, DEMO_EVENT))
    return paths


def make_demo_event(
    folder: Path, *, seed: int = 1, size: tuple[int, int] = (2400, 1600)
) -> list[Path]:
    """The demo's 24 photos: ``photographer/`` (captioned camera JPEGs and one PNG export)
    and ``staff-phone/`` (a phone's HEIC and JPEG photos, no captions).

    HEIC needs pillow-heif with an HEVC encoder; where that is missing the phone photo is
    written as JPEG instead, so the demo still works.
    """
    _check_size(size)
    photographer = make_sample_photos(folder / "photographer", 17, seed=seed, size=size)
    # One PNG, as an editor would export a retouched frame (EXIF in eXIf, XMP in iTXt).
    session = SESSIONS[1]
    moment = datetime.fromisoformat(f"{DEMO_EVENT.date}T10:33:02.50").replace(
        tzinfo=_event_zone(DEMO_EVENT)
    )
    png_size = (max(16, size[0] // 2), max(16, size[1] // 2))
    plan = _plan(
        20,
        seed,
        session=session,
        camera=CAMERAS[0],
        frame=4999,
        captured=moment,
        event=DEMO_EVENT,
        with_metadata=True,
        orientation=1,
    )
    photographer.append(
        _write(
            folder / "photographer" / "panel-retouched.png",
            plan,
            png_size,
            0,
            DEMO_EVENT,
            fmt="PNG",
            grain=6.0,
        )
    )
    phone_w = max(16, size[0] * 5 // 6)
    phone_size = (phone_w, max(16, phone_w * 3 // 4))
    phone: list[Path] = []
    heif_ok = _heif_encoder_available()
    for i, (session, camera, frame, moment) in enumerate(
        _timeline(6, seed + 1000, DEMO_EVENT, (PHONE,))
    ):
        heic = heif_ok and i % 3 == 0
        plan = _plan(
            100 + i,
            seed,
            session=session,
            camera=camera,
            frame=frame,
            captured=moment,
            event=DEMO_EVENT,
            with_metadata=False,
            orientation=1 if heic else (6, 1, 6)[i // 2],
        )
        name = f"IMG_{frame:04d}." + ("HEIC" if heic else "JPG")
        phone.append(
            _write(
                folder / "staff-phone" / name,
                plan,
                phone_size,
                80 if heic else 88,
                DEMO_EVENT,
                fmt="HEIF" if heic else "JPEG",
                grain=5.0,
            )
        )
    return photographer + phone


def _heif_encoder_available() -> bool:
    try:
        import pillow_heif
    except ImportError:  # pragma: no cover - pillow-heif is a dependency
        return False
    info = pillow_heif.libheif_info()
    return bool(info.get("HEIF"))


def make_benchmark_photo(
    path: Path, seed: int, size: tuple[int, int] = (6000, 4000), quality: int = 92
) -> Path:
    """One photo of the benchmark corpus: by default 24 MP, 5–10 MB at quality 92.

    ``seed`` is the photo's number in the corpus; it decides the camera, capture time
    (about 10 s apart), orientation, GPS and scene, and which photos carry XMP, so a corpus
    made of seeds 0…N-1 looks like one photographer's continuous shoot. The pixels are a
    1500 px scene upscaled plus full-resolution sensor noise (see ``_render_stored``), which
    costs about two seconds per photo (one core) while compressing like a high-ISO photograph
    (7.6–7.9 MB).
    """
    _check_size(size)
    rng = _Rng("benchmark", seed)
    session = SESSIONS[(seed // 20) % len(SESSIONS)]
    camera = CAMERAS[rng.int(0, len(CAMERAS) - 1)]
    moment = datetime.fromisoformat(f"{DEMO_EVENT.date}T{session.start}").replace(
        tzinfo=_event_zone(DEMO_EVENT)
    ) + timedelta(seconds=(seed % 20) * 10 + round(rng.uniform(0, 5), 2))
    plan = _plan(
        seed,
        1,
        session=session,
        camera=camera,
        frame=1000 + seed,
        captured=moment,
        event=DEMO_EVENT,
        with_metadata=True,
    )
    return _write(path, plan, size, quality, DEMO_EVENT, grain=_BENCHMARK_GRAIN)
