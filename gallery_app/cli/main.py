"""The ``gallery-app`` command: a thin layer of argument parsing over the core's use cases.

Every subcommand opens the project, calls one core function and prints its result, so that
anything the command line can do, the desktop app does through the very same functions.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from gallery_app import __version__
from gallery_app.cli import export_cmds, output, people_cmds
from gallery_app.core.catalog import photos
from gallery_app.core.consent.store import check_use
from gallery_app.core.edits import COLOR_LABELS
from gallery_app.core.errors import Cancelled, UserError
from gallery_app.core.importing import naming
from gallery_app.core.progress import CancelToken
from gallery_app.core.project import ProjectDefaults, create_project, open_project

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_CANCELLED = 130
EXIT_BUG = 70
IMPORT_PHASES = {"importing": "Importing", "thumbnails": "Thumbnails"}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gallery-app",
        description="Gallery Curator: import, caption and consent-check event photos, "
        "then export a web gallery.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("init", help="create a new event project folder")
    p.add_argument("project", type=Path, help="folder to create")
    p.add_argument("--event", required=True, help="event name, e.g. 'Open Data Summit 2026'")
    p.add_argument("--date", help="event date, YYYY-MM-DD")
    p.add_argument("--venue")
    p.add_argument("--creator", help="default photographer / creator")
    p.add_argument("--credit", help="default credit line")
    p.add_argument("--copyright", help="default copyright notice")
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.set_defaults(handler=cmd_init)

    p = sub.add_parser("info", help="show the project's event details and counts")
    p.add_argument("project", type=Path)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_info)

    p = sub.add_parser("import", help="import photos from files or folders")
    p.add_argument("project", type=Path)
    p.add_argument("sources", type=Path, nargs="+", metavar="SOURCE")
    p.add_argument(
        "--reference",
        action="store_true",
        help="leave the files where they are instead of copying them into the project",
    )
    p.add_argument(
        "--rename",
        metavar="TEMPLATE",
        help=f"names for copied files (default {naming.DEFAULT_TEMPLATE!r}); variables: "
        + ", ".join("{" + v + "}" for v in naming.VARIABLES),
    )
    p.add_argument("--workers", type=int, help="worker processes (default: one per core)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_import)

    p = sub.add_parser("photos", help="list the photos in the project")
    p.add_argument("project", type=Path)
    p.add_argument("--camera", help="only photos from cameras matching this text")
    p.add_argument("--min-rating", type=int, choices=range(6), metavar="N")
    p.add_argument("--keyword", help="only photos with this keyword (or one below it)")
    p.add_argument("--person", help="only photos showing this person")
    p.add_argument("--max-rating", type=int, choices=range(6), metavar="N")
    p.add_argument(
        "--flag", choices=("pick", "reject", "none"), help="only picks, rejects or neither"
    )
    p.add_argument(
        "--label", choices=(*COLOR_LABELS, "none"), help="only photos with this colour label"
    )
    for name in ("caption", "alt-text"):
        group = p.add_mutually_exclusive_group()
        dest = "has_" + name.replace("-", "_")
        group.add_argument(f"--with-{name}", dest=dest, action="store_const", const=True)
        group.add_argument(f"--without-{name}", dest=dest, action="store_const", const=False)
    p.add_argument("--from", dest="taken_from", metavar="TIME", help="taken at or after (ISO)")
    p.add_argument("--until", dest="taken_until", metavar="TIME", help="taken at or before (ISO)")
    p.add_argument(
        "--verdict",
        metavar="[USE:]VERDICT",
        help="only photos with this consent verdict, e.g. blocked or print:needs_review",
    )
    p.add_argument("--sort", choices=("time", "filename", "rating"), default="time")
    p.add_argument("--descending", action="store_true")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_photos)

    p = sub.add_parser("show", help="everything known about one photo")
    p.add_argument("project", type=Path)
    p.add_argument("photo_id", type=int, metavar="PHOTO_ID")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_show)

    p = sub.add_parser(
        "write-back",
        help="write captions, keywords, people and ratings into the photo files",
        description="Write the catalog's metadata into the originals (JPEG, PNG, WebP, TIFF) "
        "or XMP sidecars (HEIC/HEIF/AVIF, or --sidecar). Photos whose file already holds "
        "what the catalog says are skipped.",
    )
    p.add_argument("project", type=Path)
    p.add_argument("photo_ids", type=int, nargs="*", metavar="PHOTO_ID", help="default: all")
    p.add_argument(
        "--sidecar", action="store_true", help="write XMP sidecars, leave the originals as they are"
    )
    p.add_argument(
        "--sidecar-naming",
        choices=("name.ext.xmp", "name.xmp"),
        default="name.ext.xmp",
        help="photo.heic.xmp (digiKam, darktable; default) or photo.xmp (Lightroom)",
    )
    p.add_argument("--force", action="store_true", help="write even photos that are up to date")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_write_back)

    people_cmds.add_parsers(sub)
    export_cmds.add_parsers(sub)

    p = sub.add_parser("demo", help="create a demo event project from generated photos")
    p.add_argument("project", type=Path, nargs="?", default=Path("demo-project"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_demo)
    return parser


def cmd_init(args: argparse.Namespace) -> int:
    defaults = ProjectDefaults(
        event_name=args.event,
        event_date=args.date,
        venue=args.venue,
        creator=args.creator,
        credit=args.credit,
        copyright=args.copyright,
    )
    with create_project(args.project, defaults) as project:
        info = project.info()
    if args.json:
        output.print_json(info)
    else:
        print(f"Created event project {info['path']} for {info['event_name']!r}.")
        print(f"Next: gallery-app import {args.project} FOLDER_OF_PHOTOS")
    return EXIT_OK


def cmd_info(args: argparse.Namespace) -> int:
    with open_project(args.project, write=False) as project:
        info = project.info()
    if args.json:
        output.print_json(info)
    else:
        output.print_fields(info)
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    from gallery_app.core.importing.importer import import_sources

    cancel = CancelToken()
    bar = output.TerminalProgress(not args.json, IMPORT_PHASES)
    with open_project(args.project, write=True) as project:
        try:
            summary = import_sources(
                project,
                list(args.sources),
                reference=args.reference,
                rename_template=args.rename,
                progress=bar,
                cancel=cancel,
                workers=args.workers,
            )
        finally:
            bar.close()
    result = summary.to_dict()
    if args.json:
        output.print_json(result)
    else:
        print(
            f"Imported {result['imported']} photos in {result['seconds']:.1f} s "
            f"({result['duplicates']} duplicates, {result['skipped']} other files skipped, "
            f"{len(result['failed'])} failed)."
        )
        for failure in result["failed"]:
            print(f"  failed: {failure['path']}: {failure['error']}")
        for warning in result["warnings"]:
            print(f"  note:   {warning['path']}: {warning['warning']}")
    return EXIT_CANCELLED if summary.cancelled else EXIT_OK


def cmd_photos(args: argparse.Namespace) -> int:
    use, _, verdict = (args.verdict or "").rpartition(":")
    query = photos.PhotoQuery(
        camera=args.camera,
        min_rating=args.min_rating,
        max_rating=args.max_rating,
        flag={"pick": 1, "reject": -1, "none": 0}.get(args.flag or ""),
        color_label=None if args.label is None else "" if args.label == "none" else args.label,
        keyword=args.keyword,
        person=args.person,
        has_caption=args.has_caption,
        has_alt_text=args.has_alt_text,
        taken_from=args.taken_from,
        taken_until=args.taken_until,
        consent_use=check_use(use) if use else None,
        verdict=verdict.replace("-", "_") or None,
        sort=args.sort,
        descending=args.descending,
    )
    with open_project(args.project, write=False) as project:
        rows = photos.list_photos(project.conn, query)
    if args.json:
        output.print_json(rows)
    else:
        output.print_table(
            ("id", "file", "captured", "camera", "size", "★", "caption"),
            (
                (
                    r["id"],
                    r["filename"],
                    (r["captured_at"] or "")[:19].replace("T", " "),
                    r["camera"],
                    f"{r['width']}×{r['height']}",
                    r["rating"] or "",
                    r["caption"] or r["headline"] or r["title"],
                )
                for r in rows
            ),
        )
        print(f"{len(rows)} photos")
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    from gallery_app.core.writeback import write_state

    with open_project(args.project, write=False) as project:
        record = photos.get_photo(project.conn, args.photo_id)
        record["absolute_path"] = str(project.resolve(record["path"]))
        record["write_state"] = write_state(project.conn, args.photo_id).value
    if args.json:
        output.print_json(record)
    else:
        output.print_fields(record)
    return EXIT_OK


def cmd_write_back(args: argparse.Namespace) -> int:
    from gallery_app.core.writeback import write_back

    bar = output.TerminalProgress(not args.json, {"writing": "Writing"})
    with open_project(args.project, write=True) as project:
        try:
            summary = write_back(
                project,
                list(args.photo_ids) or None,
                sidecar=args.sidecar,
                sidecar_naming=args.sidecar_naming,
                force=args.force,
                progress=bar,
            )
        finally:
            bar.close()
    if args.json:
        output.print_json(summary.to_dict())
    else:
        print(summary.message)
        for item in summary.written:
            where = "sidecar" if item["target"] == "sidecar" else "written"
            print(f"  {where}: {item['path']}")
        for failure in summary.failed:
            print(f"  failed: {failure['path']}: {failure['error']}")
    if summary.failed:
        # Scripts that only watch stderr (cron mail, CI logs) must see that something failed.
        count = len(summary.failed)
        print(
            f"gallery-app: write-back failed for {count} photo{'s' if count != 1 else ''} "
            f"(ids {', '.join(str(f['id']) for f in summary.failed)})",
            file=sys.stderr,
        )
    return EXIT_ERROR if summary.failed else EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    """Make (or reuse) the demo project, which plays the product's story, then list it."""
    from gallery_app.core.demo import build_demo_project

    root: Path = args.project
    story = None
    if not (root / "catalog.sqlite").exists():
        bar = output.TerminalProgress(not args.json, IMPORT_PHASES)
        try:
            story = build_demo_project(
                root,
                progress=bar,
                on_step=None if args.json else lambda line: print(line, file=sys.stderr),
            )
        finally:
            bar.close()
    # Parsed, not built by hand, so that every filter of `photos` gets its default.
    status = cmd_photos(
        build_parser().parse_args(["photos", str(root), *(["--json"] if args.json else [])])
    )
    if story is not None and not args.json:
        _print_demo_story(root, story)
    return status


def _print_demo_story(root: Path, story: dict[str, Any]) -> None:
    registration = story["registration"]
    web = story["web"]
    print()
    print(
        f"Registration export {root / 'registrations.csv'}: {registration['added']} people, "
        f"{registration['consent_records']} consent answers."
    )
    for problem in registration["problems"]:
        print(f"  row {problem['row']}: {problem['error']}")
    print(
        f"For web use: {web['cleared']} photos cleared, {web['needs_review']} need review, "
        f"{web['blocked']} blocked (gallery-app consent report {root})."
    )
    print(f"Next: gallery-app export {root} {root.parent / 'demo-gallery'}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return EXIT_OK
    try:
        return handler(args)
    except UserError as exc:
        output.error(str(exc))
        return EXIT_ERROR
    except (KeyboardInterrupt, Cancelled):
        output.error("cancelled; everything finished so far is kept, run the command again")
        return EXIT_CANCELLED
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:
        if os.environ.get("GALLERY_DEBUG"):
            traceback.print_exc()
        output.error(f"internal error ({type(exc).__name__}: {exc}); please report this")
        return EXIT_BUG


if __name__ == "__main__":
    raise SystemExit(main())
