"""Reading event registration exports into people and photo consent; writing people CSVs.

Comms staff do not make these files: Eventbrite, Ticket Tailor, Google Forms, Microsoft Forms or
a colleague's spreadsheet do, each with its own headers, encoding, delimiter and words for "yes".
This module turns any of them into plain :class:`RegistrationRow` values and a list of
:class:`RowProblem` s that name the spreadsheet row and say what was wrong, so a person can fix
the file or the register. It reads and writes files only; storing people is the caller's job.

Principles, because consent is at stake:

* **Never guess consent.** An answer is read as granted or refused only when it is an
  unmistakable yes or no (in English or a common European language, or a form's sentence that
  starts with one and adds no condition). Anything else leaves consent *unknown* and is reported.
  Unknown is safe: the verdict then asks a person to review the photo.
* **Opt-out questions are read as opt-outs.** "Tick if you do NOT want to be photographed: yes"
  is a refusal; the column is recognised from its header and listed in
  :attr:`ParsedRegistration.notes` so the person importing can check it.
* **Nothing is evaluated.** Formula-looking cells are text. Files we write neutralise them
  (OWASP "CSV injection") so opening an export in Excel runs nothing.
* **Row numbers are the ones a spreadsheet shows**: the header is row 1 and a quoted value that
  spans several lines is still one row, so "row 12" is where the user will look.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import functools
import io
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import Path

from gallery_app.core.consent.model import USES, ConsentStatus
from gallery_app.core.errors import UserError

__all__ = [
    "MAPPABLE_FIELDS",
    "MAX_FILE_BYTES",
    "ParsedRegistration",
    "RegistrationRow",
    "RowProblem",
    "neutralise_formula",
    "parse_registration_csv",
    "registration_columns",
    "write_people_csv",
]

MAX_FILE_BYTES = 20 * 1024 * 1024
"""Registration exports are kilobytes to a few megabytes; anything past this is the wrong file."""

MAPPABLE_FIELDS: tuple[str, ...] = (
    "name",
    "first_name",
    "last_name",
    "email",
    "organisation",
    "role",
    "consent",
    *(f"consent_{use}" for use in USES),
    "minor",
    "guardian",
    "evidence",
)
"""The FIELD names ``--map FIELD=COLUMN`` accepts."""

_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_SAMPLE_RECORDS = 60
_HEADER_SEARCH_RECORDS = 10
_DELIMITERS = (",", ";", "\t", "|")


# --------------------------------------------------------------------------------------------
# Public values


@dataclass(frozen=True)
class RegistrationRow:
    """One person as the registration file describes them, ready to become a register entry.

    Attributes:
        row_number: the row a spreadsheet shows (header is row 1, first data row is row 2).
        name: full name, whitespace-normalised and NFC; built from first + last name if needed.
        email: lower-cased and trimmed; ``None`` if blank. Odd-looking addresses are kept as
            written (and reported) because dropping them would lose the way to reach the person.
        organisation: as written, whitespace-normalised.
        role: one of :data:`ROLES`; ``"other"`` for a value we do not recognise, ``None``
            if blank.
        minor: ``True``/``False`` from an under-18, age or date-of-birth column; ``None`` if
            unknown.
        guardian: the parent or guardian named in the file, if any.
        consent: for every use in :data:`USES`: granted, refused, or ``None`` (unknown).
        evidence: where this came from, e.g. ``"registration.csv row 12, Order # 4432"``.
    """

    row_number: int
    name: str
    email: str | None
    organisation: str | None
    role: str | None
    minor: bool | None
    guardian: str | None
    consent: dict[str, ConsentStatus | None]
    evidence: str


@dataclass(frozen=True)
class RowProblem:
    """Something in one row we could not interpret; ``message`` is one line for the user."""

    row_number: int
    message: str


@dataclass
class ParsedRegistration:
    """Everything read from one registration export.

    Attributes:
        rows: the people, first occurrence of each, in file order.
        problems: rows skipped, merged, or partly unreadable, in row order.
        columns: field -> header used (several consent columns are joined with " + "), so the
            CLI can show what was detected and the user can correct it with ``--map``.
        encoding: the text encoding the file was read with (``utf-8``, ``utf-8-sig``,
            ``cp1252``, ``latin-1``, ``utf-16`` or ``utf-32``).
        delimiter: the field separator used.
        unused_columns: headers that fed no field (the CLI may list them as "ignored").
        notes: remarks on how columns were read, e.g. that an opt-out column inverts yes/no.
        header_row: the row the header was found on (1 unless title rows come first).
    """

    rows: list[RegistrationRow]
    problems: list[RowProblem]
    columns: dict[str, str]
    encoding: str
    delimiter: str
    unused_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    header_row: int = 1


# --------------------------------------------------------------------------------------------
# Formula neutralisation and writing


def _needs_neutralising(cell: str) -> bool:
    if not cell:
        return False
    if cell[0] in _FORMULA_TRIGGERS:
        return True
    stripped = cell.lstrip(" ")
    if stripped and stripped[0] in _FORMULA_TRIGGERS:
        # Some spreadsheet programs trim leading spaces before deciding a cell is a formula.
        return True
    # "'=x" must survive a write/read round trip: escape the escape.
    return cell[0] == "'" and _needs_neutralising(cell[1:])


def neutralise_formula(cell: str) -> str:
    """Return ``cell`` made safe to open in a spreadsheet program.

    Excel, LibreOffice and Google Sheets run a cell that starts with ``=``, ``+``, ``-`` or
    ``@`` (or a tab or carriage return before one) as a formula, which can fetch URLs or run
    commands ("CSV injection", OWASP). A leading apostrophe makes them show it as text instead.
    The same rule applies after leading spaces, and to cells that already start with an
    apostrophe followed by such a cell, so :func:`parse_registration_csv` can undo it exactly.
    """
    return "'" + cell if _needs_neutralising(cell) else cell


def _unneutralise(cell: str) -> str:
    """Undo :func:`neutralise_formula`, so re-importing our own export keeps names exact."""
    if cell.startswith("'") and _needs_neutralising(cell[1:]):
        return cell[1:]
    return cell


def write_people_csv(path: Path, header: list[str], rows: Sequence[Sequence[str | None]]) -> None:
    """Write a people CSV that Excel opens correctly and safely; replace ``path`` atomically.

    UTF-8 with a byte-order mark, because without one Excel on Windows reads the file as
    cp1252 and mangles every non-ASCII name; commas and CRLF, because that is what Excel and
    every other tool expect of a ``.csv``; every cell through :func:`neutralise_formula`. The
    file is written beside ``path`` and renamed over it, so a crash never leaves half a file.
    ``None`` cells are written empty.
    """
    path = Path(path)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\r\n")
            writer.writerow([neutralise_formula(cell) for cell in header])
            for row in rows:
                writer.writerow([neutralise_formula("" if cell is None else cell) for cell in row])
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise


# --------------------------------------------------------------------------------------------
# Text normalisation


def _clean(value: str) -> str:
    """NFC, whitespace runs (including newlines and no-break spaces) collapsed, trimmed."""
    return " ".join(unicodedata.normalize("NFC", value).split())


def _words(text: str) -> str:
    """Normalise a header or answer for matching: case, accents kept, punctuation -> spaces.

    ``#`` becomes "number" (Eventbrite's "Order #"), apostrophes vanish ("don't" -> "dont",
    "attendee's" -> "attendees"), tick marks survive so "✓" can mean yes.
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    text = text.replace("#", " number ").replace("№", " number ").replace("&", " and ")
    text = re.sub(r"['’‘`´]", "", text)
    text = re.sub(r"[^\w✓✔✅☑]+|_", " ", text)
    return " ".join(text.split())


def _without_brackets(text: str) -> str:
    return re.sub(r"\([^)]*\)|\[[^\]]*\]|\{[^}]*\}", " ", text)


def _has_phrase(words: str, phrase: str) -> bool:
    return f" {phrase} " in f" {words} "


def _short(value: str, limit: int = 60) -> str:
    """A value fit to quote in a one-line message."""
    flat = " ".join(value.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


# --------------------------------------------------------------------------------------------
# Answer vocabulary


def _word_set(words: str) -> frozenset[str]:
    """A vocabulary written as one space-separated string (easier to read and extend)."""
    return frozenset(words.split())


class _Answer(Enum):
    """What an answer says, before the question's polarity is applied."""

    AFFIRM = "affirm"  # yes to the question as asked ("yes", "x", "I agree")
    DENY = "deny"  # no to the question as asked
    GRANT = "grant"  # consent whatever the question ("I consent", "opt in")
    REFUSE = "refuse"  # refusal whatever the question ("opted out", "I do not consent")


# fmt: off
_ANSWER_PHRASES: dict[_Answer, tuple[str, ...]] = {
    _Answer.AFFIRM: (
        "yes", "y", "yeah", "yep", "true", "1", "agree", "agreed", "i agree", "i do agree",
        "accept", "accepted", "i accept", "ok", "okay", "x", "✓", "✔", "✅", "☑", "happy",
        "i am happy", "im happy", "yes please", "allowed",
        "ja", "oui", "si", "sí", "sì", "sim", "tak", "daccord", "einverstanden", "akkoord",
        "de acuerdo", "daccordo",
    ),
    _Answer.DENY: (
        "no", "n", "nope", "false", "0", "disagree", "i disagree", "do not agree", "dont agree",
        "i do not agree", "i dont agree", "not agreed", "decline", "declined", "i decline",
        "not happy", "i am not happy", "im not happy", "no thanks", "no thank you", "none",
        "none of the above", "not allowed",
        "nein", "non", "nee", "nej", "nei", "nie", "não", "nao",
    ),
    _Answer.GRANT: (
        "consent", "consented", "i consent", "i give consent", "i give my consent",
        "consent given", "consent granted", "granted", "given", "opt in", "opted in", "optin",
        "i opt in", "i give permission", "i give my permission", "permission granted",
        "permission given",
    ),
    _Answer.REFUSE: (
        "refuse", "refused", "i refuse", "do not consent", "dont consent", "i do not consent",
        "i dont consent", "no consent", "consent refused", "not consented", "consent not given",
        "opt out", "opted out", "optout", "i opt out", "i wish to opt out", "do not photograph",
        "dont photograph", "please do not", "please dont", "i do not want", "i dont want",
        "i do not wish", "i dont wish", "i would prefer not", "i would rather not",
        "permission refused", "no permission", "withdrawn", "consent withdrawn",
    ),
}
# fmt: on
_PHRASE_KIND: dict[str, _Answer] = {
    phrase: kind for kind, phrases in _ANSWER_PHRASES.items() for phrase in phrases
}
_PHRASES_LONGEST_FIRST = sorted(_PHRASE_KIND, key=len, reverse=True)

# After a leading yes/no, words that add a condition ("Yes, but only internally")...
_QUALIFIER_WORDS = _word_set(
    "except but only unless however although apart sauf mais seulement aber nur ausser außer "
    "solo pero excepto tranne"
)
# ...and words that contradict a yes ("Yes, I don't mind... not online").
_NEGATION_WORDS = _word_set("not no dont never without nicht kein keine pas ne jamais nunca")


@dataclass(frozen=True)
class _Reading:
    """An answer's meaning: its kind, the phrase that decided it, and the words after it."""

    kind: _Answer | None
    phrase: str
    rest: frozenset[str]

    def doubtful(self, positive: bool) -> bool:
        """Does the rest of the sentence cast doubt on the leading phrase?

        A condition always does. A negation does only for an answer that ends up positive:
        "No, please do not photograph me" is a consistent no; "Yes, not online" is not a yes.
        """
        if self.rest & _QUALIFIER_WORDS:
            return True
        return positive and bool(self.rest & _NEGATION_WORDS)


@functools.lru_cache(maxsize=4096)  # a file has a handful of distinct answers
def _read_answer(value: str) -> _Reading:
    """Classify a yes/no answer by its whole text or, for a sentence, its leading phrase."""
    if value.lstrip()[:1] in ("=", "+", "@"):
        return _Reading(None, "", frozenset())  # a formula is not an answer, whatever it says
    words = _words(value)
    if words in _PHRASE_KIND:
        return _Reading(_PHRASE_KIND[words], words, frozenset())
    for phrase in _PHRASES_LONGEST_FIRST:
        # Single characters ("y", "x", "1") only count as the whole answer.
        if len(phrase) > 1 and words.startswith(phrase + " "):
            rest = frozenset(words[len(phrase) + 1 :].split())
            return _Reading(_PHRASE_KIND[phrase], phrase, rest)
    return _Reading(None, "", frozenset())


def _yes_no(value: str) -> bool | None:
    """A plain yes/no (for under-18 flags): ``None`` unless unmistakable."""
    reading = _read_answer(value)
    if reading.kind is _Answer.AFFIRM and not reading.doubtful(positive=True):
        return True
    if reading.kind is _Answer.DENY and not reading.doubtful(positive=False):
        return False
    return None


# --------------------------------------------------------------------------------------------
# Header vocabulary

# fmt: off
_USE_WORDS: dict[str, tuple[str, ...]] = {
    "web": ("web", "website", "websites", "online", "internet", "webpage", "webpages", "site"),
    "social": (
        "social", "social media", "socials", "facebook", "instagram", "linkedin", "twitter",
        "tiktok", "youtube",
    ),
    "print": (
        "print", "printed", "prints", "publication", "publications", "brochure", "brochures",
        "magazine", "magazines", "poster", "posters", "leaflet", "leaflets", "flyer", "flyers",
        "annual report",
    ),
    "internal": (
        "internal", "intranet", "staff newsletter", "internal communications", "internal comms",
    ),
}
# fmt: on

_PHOTO_WORDS = _word_set(
    "photo photos photograph photographs photographed photographer photographers photography "
    "photographing picture pictures pic pics image images imagery media film filmed filming "
    "video videos videoed camera cameras likeness foto fotos fotografie fotografien fotografiert "
    "photographie photographies photographié fotografia fotografía fotografias bild bilder "
    "aufnahmen"
)
_CONSENT_WORDS = _word_set(
    "consent consents consenting consented permission permissions agree agreed agreement agrees "
    "release releases opt optin optout allow allowed permit ok okay happy willing authorise "
    "authorize authorisation authorization einwilligung einverstanden zustimmung consentement "
    "autorisation consentimiento consenso autorizzazione toestemming"
)
_USE_VERBS = _word_set("may can use used using publish published")
# fmt: off
_NEGATIVE_PHRASES = (
    "opt out", "optout", "opted out", "do not", "dont", "don t", "not", "no photo", "no photos",
    "no photography", "no pictures", "refuse", "refusal", "object", "objection", "withdraw",
    "rather not", "prefer not", "never", "nicht", "kein", "keine", "pas",
)
# fmt: on

_FILLER = _word_set(
    "please enter provide type state give write what whats is are your you the a an of here "
    "required optional mandatory"
)
# fmt: off
_ATTENDEE_QUALIFIERS = (
    "ticket holders", "ticket holder", "ticketholder", "holder", "attendees", "attendee",
    "participants", "participant", "guests", "guest", "delegates", "delegate", "registrants",
    "registrant", "contact", "primary", "main", "personal",
)
# fmt: on
# fmt: off
_BUYER_QUALIFIERS = (
    "buyers", "buyer", "purchasers", "purchaser", "booker", "billing", "order", "payer",
    "customer",
)
# fmt: on

# fmt: off
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": (
        "full name", "fullname", "name", "full names", "names", "first and last name",
        "first name and last name", "name and surname", "first name and surname",
        "forename and surname", "given name and surname", "firstname lastname",
        "first name last name", "attendee", "attendee name", "participant", "delegate", "guest",
        "person", "badge name", "name on badge", "display name", "nom complet", "nombre completo",
        "vollständiger name", "nome completo",
    ),
    "first_name": (
        "first name", "firstname", "given name", "given names", "forename", "forenames",
        "first names", "first", "christian name", "vorname", "prénom", "prenom", "nombre",
        "voornaam",
    ),
    "last_name": (
        "last name", "lastname", "surname", "surnames", "family name", "last", "second name",
        "nachname", "familienname", "nom de famille", "nom", "apellido", "apellidos", "cognome",
        "achternaam",
    ),
    "email": (
        "email", "e mail", "email address", "e mail address", "emailaddress", "mail",
        "email adress", "mail address", "email id", "work email", "courriel", "e mail adresse",
        "adresse e mail", "adresse email", "correo", "correo electrónico",
    ),
    "organisation": (
        "organisation", "organization", "organisation name", "organization name",
        "name organisation", "name organization", "company", "company name", "employer",
        "institution", "affiliation", "org", "university", "firm", "business", "agency",
        "institute", "school", "entreprise", "société", "societe", "firma", "unternehmen",
        "organisme", "empresa", "organizzazione", "organisatie",
    ),
    "role": (
        "role", "ticket type", "attendee type", "registration type", "participant type",
        "delegate type", "ticket category", "attendee category", "registration category",
        "category", "ticket name", "ticket class", "pass type", "badge type", "role at event",
        "event role", "type", "rolle", "rôle",
    ),
    "evidence": (
        "order number", "order id", "order", "order no", "order ref", "order reference",
        "order code", "ticket number", "ticket id", "ticket", "ticket no", "ticket reference",
        "ticket ref", "ticket code", "registration id", "registration number",
        "registration reference", "registration no", "registration code", "booking reference",
        "booking ref", "booking id", "booking number", "confirmation number",
        "confirmation code", "response id", "response number", "submission id",
        "attendee number", "attendee id", "barcode", "barcode number", "reference", "ref", "id",
        "timestamp", "submitted at", "submission date", "submission time", "completion time",
    ),
}
# fmt: on
_SIMPLE_FIELDS = tuple(_SYNONYMS)
_SYNONYM_RANK: dict[str, dict[str, int]] = {
    name: {phrase: rank for rank, phrase in enumerate(phrases)}
    for name, phrases in _SYNONYMS.items()
}

# fmt: off
_DOB_PHRASES = (
    "date of birth", "dob", "d o b", "birth date", "birthdate", "birthday", "date de naissance",
    "geburtsdatum", "fecha de nacimiento", "data di nascita", "geboortedatum",
)
# fmt: on
# fmt: off
_ADULT_PHRASES = (
    "over 18", "18 or over", "18 or older", "18 and over", "18 or above", "18 and older",
    "18 years or older", "18 years or over", "at least 18", "adult", "aged 18",
)
# fmt: on
# fmt: off
_MINOR_PHRASES = (
    "under 18", "under eighteen", "minor", "is a child", "younger than 18", "below 18",
    "under the age of 18", "under 18s", "minderjährig", "mineur", "menor",
)
# fmt: on
# fmt: off
_AGE_FORMS = frozenset(
    {
        "age", "age years", "age in years", "how old", "how old you", "age group",
        "age range", "age bracket", "age band", "age at event", "age on day", "alter", "âge",
        "edad", "età", "leeftijd",
    }
)
# fmt: on
_GUARDIAN_WORDS = _word_set(
    "parent parents guardian guardians carer carers eltern erziehungsberechtigte tuteur "
    "tutor parents"
)
_CONTACT_WORDS = _word_set(
    "email e mail phone telephone tel mobile cell address number signature signed date"
)
_ORG_WORDS = _word_set("organisation organization company institution employer school university")

# fmt: off
_ROLE_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("press", ("press", "media", "journalist", "journalists", "reporter", "photographer",
               "presse", "prensa", "stampa", "pers")),
    ("speaker", ("speaker", "speakers", "presenter", "presenters", "panelist", "panellist",
                 "panelists", "panellists", "keynote", "moderator", "chair", "referent",
                 "referentin", "intervenant", "ponente", "relatore", "spreker")),
    ("volunteer", ("volunteer", "volunteers", "bénévole", "benevole", "freiwillige",
                   "freiwilliger", "voluntario", "volontario", "vrijwilliger", "helper")),
    ("staff", ("staff", "employee", "employees", "organiser", "organisers", "organizer",
               "organizers", "crew", "team", "mitarbeiter", "personnel")),
    ("delegate", ("delegate", "delegates", "attendee", "attendees", "participant",
                  "participants", "general admission", "ga", "visitor", "teilnehmer",
                  "teilnehmerin", "participante", "deelnemer")),
)
# fmt: on


# --------------------------------------------------------------------------------------------
# Reading bytes and decoding


def _fail(path: Path, message: str) -> UserError:
    return UserError(f"{path} {message}")


def _read_bytes(path: Path) -> bytes:
    """Read the file, refusing anything that is not a plausible registration export.

    The size is checked from ``stat`` before reading, and the read itself is bounded, so a
    multi-gigabyte file picked by mistake costs nothing.
    """
    try:
        if not path.exists():
            raise _fail(path, "does not exist")
        if not path.is_file():
            raise _fail(path, "is not a file")
        size = path.stat().st_size
    except OSError as exc:
        raise _fail(path, f"cannot be read: {exc.strerror or exc}") from exc
    if size > MAX_FILE_BYTES:
        raise _fail(path, _too_big(size))
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise _fail(path, f"cannot be read: {exc.strerror or exc}") from exc
    if len(data) > MAX_FILE_BYTES:  # it grew while we looked
        raise _fail(path, _too_big(len(data)))
    return data


def _too_big(size: int) -> str:
    limit = MAX_FILE_BYTES // (1024 * 1024)
    return (
        f"is {size / (1024 * 1024):.1f} MB — larger than any registration export we expect "
        f"(limit {limit} MB); check it is the right file"
    )


# fmt: off
_BINARY_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "it looks like an Excel workbook or other zip file; "
     'in Excel use File > Save As > "CSV UTF-8" and import that'),
    (b"\xd0\xcf\x11\xe0", "it looks like an old Excel (.xls) workbook; "
     'in Excel use File > Save As > "CSV UTF-8" and import that'),
    (b"%PDF", "it is a PDF"),
    (b"\x89PNG", "it is a PNG image"),
    (b"\xff\xd8\xff", "it is a JPEG image"),
    (b"GIF8", "it is a GIF image"),
)
# fmt: on


def _decode(path: Path, data: bytes) -> tuple[str, str]:
    """Decode ``data``; return ``(text, encoding)`` or raise a :class:`UserError`.

    Order: a byte-order mark decides (UTF-8, UTF-32, UTF-16 — Excel's "Unicode text"); then
    UTF-16 without a BOM if every other byte is NUL; then strict UTF-8; then cp1252 (what Excel
    on Windows writes for "CSV" in Western Europe); then Latin-1, which cannot fail.
    """
    if not data.strip(b" \t\r\n"):
        raise _fail(path, "is empty")
    for signature, what in _BINARY_SIGNATURES:
        if data.startswith(signature):
            raise _fail(path, f"is not a CSV text file ({what})")
    boms = (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    )
    encoding: str | None = None
    for bom, name in boms:
        if data.startswith(bom):
            encoding = name
            break
    if encoding is None and len(data) >= 4:
        start = data[:400]
        odd_nul = start[1::2].count(0) / max(1, len(start[1::2]))
        even_nul = start[0::2].count(0) / max(1, len(start[0::2]))
        if odd_nul > 0.5 and even_nul < 0.05:
            encoding = "utf-16-le"
        elif even_nul > 0.5 and odd_nul < 0.05:
            encoding = "utf-16-be"
    if encoding is not None:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            raise _fail(path, f"is not a CSV text file (broken {encoding} text)") from exc
        if encoding.startswith("utf-16") or encoding == "utf-32":
            encoding = encoding[:6]
    elif b"\x00" in data:
        raise _fail(path, "is not a CSV text file (it contains binary data)")
    else:
        for candidate in ("utf-8", "cp1252", "latin-1"):
            try:
                text = data.decode(candidate)
            except UnicodeDecodeError:
                continue
            encoding = candidate
            break
        else:  # pragma: no cover - latin-1 decodes every byte
            raise _fail(path, "is not a CSV text file")
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        raise _fail(path, "is not a CSV text file (it contains binary data)")
    controls = sum(1 for ch in text[:65536] if ord(ch) < 32 and ch not in "\t\r\n\f\v")
    if controls > max(8, len(text[:65536]) // 100):
        raise _fail(path, "is not a CSV text file (it contains binary data)")
    if not text.strip():
        raise _fail(path, "is empty")
    head = text.lstrip()[:200].casefold()
    if head.startswith(("<!doctype html", "<html", "<?xml", "<head", "<body")):
        raise _fail(
            path,
            "is not a CSV text file (it is a web page; download the CSV export itself, "
            "not the page that offers it)",
        )
    return text, encoding


# --------------------------------------------------------------------------------------------
# Records and delimiter


def _records(text: str, delimiter: str) -> Iterable[list[str]]:
    # newline="" keeps "\r\n" inside quoted values and splits rows only at \r, \n, \r\n —
    # never at U+2028 or form feeds, which str.splitlines() would treat as line ends.
    return csv.reader(
        io.StringIO(text, newline=""),
        delimiter=delimiter,
        quotechar='"',
        doublequote=True,
        skipinitialspace=True,
        strict=False,
    )


def _sniff_delimiter(text: str) -> str:
    """Pick the delimiter that gives the most rows of one consistent width (at least 2).

    ``csv.Sniffer`` is easily fooled by commas inside Google Forms questions or decimal commas
    in European exports. Parsing a sample with each candidate, quote-aware, and counting how
    many rows share the most common width is not: the right delimiter makes the header and
    the data rows agree. Ties prefer wider rows, then the order comma, semicolon, tab, pipe.
    """
    sample = text[:65536]
    best: tuple[int, int, int] = (0, 0, 0)
    chosen = ","
    for order, delimiter in enumerate(_DELIMITERS):
        widths: dict[int, int] = {}
        try:
            for count, record in enumerate(_records(sample, delimiter)):
                if count >= _SAMPLE_RECORDS:
                    break
                if any(cell.strip() for cell in record):
                    widths[len(record)] = widths.get(len(record), 0) + 1
        except csv.Error:
            pass
        if not widths:
            continue
        width, rows = max(widths.items(), key=lambda item: (item[1], item[0]))
        if width < 2:
            continue
        score = (rows, width, -order)
        if score > best:
            best, chosen = score, delimiter
    return chosen


# --------------------------------------------------------------------------------------------
# Column detection


@dataclass(frozen=True)
class _ConsentColumn:
    index: int
    uses: frozenset[str] | None  # None: a generic column, applying to default_uses
    negative: bool


@dataclass
class _Columns:
    single: dict[str, int]  # simple fields, "minor", "guardian" -> column index
    consent: list[_ConsentColumn]
    minor_kind: str = "auto"
    labels: list[str] = field(default_factory=list)

    def label(self, index: int) -> str:
        """The column's label for messages; a letter for cells beyond the header."""
        if index < len(self.labels):
            return self.labels[index]
        return f"(column {_column_letter(index)})"


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(ord("A") + rem) + letters
    return letters


def _labels(header: Sequence[str]) -> list[str]:
    """One readable, unique label per column: the header, disambiguated by column letter."""
    texts = [_short(_clean(cell), 80) for cell in header]
    counts: dict[str, int] = {}
    for text in texts:
        key = text.casefold()
        counts[key] = counts.get(key, 0) + 1
    labels = []
    for index, text in enumerate(texts):
        if not text:
            labels.append(f"(column {_column_letter(index)})")
        elif counts[text.casefold()] > 1:
            labels.append(f"{text} (column {_column_letter(index)})")
        else:
            labels.append(text)
    return labels


def _consent_kind(header: str) -> tuple[frozenset[str] | None, bool] | None:
    """If ``header`` asks about photo consent: (uses it names or None, is it an opt-out)."""
    words = _words(header)
    tokens = set(words.split())
    for use in USES:  # our own export's "consent_web" columns
        if words in (f"consent {use}", f"{use} consent"):
            return frozenset({use}), False
    if not tokens & _PHOTO_WORDS:
        return None
    uses = _uses_in(words)
    negative = _is_negative(header)
    # "Photos of me may be used on the website" asks for consent without saying "consent";
    # so may an opt-out ("Tick if you do NOT want to be photographed"), and reading that one
    # as consent is safe, since its "yes" then means refused.
    if not (tokens & _CONSENT_WORDS or (uses and tokens & _USE_VERBS) or negative):
        return None
    return uses, negative


def _uses_in(words: str) -> frozenset[str] | None:
    found = {
        use
        for use, phrases in _USE_WORDS.items()
        if any(_has_phrase(words, phrase) for phrase in phrases)
    }
    return frozenset(found) if found else None


def _is_negative(header: str) -> bool:
    """Does the header ask whether the person *refuses* (an opt-out), so "yes" means no?"""
    words = _words(_without_brackets(header)) or _words(header)
    return any(_has_phrase(words, phrase) for phrase in _NEGATIVE_PHRASES)


def _forms(header: str) -> list[tuple[str, bool]]:
    """Forms of a header to look up in the synonym lists, each with "is it the buyer's"."""
    forms: list[tuple[str, bool]] = []
    for source in (header, _without_brackets(header)):
        for part in [source, *re.split(r"/|\||\b(?:or|oder|ou|o)\b", source, flags=re.IGNORECASE)]:
            words = _words(part)
            if not words:
                continue
            forms.append((words, False))
            kept = " ".join(w for w in words.split() if w not in _FILLER)
            buyer = False
            changed = True
            while changed and kept:
                changed = False
                for qualifier in _ATTENDEE_QUALIFIERS + _BUYER_QUALIFIERS:
                    if kept.startswith(qualifier + " "):
                        kept = kept[len(qualifier) + 1 :]
                        buyer = buyer or qualifier in _BUYER_QUALIFIERS
                        changed = True
            if kept:
                forms.append((kept, buyer))
    return forms


def _simple_match(header: str) -> tuple[str, int] | None:
    """The simple field a header names and how good a match it is (lower is better)."""
    best: tuple[str, int] | None = None
    for words, buyer in _forms(header):
        for name in _SIMPLE_FIELDS:
            rank = _SYNONYM_RANK[name].get(words)
            if rank is None or (buyer and name in ("role", "evidence")):
                continue  # "Order type" is not the attendee's role
            rank += 1000 if buyer else 0
            if best is None or rank < best[1]:
                best = (name, rank)
    return best


def _minor_kind(header: str) -> str | None:
    words = _words(header)
    tokens = set(words.split())
    if tokens & _CONSENT_WORDS:
        return None
    if any(_has_phrase(words, phrase) for phrase in _DOB_PHRASES):
        return "dob"
    if "18+" in header.replace(" ", "") or any(_has_phrase(words, p) for p in _ADULT_PHRASES):
        return "adult_flag"
    if any(_has_phrase(words, phrase) for phrase in _MINOR_PHRASES):
        return "minor_flag"
    kept = " ".join(w for w in _words(_without_brackets(header)).split() if w not in _FILLER)
    if kept in _AGE_FORMS:
        return "age"
    return None


def _is_guardian(header: str) -> bool:
    words = _words(header)
    tokens = set(words.split())
    return bool(
        tokens & _GUARDIAN_WORDS
        and not tokens & _CONTACT_WORDS
        and not tokens & _CONSENT_WORDS
        and not tokens & _ORG_WORDS
    )


def _detect(header: Sequence[str], skip: set[int]) -> _Columns:
    """Recognise the columns of ``header`` (except ``skip``) from their names alone."""
    single: dict[str, tuple[int, int]] = {}
    consent: list[_ConsentColumn] = []
    minor: tuple[int, str] | None = None
    minor_order = ("dob", "age", "minor_flag", "adult_flag")
    for index, raw in enumerate(header):
        if index in skip or not raw.strip():
            continue
        kind = _consent_kind(raw)
        if kind is not None:
            consent.append(_ConsentColumn(index, kind[0], kind[1]))
            continue
        age_kind = _minor_kind(raw)
        if age_kind is not None:
            if minor is None or minor_order.index(age_kind) < minor_order.index(minor[1]):
                minor = (index, age_kind)
            continue
        if _is_guardian(raw):
            single.setdefault("guardian", (index, 0))
            continue
        match = _simple_match(raw)
        if match is not None:
            name, rank = match
            if name not in single or rank < single[name][1]:
                single[name] = (index, rank)
    columns = _Columns({name: index for name, (index, _) in single.items()}, consent)
    found = columns.single
    if (
        "name" in found
        and "first_name" in found
        and "last_name" not in found
        and _words(header[found["name"]]) in {"name", "nom", "nombre", "nome", "naam"}
    ):
        # "Vorname" + "Name", "Prénom" + "Nom": beside a first name, a bare "name" is the
        # surname (German and French forms put it that way round).
        found["last_name"] = found.pop("name")
    if minor is not None:
        columns.single["minor"] = minor[0]
        columns.minor_kind = minor[1]
    return columns


def _find_column(header: Sequence[str], labels: Sequence[str], wanted: str) -> int | None:
    """Resolve a ``--map`` value: exact header, then shown label, then loosely equal header.

    The shown label ("Email (column E)") is what tells two columns with the same header apart.
    """
    target = wanted.strip()
    for index, cell in enumerate(header):
        if cell.strip() == target:
            return index
    for index, label in enumerate(labels):
        if label == target:
            return index
    loose = _words(target)
    if loose:
        for index, cell in enumerate(header):
            if _words(cell) == loose:
                return index
    return None


def _apply_mapping(
    path: Path,
    header: Sequence[str],
    labels: Sequence[str],
    mapping: Mapping[str, str],
) -> _Columns:
    """Detected columns with the user's ``--map`` choices taking precedence."""
    unknown = sorted(set(mapping) - set(MAPPABLE_FIELDS))
    if unknown:
        raise UserError(
            f"{path}: --map does not know the field {', '.join(unknown)}; "
            f"fields: {', '.join(MAPPABLE_FIELDS)}"
        )
    mapped: dict[str, int | None] = {}
    for name, wanted in mapping.items():
        if not wanted.strip():
            mapped[name] = None  # "--map role=" : do not read this field at all
            continue
        index = _find_column(header, labels, wanted)
        if index is None:
            raise UserError(
                f'{path}: there is no column "{_short(wanted)}" (for --map {name}); '
                f"columns found: {_list_labels(labels)}"
            )
        mapped[name] = index
    taken = {index for index in mapped.values() if index is not None}
    columns = _detect(header, taken)
    for name, index in mapped.items():
        if name == "consent" or name.startswith("consent_"):
            continue
        if index is None:
            columns.single.pop(name, None)
        else:
            columns.single[name] = index
            if name == "minor":
                columns.minor_kind = _minor_kind(header[index]) or "auto"
    if ("first_name" in mapped or "last_name" in mapped) and "name" not in mapped:
        columns.single.pop("name", None)  # the user chose first/last; do not mix in a guess
    consent = columns.consent
    if "consent" in mapped:
        consent = [column for column in consent if column.uses is not None]
        index = mapped["consent"]
        if index is not None:
            consent.append(_ConsentColumn(index, None, _is_negative(header[index])))
    for use in USES:
        name = f"consent_{use}"
        if name not in mapped:
            continue
        consent = [
            replace(column, uses=column.uses - {use})
            if column.uses is not None and use in column.uses
            else column
            for column in consent
        ]
        consent = [column for column in consent if column.uses is None or column.uses]
        index = mapped[name]
        if index is not None:
            consent.append(_ConsentColumn(index, frozenset({use}), _is_negative(header[index])))
    columns.consent = sorted(consent, key=lambda column: column.index)
    columns.labels = list(labels)
    return columns


def _list_labels(labels: Sequence[str]) -> str:
    shown = [f'"{_short(label, 40)}"' for label in labels if label]
    if len(shown) > 30:
        shown = [*shown[:30], f"… ({len(shown) - 30} more)"]
    return ", ".join(shown) if shown else "(none)"


def _has_name(columns: _Columns) -> bool:
    return any(name in columns.single for name in ("name", "first_name", "last_name"))


# --------------------------------------------------------------------------------------------
# Cell readers


_EMAIL_RE = re.compile(r"^[^@\s<>(),;:\"\[\]]+@[^@\s<>(),;:\"\[\]]+\.[^@\s<>(),;:\"\[\]]+$")


def _read_email(value: str) -> tuple[str | None, str | None]:
    """(email, problem). Odd addresses are kept as written: better than losing the contact."""
    text = _clean(value)
    if not text or text.casefold() == "anonymous":  # Microsoft Forms' "no account" placeholder
        return None, None
    angle = re.fullmatch(r".*<\s*([^<>\s]+@[^<>\s]+)\s*>", text)
    if angle:
        text = angle.group(1)
    text = re.sub(r"^mailto:", "", text, flags=re.IGNORECASE).lower()
    if not _EMAIL_RE.match(text):
        return text, f'email "{_short(text)}" does not look like an email address; kept as written'
    return text, None


@functools.lru_cache(maxsize=4096)  # and a handful of ticket types
def _read_role(value: str) -> str | None:
    words = _words(value)
    if not words:
        return None
    for role, keywords in _ROLE_KEYWORDS:
        if any(_has_phrase(words, keyword) for keyword in keywords):
            return role
    return "other"


_DATE_FORMATS_YMD = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d")
_DATE_FORMATS_NAMED = ("%d %B %Y", "%d %b %Y", "%B %d %Y", "%b %d %Y")


def _age_on(born: dt.date, today: dt.date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _dates(value: str) -> list[dt.date]:
    """Every date ``value`` could mean (two for 05/06/2009: day-first and month-first)."""
    text = value.strip()
    text = re.sub(r"[ T]\d{1,2}:\d{2}(:\d{2})?(\.\d+)?Z?$", "", text)  # Excel's "00:00:00"
    for fmt in _DATE_FORMATS_YMD:
        with contextlib.suppress(ValueError):
            return [dt.datetime.strptime(text, fmt).date()]
    match = re.fullmatch(r"(\d{1,2})[./-](\d{1,2})[./-](\d{4})", text)
    if match:
        a, b, year = (int(part) for part in match.groups())
        found = []
        for day, month in ((a, b), (b, a)):
            with contextlib.suppress(ValueError):
                found.append(dt.date(year, month, day))
        return sorted(set(found))
    plain = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text.replace(",", " "))
    plain = " ".join(plain.split())
    for fmt in _DATE_FORMATS_NAMED:
        with contextlib.suppress(ValueError):
            return [dt.datetime.strptime(plain, fmt).date()]
    return []


def _minor_from_age_text(value: str) -> bool | None:
    text = value.strip().casefold()
    numbers = [int(n) for n in re.findall(r"\d+", text)]
    if not numbers or re.search(r"\d[.,]\d", text):
        return None
    if re.search(r"under|below|younger|<|unter|moins", text):
        return True if max(numbers) <= 18 else None
    if re.search(r"\+|over|older|above|plus|über", text):
        return False if min(numbers) >= 18 else None
    if len(numbers) > 2 or max(numbers) > 130:
        return None
    if max(numbers) < 18:
        return True
    if min(numbers) >= 18:
        return False
    return None


def _read_minor(value: str, kind: str, today: dt.date) -> tuple[bool | None, str | None]:
    """(minor, problem) from an under-18 flag, an age, or a date of birth."""
    text = _clean(value)
    if not text:
        return None, None
    order = {
        "dob": ("dob", "flag"),
        "age": ("age", "flag"),
        "minor_flag": ("flag", "age"),
        "adult_flag": ("flag", "age"),
        "auto": ("flag", "age", "dob"),
    }[kind]
    for attempt in order:
        if attempt == "flag":
            answer = _yes_no(text)
            if answer is not None:
                return (not answer if kind == "adult_flag" else answer), None
        elif attempt == "age":
            minor = _minor_from_age_text(text)
            if minor is not None:
                return minor, None
        else:
            if kind == "dob" and re.fullmatch(r"\d{4,5}", text) and int(text) > 1000:
                born = [dt.date(1899, 12, 30) + dt.timedelta(days=int(text))]  # Excel serial
            else:
                born = _dates(text)
            if not born:
                continue
            if any(day > today for day in born) or any(_age_on(d, today) > 130 for d in born):
                return (
                    None,
                    f'date of birth "{_short(text)}" is not plausible; minor status unknown',
                )
            verdicts = {_age_on(day, today) < 18 for day in born}
            if len(verdicts) == 1:
                return verdicts.pop(), None
            return None, (
                f'date of birth "{_short(text)}" could be day/month or month/day and the '
                f"age differs; minor status unknown"
            )
    what = {"dob": "date of birth", "age": "age"}.get(kind, "under-18 answer")
    return None, f'{what} "{_short(text)}" is not something we can read; minor status unknown'


@dataclass(frozen=True)
class _CellConsent:
    status: ConsentStatus | None  # None: unreadable (reported)
    uses: frozenset[str]


_USE_LIST_FILLER = _word_set(
    "on in for of the our your my event events photo photos use used channels channel pages "
    "page materials material and"
)


def _use_list(value: str) -> frozenset[str] | None:
    """Uses named by a multi-select answer ("Website, Social media"), or None if not one.

    Every part must be nothing but use names (and a few filler words such as "on our"):
    "Website; maybe print" is not a list of uses.
    """
    parts = re.split(r"[,;/\n]|\band\b|\bund\b|\bet\b", _without_brackets(value))
    found: set[str] = set()
    for part in parts:
        words = _words(part)
        if not words:
            continue
        uses = _uses_in(words)
        if uses is None:
            return None
        rest = f" {words} "
        for use in uses:
            for phrase in sorted(_USE_WORDS[use], key=len, reverse=True):
                rest = rest.replace(f" {phrase} ", " ")
        if not set(rest.split()) <= _USE_LIST_FILLER:
            return None
        found |= uses
    return frozenset(found) if found else None


def _read_consent_cell(
    value: str, column: _ConsentColumn, default_uses: frozenset[str]
) -> tuple[_CellConsent | None, str | None]:
    """(what the cell says, problem). ``None`` first element: blank, says nothing."""
    text = _clean(value)
    uses = column.uses if column.uses is not None else default_uses
    if not text or text.casefold() == "unknown":  # as our own export writes "no answer"
        return None, None
    reading = _read_answer(text)
    status: ConsentStatus | None = None
    if reading.kind is _Answer.GRANT:
        status = ConsentStatus.GRANTED
    elif reading.kind is _Answer.REFUSE:
        status = ConsentStatus.REFUSED
    elif reading.kind is _Answer.AFFIRM:
        status = ConsentStatus.REFUSED if column.negative else ConsentStatus.GRANTED
    elif reading.kind is _Answer.DENY:
        status = ConsentStatus.GRANTED if column.negative else ConsentStatus.REFUSED
    if status is not None and not reading.doubtful(status is ConsentStatus.GRANTED):
        return _CellConsent(status, uses), None
    unknown = _CellConsent(None, uses)
    scope = "" if uses == frozenset(USES) else f" for {_join_uses(uses)}"
    if status is not None:
        return unknown, (
            f'photo consent answer "{_short(text)}" starts with "{reading.phrase}" but adds a '
            f"condition; consent{scope} left unknown"
        )
    if reading.kind is None and column.uses is None:
        listed = _use_list(text)
        if listed is not None:
            granted = ConsentStatus.REFUSED if column.negative else ConsentStatus.GRANTED
            return _CellConsent(granted, listed), None
    return unknown, (
        f'photo consent answer "{_short(text)}" is neither yes nor no; consent{scope} left unknown'
    )


def _join_uses(uses: Iterable[str]) -> str:
    return ", ".join(use for use in USES if use in set(uses))


# --------------------------------------------------------------------------------------------
# The parser


def _read_records(path: Path) -> tuple[list[list[str]], str, str]:
    """The file's rows as cells, with the encoding and delimiter they were read with."""
    data = _read_bytes(path)
    text, encoding = _decode(path, data)

    delimiter: str | None = None
    first_line, _, rest = text.partition("\n")
    sep = re.fullmatch(r"\s*sep=(.)\s*", first_line, flags=re.IGNORECASE)
    # Excel's "sep=;" hint line. Excel hides it, so rows are numbered without it.
    if sep and sep.group(1) not in '\r\n"':
        delimiter, text = sep.group(1), rest
    if delimiter is None:
        delimiter = _sniff_delimiter(text)

    try:
        records = [[_unneutralise(cell) for cell in record] for record in _records(text, delimiter)]
    except csv.Error as exc:
        raise _fail(path, f"is not a CSV file we can read ({exc})") from exc
    return records, encoding, delimiter


def registration_columns(path: Path) -> list[str]:
    """The column labels of the file's first non-blank row, as ``mapping`` accepts them.

    A front end offers these as choices when the columns were not recognised (no name column
    found), so the user can say which column is which instead of editing the file.

    Raises:
        UserError: the file is missing, unreadable, binary, too large or empty.
    """
    records, _, _ = _read_records(Path(path))
    for record in records:
        if any(cell.strip() for cell in record):
            return _labels([cell.strip() for cell in record])
    raise _fail(Path(path), "is empty")


def parse_registration_csv(
    path: Path,
    mapping: dict[str, str] | None = None,
    default_uses: tuple[str, ...] = USES,
    *,
    today: dt.date | None = None,
) -> ParsedRegistration:
    """Read a registration export into people, their photo consent, and the problems found.

    Args:
        path: the CSV (or tab-separated / semicolon-separated text) file.
        mapping: ``--map FIELD=COLUMN`` choices (see :data:`MAPPABLE_FIELDS`); they override
            detection for their field. An empty COLUMN switches a field off.
        default_uses: the uses a consent column that names no use speaks about.
        today: the day ages are computed for (default: today).

    Raises:
        UserError: the file is missing, unreadable, empty, binary, too large, has no name
            column, or ``mapping`` names a column or field that does not exist. The message is
            one line and names the file.
    """
    path = Path(path)
    today = today or dt.date.today()
    bad_uses = [use for use in default_uses if use not in USES]
    if bad_uses:
        raise UserError(f"unknown use {', '.join(bad_uses)}; uses: {', '.join(USES)}")
    records, encoding, delimiter = _read_records(path)
    header_at, columns, header, labels = _find_header(path, records, mapping or {})
    notes = _notes(header_at, columns, labels)
    problems: list[RowProblem] = []
    rows: list[RegistrationRow] = []
    uses = frozenset(default_uses)
    for offset, record in enumerate(records[header_at + 1 :]):
        row_number = header_at + offset + 2
        if not any(cell.strip() for cell in record):
            continue  # blank rows and rows of empty cells: nothing to say
        if [cell.strip() for cell in record[: len(header)]] == header:
            problems.append(RowProblem(row_number, "repeats the header row; skipped"))
            continue
        cells = record + [""] * (len(header) - len(record))
        _check_swallowed(row_number, cells, labels, delimiter, problems)
        row = _read_row(
            path,
            row_number,
            cells,
            columns=columns,
            default_uses=uses,
            today=today,
            problems=problems,
        )
        if row is not None:
            rows.append(row)

    rows = _merge_duplicates(rows, problems)
    problems.sort(key=lambda problem: problem.row_number)
    return ParsedRegistration(
        rows=rows,
        problems=problems,
        columns=_column_report(columns, labels),
        encoding=encoding,
        delimiter=delimiter,
        unused_columns=_unused(columns, labels),
        notes=notes,
        header_row=header_at + 1,
    )


def _find_header(
    path: Path, records: Sequence[list[str]], mapping: Mapping[str, str]
) -> tuple[int, _Columns, list[str], list[str]]:
    """Find the header row: the first of the first few non-blank rows that names a person.

    Exports sometimes put a title ("Attendee report — 14 May") above the header; those rows
    are passed over (and mentioned in the notes).
    """
    first: tuple[int, list[str], list[str]] | None = None
    seen = 0
    for index, record in enumerate(records):
        if not any(cell.strip() for cell in record):
            continue
        seen += 1
        if seen > _HEADER_SEARCH_RECORDS:
            break
        header = [cell.strip() for cell in record]
        labels = _labels(header)
        if first is None:
            first = (index, header, labels)
        try:
            columns = _apply_mapping(path, header, labels, mapping)
        except UserError:
            continue  # a mapped column is not in this row: not the header
        if _has_name(columns):
            return index, columns, header, labels
    if first is None:
        raise _fail(path, "is empty")
    _, header, labels = first
    _apply_mapping(path, header, labels, mapping)  # raises the mapping error, if that is it
    raise UserError(
        f"{path}: could not find a name column; columns found: {_list_labels(labels)}; "
        "use --map name=COLUMN"
    )


def _notes(header_at: int, columns: _Columns, labels: Sequence[str]) -> list[str]:
    notes = []
    if header_at:
        notes.append(f"rows 1–{header_at} above the header were ignored")
    for column in columns.consent:
        if column.negative:
            notes.append(
                f'column "{labels[column.index]}" asks about opting out: "yes" there is read '
                'as refused and "no" as granted'
            )
    return notes


def _check_swallowed(
    row_number: int,
    cells: Sequence[str],
    labels: Sequence[str],
    delimiter: str,
    problems: list[RowProblem],
) -> None:
    """Report a quoted value that seems to contain whole rows: an unmatched quote mark."""
    if len(labels) < 3:
        return
    for index, cell in enumerate(cells):
        if "\n" not in cell and "\r" not in cell:
            continue
        for line in cell.splitlines()[1:]:
            if line.count(delimiter) >= len(labels) - 1:
                column = labels[index] if index < len(labels) else _column_letter(index)
                problems.append(
                    RowProblem(
                        row_number,
                        f'the value in "{column}" runs over several lines that look like '
                        "rows of their own (an unmatched quote mark?); check the file there",
                    )
                )
                return


def _value(cells: Sequence[str], columns: _Columns, name: str) -> str:
    index = columns.single.get(name)
    return cells[index] if index is not None and index < len(cells) else ""


def _read_row(
    path: Path,
    row_number: int,
    cells: Sequence[str],
    *,
    columns: _Columns,
    default_uses: frozenset[str],
    today: dt.date,
    problems: list[RowProblem],
) -> RegistrationRow | None:
    name = _clean(_value(cells, columns, "name"))
    if not name:
        first = _value(cells, columns, "first_name")
        last = _value(cells, columns, "last_name")
        name = _clean(f"{first} {last}")
    if not name:
        problems.append(RowProblem(row_number, "no name; row skipped"))
        return None

    email, email_problem = _read_email(_value(cells, columns, "email"))
    if email_problem:
        problems.append(RowProblem(row_number, email_problem))
    minor, minor_problem = _read_minor(_value(cells, columns, "minor"), columns.minor_kind, today)
    if minor_problem:
        problems.append(RowProblem(row_number, minor_problem))

    evidence = f"{path.name} row {row_number}"
    if "evidence" in columns.single:
        reference = _clean(_value(cells, columns, "evidence"))
        if reference:
            label = columns.label(columns.single["evidence"])
            evidence += f", {label} {_short(reference, 80)}"

    return RegistrationRow(
        row_number=row_number,
        name=name,
        email=email,
        organisation=_clean(_value(cells, columns, "organisation")) or None,
        role=_read_role(_value(cells, columns, "role")),
        minor=minor,
        guardian=_clean(_value(cells, columns, "guardian")) or None,
        consent=_row_consent(row_number, cells, columns, default_uses, problems),
        evidence=evidence,
    )


def _row_consent(
    row_number: int,
    cells: Sequence[str],
    columns: _Columns,
    default_uses: frozenset[str],
    problems: list[RowProblem],
) -> dict[str, ConsentStatus | None]:
    """Combine a row's consent columns: per-use columns override generic ones for their use.

    Within one level (per-use or generic), answers must agree; if they do not, or one of them
    is unreadable, that use stays unknown. Never guess.
    """
    per_use: dict[str, list[tuple[ConsentStatus | None, int]]] = {use: [] for use in USES}
    generic: dict[str, list[tuple[ConsentStatus | None, int]]] = {use: [] for use in USES}
    for column in columns.consent:
        value = cells[column.index] if column.index < len(cells) else ""
        said, problem = _read_consent_cell(value, column, default_uses)
        if problem:
            suffix = f' (column "{columns.label(column.index)}")'
            problems.append(
                RowProblem(row_number, problem + (suffix if len(columns.consent) > 1 else ""))
            )
        if said is None:
            continue
        target = generic if column.uses is None else per_use
        for use in said.uses:
            target[use].append((said.status, column.index))
    consent: dict[str, ConsentStatus | None] = {}
    conflicts: dict[tuple[tuple[str, str], ...], list[str]] = {}
    for use in USES:
        answers = per_use[use] or generic[use]
        statuses = {status for status, _ in answers}
        if len(statuses) == 1:
            consent[use] = statuses.pop()
            continue
        consent[use] = None
        if None not in statuses and len(statuses) > 1:
            key = tuple((columns.label(index), str(status)) for status, index in answers)
            conflicts.setdefault(key, []).append(use)
    for key, uses in conflicts.items():
        answers_said = "; ".join(f'"{label}": {status}' for label, status in key)
        problems.append(
            RowProblem(
                row_number,
                f"photo consent answers disagree ({answers_said}); consent for {_join_uses(uses)} "
                "left unknown",
            )
        )
    return consent


def _column_report(columns: _Columns, labels: Sequence[str]) -> dict[str, str]:
    report = {
        name: labels[index]
        for name in MAPPABLE_FIELDS
        if (index := columns.single.get(name)) is not None
    }
    generic = [labels[c.index] for c in columns.consent if c.uses is None]
    if generic:
        report["consent"] = " + ".join(generic)
    for use in USES:
        specific = [labels[c.index] for c in columns.consent if c.uses and use in c.uses]
        if specific:
            report[f"consent_{use}"] = " + ".join(specific)
    return report


def _unused(columns: _Columns, labels: Sequence[str]) -> list[str]:
    used = set(columns.single.values()) | {column.index for column in columns.consent}
    return [
        label
        for index, label in enumerate(labels)
        if index not in used and not label.startswith("(column ")
    ]


def _merge_duplicates(
    rows: list[RegistrationRow], problems: list[RowProblem]
) -> list[RegistrationRow]:
    """Keep the first row of each person; fill its blanks from later rows; report the rest.

    The same person is the same email (case-insensitive), or the same name when neither row
    has an email. Where a later row answers consent differently for a use, that use becomes
    unknown: which answer is current cannot be told from the file.
    """
    kept: dict[tuple[str, str], int] = {}
    conflicted: dict[int, set[str]] = {}
    result: list[RegistrationRow] = []
    for row in rows:
        key = ("email", row.email) if row.email else ("name", row.name.casefold())
        if key not in kept:
            kept[key] = len(result)
            result.append(row)
            continue
        position = kept[key]
        first = result[position]
        same = "same email" if key[0] == "email" else "same name (and no email)"
        blocked = conflicted.setdefault(position, set())
        consent = dict(first.consent)
        differ = []
        for use in USES:
            mine, theirs = first.consent.get(use), row.consent.get(use)
            if use in blocked or theirs is None:
                continue
            if mine is None:
                consent[use] = theirs
            elif mine != theirs:
                consent[use] = None
                blocked.add(use)
                differ.append(use)
        result[position] = replace(
            first,
            consent=consent,
            organisation=first.organisation or row.organisation,
            role=first.role or row.role,
            minor=first.minor if first.minor is not None else row.minor,
            guardian=first.guardian or row.guardian,
        )
        if differ:
            scope = "" if len(differ) == len(USES) else f" for {_join_uses(differ)}"
            message = (
                f"{same} as row {first.row_number} but a different photo consent answer"
                f"{scope}; merged, consent{scope} left unknown"
            )
        else:
            message = f"{same} as row {first.row_number}; merged"
        problems.append(RowProblem(row.row_number, message))
    return result
