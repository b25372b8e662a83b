"""Dialogs of the people window: a person's details, a consent answer, tagging, an override,
the registration import (preview, then summary) and the withdrawal flow.

Each dialog only collects what the user typed and checks it in words next to the field; the
window calls the core with it. Consent records are append-only, so the consent dialog says so
instead of offering to "edit" an old answer: a correction is a newer record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QStringListModel, Qt
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QCompleter,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gallery_app.core.consent.model import ROLES, USES, ConsentStatus
from gallery_app.core.errors import UserError
from gallery_app.core.people.registration_csv import (
    ParsedRegistration,
    parse_registration_csv,
    registration_columns,
)
from gallery_app.gui import messages
from gallery_app.gui.people.models import BAD, tone_colours

Ok = QDialogButtonBox.StandardButton.Ok
Cancel = QDialogButtonBox.StandardButton.Cancel


def run_dialog(dialog: QDialog) -> bool:
    """Run a modal dialog; tests replace this to fill the dialog in instead."""
    return dialog.exec() == QDialog.DialogCode.Accepted


def heading(text: str, scale: float = 1.25) -> QLabel:
    """A bold title. Plain text: it often holds a person's name or a file name, which must
    never be read as markup (a name like "<b>Sam</b>" shows as typed)."""
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    font = QFont(label.font())
    font.setPointSizeF(font.pointSizeF() * scale)
    font.setBold(True)
    label.setFont(font)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def note(text: str) -> QLabel:
    """A wrapped explanatory line in the palette's secondary text colour (plain text)."""
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setStyleSheet("color: palette(placeholder-text);")
    return label


class _Form(QDialog):
    """A dialog with a form, an inline problem line and OK/Cancel; OK is refused while the
    form has a problem, so the user sees why instead of getting an error afterwards."""

    def __init__(self, title: str, ok_text: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.problem = QLabel()
        self.problem.setTextFormat(Qt.TextFormat.PlainText)
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(f"color: {tone_colours(BAD)[1]};")
        self.problem.setAccessibleName("Problem")
        self.problem.hide()
        self.buttons = QDialogButtonBox(Ok | Cancel)
        self.ok_button = self.buttons.button(Ok)
        self.ok_button.setText(ok_text)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(20, 18, 20, 16)
        self.layout_.setSpacing(12)
        self.layout_.addLayout(self.form)
        self.layout_.addWidget(self.problem)
        self.layout_.addWidget(self.buttons)
        self.setMinimumWidth(480)

    def check(self) -> str | None:
        """What is wrong with the form, in words, or ``None``."""
        return None

    def accept(self) -> None:
        message = self.check()
        if message:
            self.problem.setText(message)
            self.problem.show()
            return
        super().accept()


class PersonDialog(_Form):
    """Add someone to the register, or correct their details."""

    def __init__(self, parent: QWidget | None = None, person: dict[str, Any] | None = None) -> None:
        editing = person is not None
        super().__init__(
            "Edit person" if editing else "Add a person",
            "Save" if editing else "Add person",
            parent,
        )
        self.name_edit = QLineEdit()
        self.name_edit.setAccessibleName("Name")
        self.name_edit.setPlaceholderText("First and last name, as on the registration")
        self.email_edit = QLineEdit()
        self.email_edit.setAccessibleName("E-mail")
        self.email_edit.setPlaceholderText("optional, tells two people of the same name apart")
        self.organisation_edit = QLineEdit()
        self.organisation_edit.setAccessibleName("Organisation")
        self.role_combo = QComboBox()
        self.role_combo.setAccessibleName("Role")
        self.role_combo.addItem("—", "")
        for role in ROLES:
            self.role_combo.addItem(role.capitalize(), role)
        self.minor_check = QCheckBox("Under 18: consent must come from a parent or guardian")
        self.minor_check.setAccessibleName("Minor")
        self.form.addRow("&Name:", self.name_edit)
        self.form.addRow("&E-mail:", self.email_edit)
        self.form.addRow("&Organisation:", self.organisation_edit)
        self.form.addRow("&Role:", self.role_combo)
        self.form.addRow("", self.minor_check)
        if person is not None:
            self.name_edit.setText(person["name"])
            self.email_edit.setText(person["email"] or "")
            self.organisation_edit.setText(person["organisation"] or "")
            self.role_combo.setCurrentIndex(max(0, self.role_combo.findData(person["role"] or "")))
            self.minor_check.setChecked(bool(person["minor"]))
        else:
            self.layout_.insertWidget(
                1, note("Consent is unknown until you record it (Record consent… in the list).")
            )

    def check(self) -> str | None:
        if not self.name_edit.text().strip():
            self.name_edit.setFocus()
            return "Please give the person's name."
        email = self.email_edit.text().strip()
        if email and ("@" not in email or " " in email):
            self.email_edit.setFocus()
            return f"“{email}” does not look like an e-mail address."
        return None

    def values(self) -> dict[str, Any]:
        return {
            "name": self.name_edit.text(),
            "email": self.email_edit.text().strip() or None,
            "organisation": self.organisation_edit.text().strip() or None,
            "role": self.role_combo.currentData() or None,
            "minor": self.minor_check.isChecked(),
        }


class _OptionalDate(QWidget):
    """A date that can be left open ("no start", "no end")."""

    def __init__(self, label: str, accessible: str) -> None:
        super().__init__()
        self.check = QCheckBox(label)
        self.check.setAccessibleName(f"{accessible}: set a date")
        self.date = QDateEdit(QDate.currentDate())
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.date.setAccessibleName(accessible)
        self.date.setEnabled(False)
        self.check.toggled.connect(self.date.setEnabled)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.check)
        row.addWidget(self.date)
        row.addStretch(1)

    def value(self) -> dt.date | None:
        if not self.check.isChecked():
            return None
        q = self.date.date()
        return dt.date(q.year(), q.month(), q.day())


STATUS_CHOICES = (
    (ConsentStatus.GRANTED, "✓ &Agreed to be shown"),
    (ConsentStatus.REFUSED, "✕ Re&fused"),
)
"""A withdrawal is not offered here: it has its own flow, which first shows what it touches."""


class ConsentDialog(_Form):
    """Record one consent answer for one person: what they said, for which uses, from when."""

    def __init__(self, person: dict[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(f"Record consent — {person['name']}", "Record", parent)
        self.person = person
        self.layout_.insertWidget(0, heading(person["name"]))
        self.layout_.insertWidget(
            1,
            note(
                "This adds to the person's consent history; earlier answers are kept. "
                "The newest answer for a use is the one that counts. If they take back "
                "consent they gave, use Withdraw consent… instead: it lists what to take down."
            ),
        )
        self.status_group = QButtonGroup(self)
        status_row = QHBoxLayout()
        self.status_buttons: dict[ConsentStatus, QRadioButton] = {}
        for status, text in STATUS_CHOICES:
            button = QRadioButton(text)
            button.setAccessibleName(f"Consent {status.value}")
            self.status_group.addButton(button)
            self.status_buttons[status] = button
            status_row.addWidget(button)
        status_row.addStretch(1)
        self.status_buttons[ConsentStatus.GRANTED].setChecked(True)
        uses_row = QHBoxLayout()
        self.use_checks: dict[str, QCheckBox] = {}
        for use in USES:
            box = QCheckBox(f"&{use.capitalize()}")  # Alt+W, Alt+S, Alt+P, Alt+I
            box.setAccessibleName(f"Use: {use}")
            box.setChecked(True)
            self.use_checks[use] = box
            uses_row.addWidget(box)
        uses_row.addStretch(1)
        self.valid_from = _OptionalDate("From", "Valid from")
        self.valid_until = _OptionalDate("Until", "Valid until")
        self.evidence_edit = QLineEdit()
        self.evidence_edit.setAccessibleName("Evidence")
        self.evidence_edit.setPlaceholderText("form id, or where the answer came from")
        self.guardian_edit = QLineEdit()
        self.guardian_edit.setAccessibleName("Parent or guardian")
        self.guardian_edit.setPlaceholderText(
            "required for a minor" if person["minor"] else "only for a minor"
        )
        self.form.addRow("Answer:", status_row)
        self.form.addRow("For:", uses_row)
        self.form.addRow("Valid:", self._dates())
        self.form.addRow("&Evidence:", self.evidence_edit)
        self.form.addRow("&Guardian:", self.guardian_edit)
        self.status_group.buttonToggled.connect(self._status_changed)

    def _dates(self) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.valid_from)
        row.addWidget(self.valid_until)
        return box

    def _status_changed(self) -> None:
        granted = self.status() is ConsentStatus.GRANTED
        self.valid_from.setEnabled(granted)
        self.valid_until.setEnabled(granted)
        self.guardian_edit.setEnabled(granted)

    def status(self) -> ConsentStatus:
        for status, button in self.status_buttons.items():
            if button.isChecked():
                return status
        return ConsentStatus.GRANTED

    def uses(self) -> frozenset[str]:
        return frozenset(use for use, box in self.use_checks.items() if box.isChecked())

    def check(self) -> str | None:
        if not self.uses():
            return "Tick at least one use the answer is about."
        start, end = self.valid_from.value(), self.valid_until.value()
        if start and end and end < start:
            return "The consent cannot end before it starts."
        if (
            self.person["minor"]
            and self.status() is ConsentStatus.GRANTED
            and not self.guardian_edit.text().strip()
        ):
            self.guardian_edit.setFocus()
            return (
                f"{self.person['name']} is a minor: name the parent or guardian who agreed, "
                "or their photos will keep needing review."
            )
        return None

    def values(self) -> dict[str, Any]:
        granted = self.status() is ConsentStatus.GRANTED
        return {
            "status": self.status(),
            "uses": self.uses(),
            "valid_from": self.valid_from.value() if granted else None,
            "valid_until": self.valid_until.value() if granted else None,
            "evidence": self.evidence_edit.text().strip() or None,
            "guardian": (self.guardian_edit.text().strip() or None) if granted else None,
        }


class OverrideDialog(_Form):
    """A reviewer signs off needs-review photos for one use, with a reason that is audited."""

    def __init__(
        self, count: int, use: str, reasons: list[str], parent: QWidget | None = None
    ) -> None:
        photos = f"{count} photo{'s' if count != 1 else ''}"
        super().__init__("Use anyway, with a reason", f"Clear {photos} for {use} use", parent)
        self.layout_.insertWidget(0, heading(f"Clear {photos} for {use} use"))
        self.layout_.insertWidget(
            1,
            note(
                "You are confirming you checked what follows. Your name, the time and your "
                "reason go into the audit log. If the photo changes (someone new is tagged, "
                "a consent lapses) it needs review again."
            ),
        )
        self.reasons = QLabel(
            "You are signing off:<ul style='margin-left: -20px'>"
            + "".join(f"<li>{html_escape(r[:1].upper() + r[1:])}</li>" for r in reasons)
            + "</ul>"
        )
        self.reasons.setTextFormat(Qt.TextFormat.RichText)
        self.reasons.setWordWrap(True)
        self.reasons.setAccessibleName("What you are signing off")
        # One line: a reason is a sentence, and Enter then signs off (no mouse needed).
        self.reason_edit = QLineEdit()
        self.reason_edit.setAccessibleName("Reason")
        self.reason_edit.setPlaceholderText(
            "e.g. Sam Lee confirmed by phone on 14 May; the person at the back is not recognisable"
        )
        self.reason_edit.setMinimumWidth(420)
        # Full width above the form: a wrapped rich-text label in a form row gets cut short.
        self.layout_.insertWidget(2, self.reasons)
        self.form.addRow("&Reason:", self.reason_edit)
        self.reason_edit.setFocus()

    def check(self) -> str | None:
        if len(self.reason()) < 3:
            return "Please say why these photos may be used (this is kept in the audit log)."
        return None

    def reason(self) -> str:
        return " ".join(self.reason_edit.text().split())


class TagPeopleDialog(_Form):
    """Say who is shown, completing names from the register; a new name joins the register
    with unknown consent (the photo then still needs review, which is the truth)."""

    def __init__(self, count: int, known: list[str], parent: QWidget | None = None) -> None:
        photos = f"{count} photo{'s' if count != 1 else ''}"
        super().__init__(f"Tag people on {photos}", "Tag", parent)
        self.known = known
        self.names_edit = QLineEdit()
        self.names_edit.setAccessibleName("People shown")
        self.names_edit.setPlaceholderText("Names, separated by commas")
        self._completions = QStringListModel(known, self)
        completer = QCompleter(self._completions, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.activated.connect(self._complete)
        self._completer = completer
        self.names_edit.textEdited.connect(self._update_prefix)
        self.form.addRow("&Who is shown:", self.names_edit)
        self.layout_.insertWidget(
            1,
            note(
                "Type part of a name and pick it from the register. A new name is added "
                "to the register with consent unknown."
            ),
        )
        self.names_edit.setFocus()

    def _update_prefix(self, text: str) -> None:
        # Complete only the name being typed, after the last comma.
        current = text.rsplit(",", 1)[-1].strip()
        self._completer.setWidget(self.names_edit)
        self._completer.setCompletionPrefix(current)
        if current:
            self._completer.complete()

    def _complete(self, name: str) -> None:
        head = self.names_edit.text().rsplit(",", 1)[0] if "," in self.names_edit.text() else ""
        self.names_edit.setText(f"{head.strip()}, {name}, " if head.strip() else f"{name}, ")

    def names(self) -> list[str]:
        return [n for n in (" ".join(p.split()) for p in self.names_edit.text().split(",")) if n]

    def check(self) -> str | None:
        if not self.names():
            return "Type at least one name."
        return None


IMPORT_FIELDS: tuple[tuple[str, str], ...] = (
    ("name", "Full name"),
    ("first_name", "First name"),
    ("last_name", "Last name"),
    ("email", "E-mail"),
    ("organisation", "Organisation"),
    ("role", "Role or ticket type"),
    ("consent", "Photo consent (all uses)"),
    *((f"consent_{use}", f"Photo consent ({use} only)") for use in USES),
    ("minor", "Minor, age or date of birth"),
    ("guardian", "Parent or guardian"),
    ("evidence", "Evidence (form or order id)"),
)
"""The fields a registration column can feed, in the words the dialog uses."""

_DETECTED = "\x00detected"
"""Combo value for "keep what was detected" when detection joined several columns."""
_ANSWER = {ConsentStatus.GRANTED: "✓ Yes", ConsentStatus.REFUSED: "✕ No", None: "? —"}


class ImportPreviewDialog(QDialog):
    """Before a registration CSV goes into the register: which column was read as what, the
    first people as they will be imported, and the rows that need a look. Any column choice
    can be changed, and the preview follows; nothing is written until "Import"."""

    PREVIEW_ROWS = 8

    def __init__(self, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path = path
        self.setWindowTitle(f"Import {path.name}")
        self.columns: list[str] = []
        self.fatal: str | None = None
        self.parsed: ParsedRegistration | None = None
        self.combos: dict[str, QComboBox] = {}
        self._chosen: dict[str, str] = {}
        """Fields whose column the user picked; the others follow detection."""
        first_error = ""
        try:
            parsed: ParsedRegistration | None = parse_registration_csv(path)
        except UserError as exc:
            parsed = None
            first_error = _for_dialog(str(exc), path)
        try:
            self.columns = registration_columns(path)
        except UserError as exc:
            self.fatal = str(exc)
            return

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.setSpacing(10)
        layout.addWidget(heading(f"Import {path.name}"))
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("What will be imported")
        layout.addWidget(self.summary)

        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(6)
        detected = parsed.columns if parsed else {}
        shown = [
            (field, label)
            for field, label in IMPORT_FIELDS
            if not field.startswith("consent_") or field in detected
        ]
        half = (len(shown) + 1) // 2
        for index, (field, label) in enumerate(shown):
            combo = QComboBox()
            combo.setAccessibleName(f"Column for {label}")
            combo.addItem("— not in this file —", "")
            value = detected.get(field, "")
            if value and value not in self.columns:  # several columns joined by detection
                combo.addItem(f"{value} (as detected)", _DETECTED)
                value = _DETECTED
            for column in self.columns:
                combo.addItem(column, column)
            combo.setCurrentIndex(max(0, combo.findData(value)))
            combo.setProperty("field", field)
            combo.setMinimumContentsLength(18)
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            self.combos[field] = combo
            combo.activated.connect(lambda _i, f=field: self._chose(f))
            row, col = (index, 0) if index < half else (index - half, 2)
            caption = QLabel(f"{label}:")
            caption.setBuddy(combo)
            grid.addWidget(caption, row, col)
            grid.addWidget(combo, row, col + 1)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        layout.addWidget(_section_label("How the columns are read"))
        layout.addLayout(grid)

        layout.addWidget(_section_label("First people, as they will be imported"))
        self.preview = QTableWidget(0, 3 + len(USES))
        self.preview.setAccessibleName("Preview of the people to import")
        self.preview.setHorizontalHeaderLabels(
            ["Name", "E-mail", "Organisation", *(u.capitalize() for u in USES)]
        )
        self.preview.verticalHeader().hide()
        self.preview.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.preview.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        self.preview.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.preview.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.preview, 2)
        self.problems = QListWidget()
        self.problems.setAccessibleName("Rows to check")
        self.problems.setWordWrap(True)
        self.problems.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.problems_label = _section_label("Rows to check")
        layout.addWidget(self.problems_label)
        layout.addWidget(self.problems, 1)

        self.buttons = QDialogButtonBox(Ok | Cancel)
        self.import_button = self.buttons.button(Ok)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.resize(820, 640)
        if parsed is None:
            self._show(None, first_error)
        else:
            self._show(parsed, None)

    def mapping(self) -> dict[str, str]:
        """The user's column choices (``--map``); detection decides the rest."""
        return dict(self._chosen)

    def _chose(self, field: str) -> None:
        value = str(self.combos[field].currentData())
        if value == _DETECTED:
            self._chosen.pop(field, None)
        else:
            self._chosen[field] = value
        self._reparse()

    def _reparse(self) -> None:
        try:
            parsed = parse_registration_csv(self.path, self.mapping())
        except UserError as exc:
            self._show(None, _for_dialog(str(exc), self.path))
            return
        self._show(parsed, None)

    def _follow_detection(self, parsed: ParsedRegistration) -> None:
        """Show, for every field the user did not pick, the column now detected for it
        (choosing the name column often lets the other columns be recognised)."""
        for field, combo in self.combos.items():
            if field in self._chosen:
                continue
            value = parsed.columns.get(field, "")
            index = combo.findData(value)
            if index < 0 and value:
                index = combo.findData(_DETECTED)
            combo.blockSignals(True)
            combo.setCurrentIndex(max(0, index))
            combo.blockSignals(False)

    def _show(self, parsed: ParsedRegistration | None, error: str | None) -> None:
        self.parsed = parsed
        self.preview.setRowCount(0)
        self.problems.clear()
        if parsed is None:
            self.summary.setText(
                f"<span style='color:{tone_colours(BAD)[1]}'>{html_escape(error or '')}</span><br>"
                "Choose the column that holds the name (or first and last name) below."
            )
            self.import_button.setText("Import")
            self.import_button.setEnabled(False)
            self.problems_label.hide()
            self.problems.hide()
            return
        self._follow_detection(parsed)
        count = len(parsed.rows)
        consent_read = any(f == "consent" or f.startswith("consent_") for f in parsed.columns)
        text = f"<b>{count} {'person' if count == 1 else 'people'}</b> found. " + (
            "Check that the columns were read right, then import."
            if consent_read
            else "<b>No photo consent column was found</b>: everyone's consent stays unknown "
            "until you record it. Choose the consent column below if there is one."
        )
        for remark in parsed.notes:
            text += f"<br><i>Note: {html_escape(remark)}.</i>"
        self.summary.setText(text)
        self.import_button.setText(f"Import {count} {'person' if count == 1 else 'people'}")
        self.import_button.setEnabled(count > 0)
        for row in parsed.rows[: self.PREVIEW_ROWS]:
            position = self.preview.rowCount()
            self.preview.insertRow(position)
            cells = [row.name, row.email or "", row.organisation or ""]
            cells += [_ANSWER[row.consent.get(use)] for use in USES]
            for column, text_ in enumerate(cells):
                self.preview.setItem(position, column, QTableWidgetItem(text_))
        self.preview.resizeColumnsToContents()
        for problem in parsed.problems:
            self.problems.addItem(f"Row {problem.row_number}: {problem.message}")
        self.problems_label.setVisible(bool(parsed.problems))
        self.problems.setVisible(bool(parsed.problems))


def _section_label(text: str) -> QLabel:
    label = QLabel(text)
    font = QFont(label.font())
    font.setBold(True)
    label.setFont(font)
    return label


def _for_dialog(message: str, path: Path) -> str:
    """The core's message without what the dialog already shows: the file (in the heading)
    and the command-line fix (the column choices are on screen)."""
    message = message.replace("; use --map name=COLUMN", "")
    for prefix in (f"{path}: ", f"{path.name}: "):
        message = message.removeprefix(prefix)
    return message[:1].upper() + message[1:]


class ImportResultDialog(QDialog):
    """What a registration import did, and every row it could not read, by row number."""

    def __init__(self, path: Path, result: dict[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Registration imported")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.setSpacing(10)
        layout.addWidget(heading(f"Imported {path.name}"))
        summary = (
            f"{result['added']} people added, {result['updated']} updated, "
            f"{result['unchanged']} already known. "
            f"{result['consent_records']} consent answers recorded."
        )
        self.summary = QLabel(summary)
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Import summary")
        layout.addWidget(self.summary)
        problems = result.get("problems") or []
        self.problems = QListWidget()
        self.problems.setAccessibleName("Rows to check")
        self.problems.setWordWrap(True)
        self.problems.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.problems.setStyleSheet("QListWidget::item { padding: 3px 2px; }")
        for problem in problems:
            self.problems.addItem(f"Row {problem['row']}: {problem['error']}")
        if problems:
            layout.addWidget(
                note(
                    f"{len(problems)} row{'s need' if len(problems) != 1 else ' needs'} a "
                    "look. A row without a name is left out; an unclear consent answer is left "
                    "unknown, never guessed. Fix them in the spreadsheet and import the file "
                    "again; nobody is added twice."
                )
            )
            layout.addWidget(self.problems, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)
        self.setMinimumWidth(520)


class WithdrawalDialog(QDialog):
    """Someone withdraws consent: first show what it touches, then record it and say what to
    take down.

    ``preview`` is the core's :func:`affected_by` answer before anything is recorded;
    ``record(reason, done)`` starts recording the withdrawal and later calls ``done`` with the
    same structure afterwards, or with None if it failed (the window says why). The dialog
    waits without blocking: "Recording…", nothing to press twice. The photo grid
    (``photos_widget``) is supplied by the window so this dialog needs no catalog.
    """

    def __init__(
        self,
        preview: dict[str, Any],
        photos_widget: QWidget,
        record: Callable[[str, Callable[[dict[str, Any] | None], None]], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        name = preview["person"]["name"]
        self._record = record
        self._recording = False
        self.outcome: dict[str, Any] | None = None
        self.setWindowTitle(f"Withdraw consent — {name}")
        photo_count = len(preview["photos"])
        files = [path for export in preview["exports"] for path in export["files"]]

        self.title = heading(f"{name} withdraws consent")
        self.explain = note(
            f"This records that {name} no longer agrees to be shown, for every use. "
            f"Photos showing them will be left out of every future export. The withdrawal "
            "is kept in the consent history and the audit log; it cannot be deleted."
        )
        self.photos_label = QLabel(
            f"<b>{photo_count} photo{'s' if photo_count != 1 else ''}</b> show "
            f"{html_escape(name)}" + (":" if photo_count else ".")
        )
        self.files_label = QLabel()
        self.files_tree = QTreeWidget()
        self.files_tree.setAccessibleName("Exported files that show this person")
        self.files_tree.setHeaderLabels(["Export / file"])
        self.files_tree.setRootIsDecorated(True)
        self.files_tree.setUniformRowHeights(True)
        self._fill_files(preview, files)
        self.reason_edit = QLineEdit()
        self.reason_edit.setAccessibleName("How the withdrawal reached you")
        self.reason_edit.setPlaceholderText("e.g. e-mail of 3 November to events@")
        reason_row = QFormLayout()
        reason_row.addRow("How did it reach you?", self.reason_edit)

        self.copy_button = QPushButton("Copy file list")
        self.copy_button.setAccessibleName("Copy the list of files to take down")
        self.copy_button.clicked.connect(self.copy_list)
        self.save_button = QPushButton("Save list…")
        self.save_button.setAccessibleName("Save the list of files to take down")
        self.save_button.clicked.connect(self._save_list)
        for button in (self.copy_button, self.save_button):
            button.setEnabled(bool(files))

        self.buttons = QDialogButtonBox(Cancel)
        self.withdraw_button = QPushButton("&Record withdrawal")
        self.withdraw_button.setAccessibleName("Record withdrawal")
        self.buttons.addButton(self.withdraw_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.accepted.connect(self._withdraw)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.setSpacing(10)
        layout.addWidget(self.title)
        layout.addWidget(self.explain)
        layout.addWidget(self.photos_label)
        layout.addWidget(photos_widget, 3)
        layout.addWidget(self.files_label)
        layout.addWidget(self.files_tree, 2)
        layout.addLayout(reason_row)
        layout.addWidget(self.buttons)
        self.resize(760, 680)
        # Not the default button: Enter in the reason field must not record a withdrawal.
        self.withdraw_button.setAutoDefault(False)
        self.buttons.button(Cancel).setDefault(True)

    def _fill_files(self, result: dict[str, Any], files: list[str]) -> None:
        self.files_tree.clear()
        self._paths: list[str] = []
        for export in result["exports"]:
            top = QTreeWidgetItem(
                [
                    f"{export['preset']} export of {export['created_at'][:10]} — "
                    f"{export['out_dir']} ({len(export['files'])} files)"
                ]
            )
            for path in export["files"]:
                full = str(Path(export["out_dir"]) / path)
                self._paths.append(full)
                child = QTreeWidgetItem([path])
                child.setToolTip(0, full)
                top.addChild(child)
            self.files_tree.addTopLevelItem(top)
            top.setExpanded(True)
        if files:
            self.files_label.setText(
                f"<b>{len(files)} exported file{'s' if len(files) != 1 else ''}</b> contain them:"
            )
        else:
            self.files_label.setText("No exported file contains them: nothing to take down.")
        self.files_tree.setVisible(bool(files))

    @property
    def recording(self) -> bool:
        """The withdrawal was sent to be recorded and its outcome has not arrived."""
        return self._recording

    def _withdraw(self) -> None:
        if self._recording or self.outcome is not None:
            return
        self._recording = True
        self.withdraw_button.setEnabled(False)
        self.withdraw_button.setText("Recording…")
        self.reason_edit.setEnabled(False)
        # Once sent it will be recorded: the dialog stays to show what to take down.
        self.buttons.button(Cancel).setEnabled(False)
        self._record(self.reason_edit.text().strip(), self._recorded)

    def reject(self) -> None:
        if not self._recording:  # Escape while recording would hide the list to take down
            super().reject()

    def _recorded(self, result: dict[str, Any] | None) -> None:
        self._recording = False
        self.buttons.button(Cancel).setEnabled(True)
        if result is None:  # the window showed the error; the dialog stays open to retry
            self.withdraw_button.setText("&Record withdrawal")
            self.withdraw_button.setEnabled(True)
            self.reason_edit.setEnabled(True)
            return
        self.outcome = result
        name = result["person"]["name"]
        files = [path for export in result["exports"] for path in export["files"]]
        count = len(result["photos"])
        self.title.setText(f"Withdrawal of {name} recorded")
        self.photos_label.setText(
            f"<b>{count} photo{'s' if count != 1 else ''}</b> of {html_escape(name)} "
            f"{'are' if count != 1 else 'is'} now blocked for every use" + (":" if count else ".")
        )
        if files:
            self.explain.setText(
                f"Take these {len(files)} files down from where you published them. Export "
                "the galleries again to rebuild them without these photos."
            )
        else:
            self.explain.setText(
                f"{name}'s photos are now blocked for every use. Nothing was published, so "
                "there is nothing to take down."
            )
        self._fill_files(result, files)
        self.reason_edit.setEnabled(False)
        self.withdraw_button.hide()
        self.buttons.button(Cancel).setText("Close")

    def takedown_paths(self) -> list[str]:
        return list(self._paths)

    def copy_list(self) -> None:
        QGuiApplication.clipboard().setText("\n".join(self._paths) + "\n")

    def _save_list(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "Save the list of files to take down", "takedown.txt", "Text files (*.txt)"
        )
        if name:
            try:
                Path(name).write_text("\n".join(self._paths) + "\n", encoding="utf-8")
            except OSError as exc:
                messages.show_error(self, "Could not save the list", f"{name}: {exc.strerror}")


def html_escape(text: str) -> str:
    """Names and reasons are user text: never let them become markup in a rich-text label."""
    return escape(text, quote=False)
