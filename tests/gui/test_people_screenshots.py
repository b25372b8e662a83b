"""Renders the People window's screens and dialogs to PNG for a human to look at.

Written to ``test-output/screenshots/people-*.png`` (gitignored), next to the main window's.
The test checks each file was written, is not blank, and shows the state it claims to (the
window's own widgets are asserted on before each grab); how they look is for the reviewer.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from gallery_app.core.catalog.photos import list_photo_ids
from gallery_app.core.consent import store
from gallery_app.core.consent.model import ConsentStatus
from gallery_app.core.export.exporter import export
from gallery_app.core.people import register
from gallery_app.core.project import Project
from gallery_app.gui.main_window import MainWindow
from gallery_app.gui.people import dialogs
from gallery_app.gui.people.window import PeopleWindow

from .conftest import show_widget
from .test_people import _tag

OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"


def _save(widget: QWidget, name: str) -> Path:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    path = OUTPUT / f"people-{name}.png"
    assert widget.grab().save(str(path))
    image = QImage(str(path))
    assert image.width() > 200 and image.height() > 100
    colours = {image.pixel(x, y) for x in range(0, image.width(), 17) for y in range(0, 100, 7)}
    assert len(colours) > 3, f"{path.name} looks blank"
    return path


@pytest.fixture
def main(gui_project: Project, qtbot: QtBot) -> Iterator[MainWindow]:
    project = gui_project
    ids = list_photo_ids(project.conn)
    register.add_person(
        project, name="Ana Müller", email="ana@example.org", organisation="City Council",
        role="speaker",
    )  # fmt: skip
    register.add_person(
        project, name="Sam Lee", email="sam@example.org", organisation="Open Data Institute",
        role="delegate",
    )  # fmt: skip
    register.add_person(project, name="Kit Lee", minor=True, role="other")
    register.add_person(project, name="Priya Natarajan", organisation="Press Association")
    for who, status, uses, evidence in (
        ("Ana Müller", ConsentStatus.GRANTED, "all", "form F-12"),
        ("Sam Lee", ConsentStatus.GRANTED, "web,internal", "form F-13"),
        ("Sam Lee", ConsentStatus.REFUSED, "social", "e-mail of 2 May"),
        ("Priya Natarajan", ConsentStatus.WITHDRAWN, "all", "phone call"),
    ):
        store.add_record(
            project, who, store.new_record(status, store.parse_uses(uses), evidence=evidence)
        )
    _tag(project, ids[0:3], "Ana Müller")
    _tag(project, [ids[3]], "Sam Lee", "Kit Lee")
    _tag(project, [ids[4]], "Priya Natarajan")
    _tag(project, [ids[5]], "Jo Walk-in")
    win = MainWindow(project)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()


def _thumbnails_loaded(window: PeopleWindow, qtbot: QtBot) -> None:
    assert window.catalog.settle()  # the person's history and photos come from the catalog
    model = window.people_page.panel.photo_model
    loader = window.loader

    def loaded() -> None:
        for row in range(model.rowCount()):
            assert loader.pixmap(model.photo_id_at(row)) is not None

    qtbot.waitUntil(loaded, timeout=10_000)


def test_people_screenshots(main: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    project = main.project
    people = main.people_menu.open(PeopleWindow.PEOPLE_TAB)
    qtbot.waitExposed(people)
    assert main.catalog.settle()  # the register is read on the catalog thread
    ana = register.find_person(project.conn, "Ana Müller")
    people.people_page.select_person(ana.id)
    _thumbnails_loaded(people, qtbot)
    assert people.people_page.panel.name_label.text() == "Ana Müller"
    _save(people, "register")

    sam = register.find_person(project.conn, "Sam Lee")
    people.people_page.select_person(sam.id)
    _thumbnails_loaded(people, qtbot)
    _save(people, "register-refused")

    people.show_tab(PeopleWindow.REVIEW_TAB)
    page = people.review_page
    page.blocked_check.setChecked(True)
    qtbot.waitUntil(lambda: not page.loading and page.model.rowCount() > 0)
    shown = page.current_photo_id()
    qtbot.waitUntil(lambda: shown is not None and people.loader.pixmap(shown) is not None)
    assert page.model.rowCount() > 0
    qtbot.wait(50)  # let the layout follow the summary text
    _save(people, "review-queue")

    person = people.people_page.model.person(
        people.people_page.model.row_of(register.find_person(project.conn, "Kit Lee").id) or 0
    )
    for name, dialog in (
        ("add-person", dialogs.PersonDialog(people)),
        ("record-consent-minor", dialogs.ConsentDialog(person, people)),
        (
            "override",
            dialogs.OverrideDialog(
                2,
                "web",
                [
                    "consent of Jo Walk-in for web use is unknown",
                    "no people are tagged and the photo is not marked as showing no "
                    "identifiable people",
                ],
                people,
            ),
        ),
        ("tag-people", dialogs.TagPeopleDialog(1, ["Ana Müller", "Sam Lee"], people)),
        (
            "import-result",
            dialogs.ImportResultDialog(
                Path("attendees.csv"),
                {
                    "added": 41,
                    "updated": 3,
                    "unchanged": 0,
                    "consent_records": 52,
                    "problems": [
                        {
                            "row": 17,
                            "error": 'photo consent answer "maybe" is neither yes nor '
                            "no; consent left unknown",
                        },
                        {"row": 23, "error": "no name"},
                    ],
                },
                people,
            ),
        ),
    ):
        show_widget(qtbot, dialog)
        _save(dialog, name)
        dialog.close()

    attendees = tmp_path / "attendees.csv"
    attendees.write_text(
        "Order #,First Name,Last Name,Email,Company,Ticket Type,"
        "Do you consent to being photographed at this event?\r\n"
        '4432,Zoë,Müller,zoe@example.org,"Acme, Inc.",Speaker Pass,Yes\r\n'
        "4433,Ann,Lee,ann@example.org,City Council,General Admission,No\r\n"
        "4434,Bob,Okafor,bob@example.org,Open Data Institute,Early Bird,\r\n"
        "4435,Chloé,Ng,chloe@example.org,Volunteers UK,Volunteer,maybe\r\n",
        encoding="utf-8",
    )
    volunteers = tmp_path / "volunteers.csv"
    volunteers.write_text(
        "Volunteer,Contact,Pictures OK?\r\nDee Okafor,dee@example.org,yes\r\n", encoding="utf-8"
    )
    for name, path in (("import-preview", attendees), ("import-choose-columns", volunteers)):
        preview = dialogs.ImportPreviewDialog(path, people)
        assert preview.fatal is None
        qtbot.addWidget(preview)
        preview.show()
        qtbot.waitExposed(preview)
        _save(preview, name)
        preview.close()

    # The withdrawal flow, over a real export of Ana's photos.
    export(project, tmp_path / "site", preset_name="website", workers=1)
    people.show_tab(PeopleWindow.PEOPLE_TAB)
    assert people.people_page.select_person(ana.id)
    captured: list[dialogs.WithdrawalDialog] = []

    def capture(dialog: object) -> bool:
        assert isinstance(dialog, dialogs.WithdrawalDialog)
        captured.append(dialog)
        show_widget(qtbot, dialog)
        _save(dialog, "withdraw-before")
        dialog.reason_edit.setText("e-mail of 3 November to events@")
        dialog.withdraw_button.click()
        assert main.catalog.settle()  # recorded on the catalog thread
        _save(dialog, "withdraw-after")
        return False

    original = dialogs.run_dialog
    dialogs.run_dialog = capture  # type: ignore[assignment]
    try:
        people.withdraw()
        assert main.catalog.settle()  # the dialog opens once the catalog thread answered
    finally:
        dialogs.run_dialog = original  # type: ignore[assignment]
    assert captured and captured[0].takedown_paths()

    people.show_tab(PeopleWindow.AUDIT_TAB)
    assert main.catalog.settle()
    assert people.audit_page.model.rowCount() > 5
    _save(people, "audit-log")
