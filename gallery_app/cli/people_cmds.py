"""Subcommands for tagging, undo, the people register, consent and the audit log.

Kept apart from :mod:`gallery_app.cli.main` so each file stays readable; like every command they
only parse arguments, call one core use case and print its result.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from gallery_app.cli import output
from gallery_app.core import audit, edits
from gallery_app.core.consent import store
from gallery_app.core.consent.model import ROLES, USES, ConsentStatus
from gallery_app.core.errors import UserError
from gallery_app.core.people import register
from gallery_app.core.project import open_project

EXIT_OK = 0


def add_parsers(sub: Any) -> None:
    """Register the subcommands on the main parser's subparsers object."""
    p = sub.add_parser("edit", help="caption, tag, rate or flag one or more photos")
    p.add_argument("project", type=Path)
    p.add_argument("photo_ids", type=int, nargs="+", metavar="PHOTO_ID")
    for name in ("caption", "title", "headline", "alt-text", "creator", "credit", "copyright"):
        p.add_argument(
            f"--{name}", metavar="TEXT", help=f"set the {name.replace('-', ' ')} ('' clears it)"
        )
    p.add_argument(
        "--caption-template",
        metavar="TEMPLATE",
        help="fill each photo's caption from a template such as '{event}, {date}: {people}'"
        " (variables: {event} {date} {venue} {people} {keywords} {camera})",
    )
    p.add_argument(
        "--add-keyword",
        action="append",
        default=[],
        metavar="K",
        help="add a keyword; 'Sessions|Panel' is hierarchical (repeatable)",
    )
    p.add_argument("--remove-keyword", action="append", default=[], metavar="K")
    p.add_argument(
        "--add-person",
        action="append",
        default=[],
        metavar="NAME",
        help="tag someone shown; a new name joins the register with unknown consent",
    )
    p.add_argument("--remove-person", action="append", default=[], metavar="NAME")
    p.add_argument("--rating", type=int, choices=range(6), metavar="N")
    p.add_argument("--label", choices=(*edits.COLOR_LABELS, "none"), help="colour label")
    flags = p.add_mutually_exclusive_group()
    flags.add_argument("--pick", dest="flag", action="store_const", const=1)
    flags.add_argument("--reject", dest="flag", action="store_const", const=-1)
    flags.add_argument("--unflag", dest="flag", action="store_const", const=0)
    marker = p.add_mutually_exclusive_group()
    marker.add_argument(
        "--no-identifiable-people",
        dest="nip",
        action="store_const",
        const=True,
        help="mark: nobody in the photo can be identified",
    )
    marker.add_argument(
        "--has-people",
        dest="nip",
        action="store_const",
        const=False,
        help="clear the 'no identifiable people' mark",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_edit)

    for name, helptext in (("undo", "undo the last edit"), ("redo", "redo the last undone edit")):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("project", type=Path)
        p.add_argument("--json", action="store_true")
        p.set_defaults(handler=cmd_undo if name == "undo" else cmd_redo)

    people = sub.add_parser("people", help="the register of people and their consent")
    psub = people.add_subparsers(dest="people_command", metavar="ACTION", required=True)
    p = psub.add_parser("import", help="import an event registration CSV")
    p.add_argument("project", type=Path)
    p.add_argument("csv", type=Path)
    p.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="FIELD=COLUMN",
        help="use COLUMN for FIELD (name, first_name, last_name, email, organisation, "
        "role, consent, consent_web, …, minor, guardian, evidence)",
    )
    p.add_argument(
        "--uses",
        help=f"uses a plain photo-consent answer covers (default: all of {', '.join(USES)})",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_people_import)
    p = psub.add_parser("list", help="everyone in the register with today's consent")
    p.add_argument("project", type=Path)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_people_list)
    p = psub.add_parser("add", help="add a person by hand")
    p.add_argument("project", type=Path)
    p.add_argument("name")
    p.add_argument("--email")
    p.add_argument("--organisation")
    p.add_argument("--role", choices=ROLES)
    p.add_argument("--minor", action="store_true", help="under 18: consent needs a guardian")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_people_add)
    p = psub.add_parser(
        "rename", help="correct someone's name; their photos, consent and undo history follow"
    )
    p.add_argument("project", type=Path)
    p.add_argument("person", help="name, e-mail or id")
    p.add_argument("new_name", metavar="NEW_NAME")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_people_rename)
    p = psub.add_parser("export", help="write the register to a CSV (safe to open in Excel)")
    p.add_argument("project", type=Path)
    p.add_argument("csv", type=Path)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_people_export)

    consent = sub.add_parser("consent", help="record consent, withdrawals and overrides; reports")
    csub = consent.add_subparsers(dest="consent_command", metavar="ACTION", required=True)
    p = csub.add_parser("record", help="record a consent answer for one person")
    p.add_argument("project", type=Path)
    p.add_argument("person", help="name, e-mail or id")
    p.add_argument("--status", required=True, choices=[s.value for s in ConsentStatus])
    p.add_argument("--uses", help=f"comma-separated: {','.join(USES)} (default all)")
    p.add_argument("--from", dest="valid_from", metavar="YYYY-MM-DD")
    p.add_argument("--until", dest="valid_until", metavar="YYYY-MM-DD")
    p.add_argument("--evidence", help="form id or where the answer came from")
    p.add_argument("--guardian", help="parent or guardian who gave consent for a minor")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_consent_record)
    p = csub.add_parser("withdraw", help="someone withdrew consent: list what to take down")
    p.add_argument("project", type=Path)
    p.add_argument("person", help="name, e-mail or id")
    p.add_argument("--reason")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_consent_withdraw)
    p = csub.add_parser("report", help="which photos are cleared, need review or are blocked")
    p.add_argument("project", type=Path)
    p.add_argument("--use", default="web", choices=USES)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_consent_report)
    p = csub.add_parser("override", help="clear a needs-review photo for one use, with a reason")
    p.add_argument("project", type=Path)
    p.add_argument("photo_id", type=int, metavar="PHOTO_ID")
    p.add_argument("--use", default="web", choices=USES)
    p.add_argument("--reason", required=True)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_consent_override)

    p = sub.add_parser("audit", help="the append-only log of consent changes, overrides, exports")
    p.add_argument("project", type=Path)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_audit)


def _edit_summary(edit: edits.Edit | None, verb: str) -> dict[str, Any]:
    if edit is None:
        return {"done": False, "description": None, "photos": []}
    return {"done": True, "description": edit.description, "photos": edit.photo_ids, "action": verb}


def cmd_edit(args: argparse.Namespace) -> int:
    request = edits.EditRequest(
        caption=args.caption,
        title=args.title,
        headline=args.headline,
        alt_text=args.alt_text,
        creator=args.creator,
        credit=args.credit,
        copyright=args.copyright,
        rating=args.rating,
        flag=args.flag,
        color_label=("" if args.label == "none" else args.label),
        no_identifiable_people=args.nip,
        add_keywords=args.add_keyword,
        remove_keywords=args.remove_keyword,
        add_people=args.add_person,
        remove_people=args.remove_person,
        templates={"caption": args.caption_template} if args.caption_template else {},
    )
    if request.is_empty():
        raise UserError("nothing to change: give at least one option such as --caption or --rating")
    with open_project(args.project) as project:
        edit = edits.apply_edit(project, args.photo_ids, request)
    result = {
        "changed": len(edit.changes),
        "photos": edit.photo_ids,
        "description": edit.description,
    }
    if args.json:
        output.print_json(result)
    elif edit.changes:
        print(
            f"{edit.description.capitalize()} ({len(edit.changes)} changes). "
            f"Undo: gallery-app undo {args.project}"
        )
    else:
        print("Nothing changed: the photos already were like that.")
    return EXIT_OK


def cmd_undo(args: argparse.Namespace) -> int:
    with open_project(args.project) as project:
        edit = edits.undo(project)
    return _print_history_step(args, edit, "undone")


def cmd_redo(args: argparse.Namespace) -> int:
    with open_project(args.project) as project:
        edit = edits.redo(project)
    return _print_history_step(args, edit, "redone")


def _print_history_step(args: argparse.Namespace, edit: edits.Edit | None, verb: str) -> int:
    if args.json:
        output.print_json(_edit_summary(edit, verb))
    elif edit is None:
        print(f"Nothing to {verb[:-2]}.")
    else:
        print(f"{verb.capitalize()}: {edit.description}.")
    return EXIT_OK


def _parse_map(pairs: list[str]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        field, sep, column = pair.partition("=")
        if not sep or not field.strip() or not column.strip():
            raise UserError(f"--map takes FIELD=COLUMN, not {pair!r}")
        mapping[field.strip()] = column.strip()
    return mapping


def cmd_people_import(args: argparse.Namespace) -> int:
    uses = tuple(u for u in USES if u in store.parse_uses(args.uses))
    with open_project(args.project) as project:
        result = register.import_registration(
            project, args.csv, mapping=_parse_map(args.map), default_uses=uses
        )
    if args.json:
        output.print_json(result)
    else:
        print(
            f"{result['added']} people added, {result['updated']} updated, "
            f"{result['unchanged']} already known; {result['consent_records']} consent records."
        )
        for problem in result["problems"]:
            print(f"  row {problem['row']}: {problem['error']}")
    return EXIT_OK


def cmd_people_list(args: argparse.Namespace) -> int:
    with open_project(args.project, write=False) as project:
        people = register.list_people(project.conn)
    if args.json:
        output.print_json(people)
    else:
        output.print_table(
            ("id", "name", "email", "organisation", "role", *USES, "photos"),
            (
                (
                    p["id"],
                    p["name"],
                    p["email"],
                    p["organisation"],
                    p["role"],
                    *[p["consent"][u] for u in USES],
                    p["photos"],
                )
                for p in people
            ),
        )
    return EXIT_OK


def cmd_people_add(args: argparse.Namespace) -> int:
    with open_project(args.project) as project:
        person = register.add_person(
            project,
            name=args.name,
            email=args.email,
            organisation=args.organisation,
            role=args.role,
            minor=args.minor,
        )
    if args.json:
        output.print_json(person.__dict__)
    else:
        print(f"Added {person.name} (id {person.id}); consent unknown until recorded.")
    return EXIT_OK


def cmd_people_rename(args: argparse.Namespace) -> int:
    with open_project(args.project) as project:
        before = register.find_person(project.conn, args.person)
        person = register.update_person(
            project,
            before.id,
            name=args.new_name,
            email=before.email,
            organisation=before.organisation,
            role=before.role,
            minor=before.minor,
        )
    if args.json:
        output.print_json(person.__dict__)
    else:
        print(f"Renamed {before.name} to {person.name} (id {person.id}).")
    return EXIT_OK


def cmd_people_export(args: argparse.Namespace) -> int:
    with open_project(args.project, write=False) as project:
        count = register.export_people(project.conn, args.csv)
    if args.json:
        output.print_json({"people": count, "path": str(args.csv)})
    else:
        print(f"Wrote {count} people to {args.csv}.")
    return EXIT_OK


def _date(text: str | None, what: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UserError(f"{what} {text!r} is not a date in the form YYYY-MM-DD") from None


def cmd_consent_record(args: argparse.Namespace) -> int:
    record = store.new_record(
        ConsentStatus(args.status),
        store.parse_uses(args.uses),
        valid_from=_date(args.valid_from, "--from"),
        valid_until=_date(args.valid_until, "--until"),
        evidence=args.evidence,
        guardian=args.guardian,
    )
    with open_project(args.project) as project:
        person = store.add_record(project, args.person, record)
    if args.json:
        output.print_json(
            {
                "person": person.id,
                "name": person.name,
                "status": args.status,
                "uses": sorted(record.uses),
            }
        )
    else:
        print(f"Recorded: {person.name} {args.status} for {', '.join(sorted(record.uses))}.")
    return EXIT_OK


def cmd_consent_withdraw(args: argparse.Namespace) -> int:
    with open_project(args.project) as project:
        result = store.withdraw(project, args.person, args.reason)
    if args.json:
        output.print_json(result)
        return EXIT_OK
    person = result["person"]
    print(
        f"Recorded the withdrawal of {person['name']}. "
        f"They appear in {len(result['photos'])} photos"
        + (f": {', '.join(map(str, result['photos']))}." if result["photos"] else ".")
    )
    if not result["exports"]:
        print("No exported file contains them.")
    for export in result["exports"]:
        print(f"Take down from export {export['export']} ({export['out_dir']}):")
        for path in export["files"]:
            print(f"  {path}")
    return EXIT_OK


def cmd_consent_report(args: argparse.Namespace) -> int:
    with open_project(args.project, write=False) as project:
        result = store.report(project.conn, args.use)
    if args.json:
        output.print_json(result)
        return EXIT_OK
    print(
        f"For {args.use} use: {len(result['cleared'])} cleared, "
        f"{len(result['needs_review'])} need review, {len(result['blocked'])} blocked."
    )
    for label, key in (("BLOCKED", "blocked"), ("REVIEW", "needs_review")):
        for item in result[key]:
            print(f"  {label:7} photo {item['id']}: {'; '.join(item['reasons'])}")
    return EXIT_OK


def cmd_consent_override(args: argparse.Namespace) -> int:
    with open_project(args.project) as project:
        decision = store.override(project, args.photo_id, args.use, args.reason)
    if args.json:
        output.print_json(
            {
                "id": args.photo_id,
                "use": args.use,
                "verdict": decision.verdict.value,
                "reasons": list(decision.reasons),
            }
        )
    else:
        print(f"Photo {args.photo_id} is now {decision.verdict.value} for {args.use} use.")
    return EXIT_OK


def cmd_audit(args: argparse.Namespace) -> int:
    with open_project(args.project, write=False) as project:
        log = audit.entries(project.conn)
    if args.json:
        output.print_json(log)
    else:
        output.print_table(
            ("when", "who", "what", "subject", "why"),
            ((e["at"], e["actor"], e["action"], e["subject"], e["reason"]) for e in log),
        )
    return EXIT_OK
