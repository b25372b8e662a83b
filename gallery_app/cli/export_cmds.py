"""The ``export`` and ``presets`` subcommands: thin wrappers over the export use case."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from gallery_app.cli import output
from gallery_app.core.errors import UserError
from gallery_app.core.export.presets import available_presets
from gallery_app.core.progress import CancelToken
from gallery_app.core.project import open_project

EXIT_OK = 0
EXIT_CANCELLED = 130


def add_parsers(sub: Any) -> None:
    p = sub.add_parser(
        "export",
        help="export web-ready images and a gallery; consent decides what may leave",
        description="Blocked photos never leave. Photos that need review leave only with "
        "--override PHOTO_ID --reason TEXT. The report of what was left out is written to "
        "PROJECT/exports/reports/, never into the published folder.",
    )
    p.add_argument("project", type=Path)
    p.add_argument("out_dir", type=Path, metavar="OUT_DIR")
    p.add_argument("--preset", default="website", help="website (default), cms, social, archive")
    p.add_argument(
        "--select",
        metavar="FILTER",
        help="which photos, e.g. 'picked rating>=3 keyword=Sessions' (default: all not rejected)",
    )
    p.add_argument("--widths", metavar="W,W,...", help="override the preset's image widths")
    p.add_argument("--formats", metavar="F,F", help="override the formats: jpeg,webp,avif")
    p.add_argument(
        "--override",
        type=int,
        action="append",
        default=[],
        metavar="PHOTO_ID",
        help="export this needs-review photo anyway (repeat; each needs a --reason)",
    )
    p.add_argument("--reason", action="append", default=[], metavar="TEXT")
    p.add_argument(
        "--albums-by",
        metavar="KEYWORD",
        help="one album per keyword below KEYWORD, e.g. --albums-by Sessions",
    )
    p.add_argument("--zip", action="store_true", help="also write a zip of the large JPEGs")
    p.add_argument("--workers", type=int)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_export)

    p = sub.add_parser("presets", help="list the export presets")
    p.add_argument("project", type=Path, nargs="?")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_presets)


def _ints(text: str | None, what: str) -> tuple[int, ...] | None:
    if not text:
        return None
    try:
        return tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise UserError(f"{what} takes whole numbers separated by commas, e.g. 480,960") from None


def cmd_export(args: argparse.Namespace) -> int:
    from gallery_app.core.export.exporter import export

    if len(args.override) != len(args.reason):
        raise UserError("each --override PHOTO_ID needs its own --reason TEXT")
    formats = tuple(args.formats.split(",")) if args.formats else None
    bar = output.TerminalProgress(not args.json, {"rendering": "Exporting"})
    with open_project(args.project) as project:
        try:
            summary = export(
                project,
                args.out_dir,
                preset_name=args.preset,
                select=args.select,
                widths=_ints(args.widths, "--widths"),
                formats=formats,
                overrides=list(zip(args.override, args.reason, strict=True)),
                album_keyword=args.albums_by,
                make_zip=args.zip,
                progress=bar,
                cancel=CancelToken(),
                workers=args.workers,
            )
        finally:
            bar.close()
    result = summary.to_dict()
    if args.json:
        output.print_json(result)
    else:
        print(
            f"Exported {len(summary.exported)} photos to {summary.out_dir} "
            f"({summary.rendered} rendered, {summary.reused} unchanged, "
            f"{len(summary.removed)} old files removed) in {summary.seconds:.1f} s."
        )
        if summary.excluded:
            print(f"Left out {len(summary.excluded)} photos:")
            labels = {
                "blocked": "blocked",
                "needs_review": "needs review (--override ID --reason T to export it)",
                "rejected": "rejected",
            }
            for item in summary.excluded:
                label = labels.get(item["verdict"], item["verdict"])
                print(f"  {item['id']}: {label}: {'; '.join(item['reasons'])}")
        for failure in summary.failed:
            print(f"  failed: {failure['path']}: {failure['error']}")
        if summary.missing_alt_text:
            print(f"No alt text on {len(summary.missing_alt_text)} exported photos.")
        print(f"Report: {summary.report_html}")
    return EXIT_CANCELLED if summary.cancelled else EXIT_OK


def cmd_presets(args: argparse.Namespace) -> int:
    presets = available_presets(args.project)
    if args.json:
        output.print_json(
            {
                name: {
                    "description": p.description,
                    "use": p.use,
                    "widths": list(p.widths),
                    "formats": list(p.formats),
                    "source": p.source,
                }
                for name, p in presets.items()
            }
        )
    else:
        output.print_table(
            ("preset", "use", "widths", "formats", "description"),
            (
                (
                    name,
                    p.use,
                    ",".join(map(str, p.widths)) or "full",
                    ",".join(p.formats),
                    p.description,
                )
                for name, p in presets.items()
            ),
        )
    return EXIT_OK
