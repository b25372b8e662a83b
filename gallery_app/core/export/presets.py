"""Export presets: data files, so an organisation can add its own without code.

Each preset is a TOML file (``resources/presets/*.toml`` ship with the app; a project's own
``PROJECT/presets/*.toml`` add to or replace them). A preset names the *use* whose consent
verdict gates it, the sizes and formats, and which metadata may travel with the files.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from gallery_app.core.consent.model import USES
from gallery_app.core.errors import UserError
from gallery_app.core.export.model import EncoderSettings, RenditionSpec
from gallery_app.core.resources import resources_dir

FORMATS = ("jpeg", "webp", "avif")


@dataclass(frozen=True)
class Preset:
    """One way of exporting, read from a preset file."""

    name: str
    description: str
    use: str
    widths: tuple[int, ...]
    formats: tuple[str, ...]
    encoder: EncoderSettings = field(default_factory=EncoderSettings)
    full_resolution: bool = False
    fit: str = "width"
    site: bool = False
    manifest: bool = False
    keep_people: bool = False
    keep_camera: bool = False
    source: str = ""

    def rendition_spec(self) -> RenditionSpec:
        return RenditionSpec(
            widths=self.widths,
            formats=self.formats,
            encoder=self.encoder,
            full_resolution=self.full_resolution,
            fit=self.fit,
        )

    def with_overrides(
        self, widths: tuple[int, ...] | None, formats: tuple[str, ...] | None
    ) -> Preset:
        """The same preset with ``--widths`` / ``--formats`` from the command line."""
        result = self
        if widths:
            result = replace(
                result, widths=_check_widths(widths, "--widths"), full_resolution=False
            )
        if formats:
            result = replace(result, formats=_check_formats(formats, "--formats"))
        return result

    def fingerprint(self) -> dict[str, Any]:
        """What decides the rendered bytes (for incremental re-export)."""
        return {
            "widths": list(self.widths),
            "formats": list(self.formats),
            "encoder": {f.name: getattr(self.encoder, f.name) for f in fields(self.encoder)},
            "full_resolution": self.full_resolution,
            "fit": self.fit,
            "keep_people": self.keep_people,
            "keep_camera": self.keep_camera,
        }


def _check_widths(widths: tuple[int, ...], where: str) -> tuple[int, ...]:
    if any(not isinstance(w, int) or not 16 <= w <= 20000 for w in widths):
        raise UserError(f"{where}: widths must be whole numbers of pixels between 16 and 20000")
    return tuple(sorted(set(widths), reverse=True))


def _check_fit(fit: str, where: str) -> str:
    if fit not in ("width", "long_edge"):
        raise UserError(f'{where}: fit must be "width" or "long_edge", not {fit!r}')
    return fit


def _check_formats(formats: tuple[str, ...], where: str) -> tuple[str, ...]:
    clean = tuple(dict.fromkeys(f.strip().lower().replace("jpg", "jpeg") for f in formats))
    unknown = [f for f in clean if f not in FORMATS]
    if unknown or not clean:
        raise UserError(f"{where}: formats are {', '.join(FORMATS)}, not {', '.join(unknown)}")
    return clean


def _load(path: Path) -> Preset:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UserError(f"preset {path} cannot be read: {exc}") from None
    where = f"preset {path.name}"
    try:
        encoder_data = dict(data.get("encoder", {}))
        known = {f.name for f in fields(EncoderSettings)}
        unknown = sorted(set(encoder_data) - known)
        if unknown:
            raise UserError(f"{where}: unknown encoder setting {unknown[0]!r}")
        use = str(data["use"])
        if use not in USES:
            raise UserError(f"{where}: use must be one of {', '.join(USES)}")
        full = bool(data.get("full_resolution", False))
        widths = tuple(int(w) for w in data.get("widths", []))
        if not full and not widths:
            raise UserError(f"{where}: give widths, or full_resolution = true")
        return Preset(
            name=str(data.get("name", path.stem)),
            description=str(data.get("description", "")),
            use=use,
            widths=_check_widths(widths, where) if widths else (),
            formats=_check_formats(tuple(data.get("formats", ["jpeg"])), where),
            encoder=EncoderSettings(**encoder_data),
            full_resolution=full,
            fit=_check_fit(str(data.get("fit", "width")), where),
            site=bool(data.get("site", False)),
            manifest=bool(data.get("manifest", False)),
            keep_people=bool(data.get("keep_people", False)),
            keep_camera=bool(data.get("keep_camera", False)),
            source=str(path),
        )
    except KeyError as exc:
        raise UserError(f"{where}: missing setting {exc.args[0]!r}") from None
    except (TypeError, ValueError) as exc:
        raise UserError(f"{where}: {exc}") from None


def preset_dirs(project_root: Path | None) -> list[Path]:
    dirs = [resources_dir() / "presets"]
    if project_root is not None:
        dirs.append(project_root / "presets")
    return dirs


def available_presets(project_root: Path | None = None) -> dict[str, Preset]:
    """Every preset by name; a project's own file wins over a built-in one of the same name."""
    presets: dict[str, Preset] = {}
    for folder in preset_dirs(project_root):
        if folder.is_dir():
            for path in sorted(folder.glob("*.toml")):
                preset = _load(path)
                presets[preset.name] = preset
    return presets


def get_preset(name: str, project_root: Path | None = None) -> Preset:
    presets = available_presets(project_root)
    if name not in presets:
        raise UserError(f"there is no preset {name!r}; presets: {', '.join(sorted(presets))}")
    return presets[name]
