"""The demo project: the product's whole story, on generated photos, ready for a first export.

A demo whose photos nobody registered for shows only "needs review" everywhere, and its first
export publishes nothing. So the demo walks the journey a comms officer walks: it imports the
event's registration export (a CSV generated here, in the Eventbrite style, saved inside the demo
folder so it can be opened and re-imported), imports the photographer's and a staff phone's
photos, tags who is shown where the photographer did not, marks crowd and venue shots as showing
no identifiable people, and records that one attendee later withdrew. Every step goes through
the same core use cases as ``gallery-app people import``, ``edit`` and ``consent withdraw``.

The story is data (:data:`ATTENDEES`, :data:`PHOTOS`), including the verdict each photo is meant
to get for web use, so a test can check that the demo tells the story it claims to.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gallery_app.core import edits
from gallery_app.core.consent import store
from gallery_app.core.consent.model import Verdict
from gallery_app.core.importing.importer import import_sources
from gallery_app.core.people import register
from gallery_app.core.progress import ProgressCallback
from gallery_app.core.project import Project, ProjectDefaults, create_project
from gallery_app.core.samples import DEMO_EVENT, make_demo_event

__all__ = [
    "ATTENDEES",
    "PHOTOS",
    "REGISTRATION_FILE",
    "WITHDRAWN",
    "Attendee",
    "DemoPhoto",
    "build_demo_project",
    "write_registration_csv",
]

REGISTRATION_FILE = "registrations.csv"
"""Where the demo's registration export is written, inside the demo project folder."""


@dataclass(frozen=True)
class Attendee:
    """One row of the demo's registration export; answers are written as a form would."""

    first_name: str
    last_name: str
    email: str
    organisation: str
    ticket: str
    web: str
    social: str
    print: str
    intranet: str
    order: str


# Row 2 of the file is the first attendee. The photographer's XMP names most of them (see
# ``samples.PEOPLE``); Łukasz registered but is in no photo.
ATTENDEES: tuple[Attendee, ...] = (
    Attendee(
        "Dương Thị", "Lan", "lan.duong@example.org", "Saigon Open Data Lab", "Speaker",
        "Yes", "Yes", "Yes", "Yes", "1001871",
    ),
    # Said no to every use: every photo of him is blocked.
    Attendee(
        "Mehmet", "Yılmaz", "mehmet.yilmaz@example.org", "Istanbul Metropolitan Municipality",
        "Speaker", "No", "No", "No", "No", "1001872",
    ),
    # Web only: her photos may go on the website, not on social media or in print.
    Attendee(
        "Chloé", "Dubois", "chloe.dubois@example.org", "Ville de Lyon", "Delegate",
        "Yes", "No", "No", "No", "1001873",
    ),
    Attendee(
        "Ana Lúcia", "Conceição", "ana.conceicao@example.org", "Lisboa Aberta", "Delegate",
        "Yes", "Yes", "Yes", "Yes", "1001874",
    ),
    Attendee(
        "Kwame", "Mensah", "kwame.mensah@example.org", "Accra Civic Tech", "Speaker",
        "Yes", "Yes", "Yes", "Yes", "1001875",
    ),
    # A typo the import cannot read: his web consent stays unknown, and the import says which
    # row to fix. His photos need review until someone records his answer.
    Attendee(
        "José", "Núñez", "jose.nunez@example.org", "Ayuntamiento de Madrid", "Speaker",
        "Yse", "Yes", "Yes", "Yes", "1001876",
    ),
    Attendee(
        "Aoife", "Ní Bhriain", "aoife.nibhriain@example.org", "Open Cities e.V.", "Volunteer",
        "Yes", "Yes", "Yes", "Yes", "1001877",
    ),
    # Agreed at registration, withdrew after the event (see WITHDRAWN).
    Attendee(
        "Priya", "Raghunathan", "priya.r@example.org", "Bengaluru Urban Lab", "Delegate",
        "Yes", "Yes", "Yes", "Yes", "1001878",
    ),
    Attendee(
        "Björn", "Ångström", "bjorn.angstrom@example.org", "Open Cities e.V.", "Staff",
        "Yes", "Yes", "Yes", "Yes", "1001879",
    ),
    Attendee(
        "Łukasz", "Wróbel", "lukasz.wrobel@example.org", "Gazeta Miejska", "Press",
        "Yes", "Yes", "Yes", "Yes", "1001880",
    ),
)  # fmt: skip

WITHDRAWN = ("Priya Raghunathan", "Asked by e-mail to be taken off the event pages")
"""Who withdraws consent after the event, and the reason the data-protection officer noted."""

_HEADER = (
    "Order #",
    "First Name",
    "Last Name",
    "Email",
    "Company",
    "Ticket Type",
    "Photos of me may be used on the event website",
    "Photos of me may be used on social media",
    "Photos of me may be used in print (brochure, annual report)",
    "Photos of me may be used on the intranet",
)


@dataclass(frozen=True)
class DemoPhoto:
    """What the demo does to one generated photo, and the web verdict that should follow.

    ``tag`` adds people the photographer named only in keywords (or not at all); ``crowd``
    marks the photo as showing no identifiable people. ``web`` is the intended verdict and
    ``why`` the story behind it (a test holds the demo to both).
    """

    stem: str
    """The camera's file name without extension (the phone's HEIC may fall back to JPEG)."""
    web: Verdict
    why: str
    tag: tuple[str, ...] = ()
    crowd: bool = False


_C, _R, _B = Verdict.CLEARED, Verdict.NEEDS_REVIEW, Verdict.BLOCKED

PHOTOS: tuple[DemoPhoto, ...] = (
    # The photographer's XMP names who is shown.
    DemoPhoto("P5010002", _C, "Dương Thị Lan agreed to every use"),
    DemoPhoto("IMG_4712", _B, "Mehmet Yılmaz said no"),
    DemoPhoto("P5010004", _B, "Mehmet Yılmaz said no (Chloé and Ana Lúcia agreed)"),
    DemoPhoto("IMG_4714", _R, "José Núñez's web answer is the typo 'Yse'"),
    DemoPhoto("panel-retouched", _R, "José Núñez's web answer is the typo 'Yse'"),
    DemoPhoto("DSC_1207", _B, "Priya Raghunathan withdrew after the event"),
    DemoPhoto("DSC_1208", _C, "Aoife Ní Bhriain agreed to every use"),
    DemoPhoto("IMG_4716", _C, "Kwame Mensah agreed to every use"),
    DemoPhoto("DSC_1211", _C, "Björn Ångström agreed to every use"),
    # The photographer put names in the keywords only: tagged here, as staff would.
    DemoPhoto(
        "DSC_1206",
        _C,
        "tagged: Ana Lúcia and Björn agreed to every use",
        tag=("Ana Lúcia Conceição", "Björn Ångström"),
    ),
    DemoPhoto("DSC_1209", _C, "tagged: Chloé Dubois agreed to web use only", tag=("Chloé Dubois",)),
    # Wide shots of the room, the stage, the foyer and the terrace.
    *(
        DemoPhoto(stem, _C, "marked as showing no identifiable people", crowd=True)
        for stem in (
            "P5010003",
            "DSC_1204",
            "IMG_4715",
            "P5010005",
            "DSC_1210",
            "IMG_8802",
            "IMG_8803",
            "IMG_8804",
            "IMG_8806",
            "IMG_8807",
        )
    ),
    # Left for the review queue: nobody tagged yet.
    DemoPhoto("IMG_4713", _R, "not tagged yet (the keywords name Mehmet Yılmaz)"),
    DemoPhoto("DSC_1205", _R, "not tagged yet"),
    DemoPhoto("IMG_8805", _R, "not tagged yet (staff phone)"),
)


def write_registration_csv(path: Path) -> Path:
    """The demo's registration export, as Eventbrite writes one: UTF-8 with a BOM, CRLF."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(_HEADER)
        for a in ATTENDEES:
            writer.writerow(
                (
                    a.order,
                    a.first_name,
                    a.last_name,
                    a.email,
                    a.organisation,
                    a.ticket,
                    a.web,
                    a.social,
                    a.print,
                    a.intranet,
                )
            )
    return path


def build_demo_project(
    root: Path,
    *,
    size: tuple[int, int] = (2400, 1600),
    progress: ProgressCallback | None = None,
    on_step: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Create the demo project at ``root`` and play the story; returns what happened.

    ``on_step`` hears one line per step (for a terminal); ``progress`` follows the import.
    The result holds the registration import's result (with its problems by row number), the
    import summary, and the verdict counts for web use.
    """
    say = on_step or (lambda _line: None)
    defaults = ProjectDefaults(
        event_name=DEMO_EVENT.name,
        event_date=DEMO_EVENT.date,
        venue=DEMO_EVENT.venue,
        creator=DEMO_EVENT.creator,
        credit=DEMO_EVENT.credit,
        copyright=DEMO_EVENT.copyright,
    )
    with create_project(root, defaults) as project:
        csv_path = write_registration_csv(root / REGISTRATION_FILE)
        say(f"Importing the registration export {csv_path}…")
        registration = register.import_registration(project, csv_path)
        with tempfile.TemporaryDirectory() as tmp:
            say("Generating demo photos…")
            sources = make_demo_event(Path(tmp), size=size)
            say(f"Importing {len(sources)} demo photos…")
            imported = import_sources(project, [Path(tmp)], progress=progress)
        say("Tagging people and marking crowd shots…")
        _tag(project)
        person, reason = WITHDRAWN
        say(f"Recording that {person} withdrew consent…")
        store.withdraw(project, person, reason)
        report = store.report(project.conn, "web")
    return {
        "registration": registration,
        "import": imported.to_dict(),
        "web": {key: len(report[key]) for key in ("cleared", "needs_review", "blocked")},
    }


def photo_ids_by_stem(project: Project) -> dict[str, int]:
    """The demo photos' catalog ids by the camera's file name without extension."""
    return {
        Path(str(row[1])).stem: int(row[0])
        for row in project.conn.execute("SELECT id, original_name FROM photos")
    }


def _tag(project: Project) -> None:
    ids = photo_ids_by_stem(project)
    for photo in PHOTOS:
        if photo.tag:
            edits.apply_edit(project, [ids[photo.stem]], edits.EditRequest(add_people=[*photo.tag]))
    crowd = [ids[p.stem] for p in PHOTOS if p.crowd]
    edits.apply_edit(project, crowd, edits.EditRequest(no_identifiable_people=True))
