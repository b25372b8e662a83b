"""The metadata panel: caption, titles, alt text, keywords, people and credits of the selection.

With one photo selected it is a plain form. With many, each field shows the value they share
or "(different across N photos)", and typing into a field overwrites it on all of them; a
field the user did not touch is never written, so selecting 300 photos and fixing the credit
leaves their 300 different captions alone. Keywords and people list how many of the selected
photos carry each ("on 3 of 5"); adding or removing one acts on all selected photos.

Every change is one :class:`EditRequest` for all the photos the panel shows, emitted as
``edit_requested`` for the main window to apply through the core and push onto its undo stack,
so one field change on 300 photos is one undo step. The panel never writes to the catalog
itself; it reads the selection summary through the core.

The summary is read on the catalog thread, so it arrives a moment after the selection changed.
Meanwhile the panel says "Loading…": its fields are empty and disabled, never the previous
selection's values (which an edit would no longer go to), and a summary that arrives for a
selection the user has already left is ignored.

Keyboard: Tab moves between fields and commits the one left; Enter commits a line (Shift+Enter
starts a new line in the caption); Escape throws away what was typed and returns to the grid.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, QStringListModel, Qt, Signal
from PySide6.QtGui import QFocusEvent, QFont, QKeyEvent, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QCompleter,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from gallery_app.core import caption_templates
from gallery_app.core.edits import EditRequest
from gallery_app.core.errors import GalleryError
from gallery_app.core.selection_summary import SelectionSummary
from gallery_app.gui.filter_bar import keyword_from_display, keyword_to_display, set_strings

ALT_TEXT_LIMIT = 125
"""Screen readers and WCAG guidance: alt text says what matters in about 125 characters."""

FIELD_LABELS = {
    "caption": "Caption",
    "title": "Title",
    "headline": "Headline",
    "alt_text": "Alt text",
    "creator": "Creator (photographer)",
    "credit": "Credit line",
    "copyright": "Copyright",
}
PLACEHOLDERS = {
    "caption": "What is happening, who is shown, where — as long as it needs",
    "title": "A short name for the photo",
    "headline": "A one-line summary",
    "alt_text": "What a blind visitor needs to know about the image, in a sentence",
    "creator": "Who took the photo",
    "credit": "How the credit should read, e.g. Photo: Jo Bloggs / Example",
    "copyright": "e.g. © 2026 Example Network",
}
TemplatePreview = Callable[[int, str], str]
"""(photo id, template) → the caption it gives that photo; raises GalleryError if refused."""

TEMPLATE_PRESETS = (
    "{event}, {venue}, {date}",
    "{people} at {event}, {date}",
    "{event}, {date}: {keywords}",
    "{people} — {event}",
)


class _TextField(QObject):
    """One text field: remembers what the selection had, knows whether the user changed it."""

    committed = Signal(str, str)
    """(field name, new text)"""
    cancelled = Signal()

    def __init__(self, name: str, widget: QLineEdit | QPlainTextEdit) -> None:
        super().__init__(widget)
        self.name = name
        self.widget = widget
        self._original = ""
        self._dirty = False
        self.mixed = False
        """The selection's photos differ here: the empty box means "leave as is", so clearing
        it cannot clear them; the panel offers an explicit "Clear on all" instead."""
        widget.setAccessibleName(FIELD_LABELS[name])
        widget.installEventFilter(self)
        if isinstance(widget, QLineEdit):
            widget.textEdited.connect(self._mark_dirty)
            widget.returnPressed.connect(self.commit)
        else:
            widget.textChanged.connect(self._on_plain_changed)
        self._loading = False

    def text(self) -> str:
        w = self.widget
        return w.text() if isinstance(w, QLineEdit) else w.toPlainText()

    @property
    def dirty(self) -> bool:
        return self._dirty

    def load(self, value: str | None, count: int) -> None:
        """Show the shared value, or say the photos differ (``value`` None)."""
        self._loading = True
        self._original = value or ""
        self._dirty = False
        self.mixed = value is None and count > 1
        if isinstance(self.widget, QLineEdit):
            self.widget.setText(self._original)
            self.widget.setCursorPosition(0)
        else:
            self.widget.setPlainText(self._original)
        placeholder = (
            f"(different across {count:,} photos)" if value is None else PLACEHOLDERS[self.name]
        )
        self.widget.setPlaceholderText(placeholder)
        self.widget.setAccessibleDescription(
            f"Different across {count:,} photos" if value is None else ""
        )
        self._loading = False

    def show_loading(self) -> None:
        """Empty the box while the new selection's values are read: nothing shown may belong
        to the photos selected before."""
        self._loading = True
        self._original = ""
        self._dirty = False
        self.mixed = False
        self.widget.clear()
        self.widget.setPlaceholderText("Loading…")
        self.widget.setAccessibleDescription("Loading")
        self._loading = False

    def _mark_dirty(self, *_args: object) -> None:
        if not self._loading:
            self._dirty = True

    def _on_plain_changed(self) -> None:
        self._mark_dirty()

    def commit(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        text = self.text()
        if text.strip() == self._original.strip():
            return
        self._original = text
        self.committed.emit(self.name, text)

    def revert(self) -> None:
        self._loading = True
        if isinstance(self.widget, QLineEdit):
            self.widget.setText(self._original)
        else:
            self.widget.setPlainText(self._original)
        self._dirty = False
        self._loading = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if isinstance(event, QFocusEvent) and event.type() == QEvent.Type.FocusOut:
            # A completer popup takes focus briefly; that is not leaving the field.
            if event.reason() != Qt.FocusReason.PopupFocusReason:
                self.commit()
        elif isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress:
            if event.key() == Qt.Key.Key_Escape:
                self.revert()
                self.cancelled.emit()
                return True
            plain = isinstance(self.widget, QPlainTextEdit)
            enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            if plain and enter and not event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                self.commit()
                return True
        return super().eventFilter(watched, event)


class _TermList(QWidget):
    """Keywords or people of the selection: a list with counts, a box to add, Delete to remove.

    Signals:
        add_requested(list[str]): add these terms to every selected photo (one step).
        remove_requested(list[str]): remove these terms from every selected photo (one step).
    """

    add_requested = Signal(list)
    remove_requested = Signal(list)
    cancelled = Signal()

    def __init__(
        self,
        noun: str,
        plural: str,
        *,
        placeholder: str,
        empty_text: str,
        to_display: Any,
        from_display: Any,
        several: bool = False,
    ) -> None:
        super().__init__()
        self._several = several
        self._noun = noun
        self._plural = plural
        self._empty_text = empty_text
        self._to_display = to_display
        self._from_display = from_display
        self._count = 0
        self.list = QListWidget()
        self.list.setAccessibleName(f"{plural.capitalize()} of the selected photos")
        self.list.setToolTip(
            f"Delete removes the {noun} from every selected photo; "
            f"Enter on a “some photos” {noun} adds it to all of them"
        )
        self.list.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.list.setUniformItemSizes(True)
        self.list.installEventFilter(self)
        self.list.itemActivated.connect(self._on_activated)
        self.add_edit = QLineEdit()
        self.add_edit.setPlaceholderText(placeholder)
        self.add_edit.setAccessibleName(f"Add a {noun}")
        self.add_edit.returnPressed.connect(self._add)
        self.add_edit.installEventFilter(self)
        self.completer = QCompleter(QStringListModel(self), self.add_edit)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.add_edit.setCompleter(self.completer)
        self.add_button = QToolButton()
        self.add_button.setText("Add")
        self.add_button.setAccessibleName(f"Add {noun} to the selected photos")
        self.add_button.clicked.connect(self._add)
        self.remove_button = QToolButton()
        self.remove_button.setText("Remove")
        self.remove_button.setAccessibleName(f"Remove the chosen {plural} from the selected photos")
        self.remove_button.clicked.connect(self._remove_chosen)
        self.list.itemSelectionChanged.connect(
            lambda: self.remove_button.setEnabled(bool(self.list.selectedItems()))
        )
        self.remove_button.setEnabled(False)
        row = QHBoxLayout()
        row.setSpacing(4)
        row.addWidget(self.add_edit, 1)
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.list)
        layout.addLayout(row)

    def set_vocabulary(self, terms: list[str]) -> None:
        set_strings(self.completer, [self._to_display(t) for t in terms])

    def load(self, terms: list[tuple[str, int]], count: int) -> None:
        self._count = count
        self.list.clear()
        for term, carried in terms:
            text = self._to_display(term)
            if carried < count:
                text += f"   (on {carried:,} of {count:,})"
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, term)
            item.setData(Qt.ItemDataRole.UserRole + 1, carried)
            if carried < count:
                font = item.font()
                font.setItalic(True)
                item.setFont(font)
                item.setToolTip(f"Only on {carried:,} of the {count:,} selected photos")
            self.list.addItem(item)
        if not terms:
            empty = QListWidgetItem(self._empty_text)
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
            self.list.addItem(empty)
        self._fit_height()

    def _fit_height(self) -> None:
        # As tall as its entries, from one to six lines: no big empty box, no tiny list.
        rows = min(max(self.list.count(), 1), 6)
        row_height = max(self.list.sizeHintForRow(0), self.list.fontMetrics().height() + 4)
        self.list.setFixedHeight(rows * row_height + 2 * self.list.frameWidth() + 4)

    def show_loading(self) -> None:
        """One greyed "Loading…" line in place of the previous selection's terms; the list
        keeps its height so the panel does not jump when the values arrive."""
        self.list.clear()
        waiting = QListWidgetItem("Loading…")
        waiting.setFlags(Qt.ItemFlag.NoItemFlags)
        self.list.addItem(waiting)
        self.add_edit.clear()
        if self.list.minimumHeight() != self.list.maximumHeight():
            self._fit_height()  # never sized yet (the panel's first look): one line

    def terms(self) -> list[tuple[str, int]]:
        result = []
        for row in range(self.list.count()):
            item = self.list.item(row)
            term = item.data(Qt.ItemDataRole.UserRole)
            if term:
                result.append((str(term), int(item.data(Qt.ItemDataRole.UserRole + 1))))
        return result

    def _add(self) -> None:
        text = self.add_edit.text()
        # "Keynote, Sessions > Panel" adds two keywords; a name may contain a comma.
        parts = text.split(",") if self._several else [text]
        terms = [self._from_display(part) for part in parts if part.strip()]
        if not terms:
            return
        self.add_edit.clear()
        self.add_requested.emit(terms)

    def _remove_chosen(self) -> None:
        terms = [
            str(item.data(Qt.ItemDataRole.UserRole))
            for item in self.list.selectedItems()
            if item.data(Qt.ItemDataRole.UserRole)
        ]
        if terms:
            self.remove_requested.emit(terms)

    def _on_activated(self, item: QListWidgetItem) -> None:
        term = item.data(Qt.ItemDataRole.UserRole)
        if term and int(item.data(Qt.ItemDataRole.UserRole + 1)) < self._count:
            self.add_requested.emit([str(term)])

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress:
            if watched is self.list and event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
                self._remove_chosen()
                return True
            popup = self.completer.popup()
            if event.key() == Qt.Key.Key_Escape and (popup is None or not popup.isVisible()):
                self.add_edit.clear()
                self.cancelled.emit()
                return True
        return super().eventFilter(watched, event)


def _hint_label(text: str = "") -> QLabel:
    """Small, quieter text under a field: a hint, never the only place something is said."""
    label = QLabel(text)
    label.setWordWrap(True)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * 0.9)
    label.setFont(font)
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    return label


def _section(text: str, buddy: QWidget) -> QLabel:
    label = QLabel(text)
    label.setBuddy(buddy)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label


class MetadataPanel(QScrollArea):
    """Edits the descriptive metadata of the selected photos (see the module docstring).

    Signals:
        edit_requested(list[int], EditRequest): apply this to these photos as one step.
        done(): the user pressed Escape; focus should go back to the grid.
    """

    edit_requested = Signal(list, object)
    done = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("metadata_panel")
        self.setAccessibleName("Photo details")
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self._ids: list[int] = []
        self._waiting = False
        """Between :meth:`expect` and the summary of those photos (see :attr:`loading`)."""
        self._focus_after_loading: tuple[QWidget, QWidget | None] | None = None
        """(the panel's widget that had the focus, where disabling moved it)"""
        self._people: set[str] = set()
        self._template_preview: TemplatePreview | None = None

        self.heading = QLabel()
        heading_font = QFont(self.heading.font())
        heading_font.setPointSizeF(heading_font.pointSizeF() * 1.25)
        heading_font.setBold(True)
        self.heading.setFont(heading_font)
        self.heading.setWordWrap(True)
        self.heading.setAccessibleName("Selected photos")
        self.subheading = _hint_label()
        # Whether the files hold these values (write-back): "File: changed since written".
        self.file_state_label = _hint_label()
        self.file_state_label.setAccessibleName("Metadata in the files")
        self.file_state_label.setVisible(False)

        self.fields: dict[str, _TextField] = {}
        self.clear_buttons: dict[str, QToolButton] = {}
        for name in FIELD_LABELS:
            if name in ("caption", "alt_text"):
                plain = QPlainTextEdit()
                plain.setTabChangesFocus(True)
                lines = 4 if name == "caption" else 3
                plain.setFixedHeight(plain.fontMetrics().lineSpacing() * lines + 14)
                widget: QLineEdit | QPlainTextEdit = plain
            else:
                widget = QLineEdit()
            field = _TextField(name, widget)
            field.committed.connect(self._on_committed)
            field.cancelled.connect(self.done)
            self.fields[name] = field
        for name in ("caption", "alt_text"):
            self.fields[name].widget.setToolTip("Enter saves · Shift+Enter starts a new line")
        self.caption_edit = self.fields["caption"].widget
        self.alt_text_edit = self.fields["alt_text"].widget
        self.caption_hint = _hint_label()
        self.alt_text_hint = _hint_label()
        assert isinstance(self.caption_edit, QPlainTextEdit)
        assert isinstance(self.alt_text_edit, QPlainTextEdit)
        self.caption_edit.textChanged.connect(self._update_hints)
        self.alt_text_edit.textChanged.connect(self._update_hints)

        self.template_button = QToolButton()
        self.template_button.setText("Fill captions from a template…")
        self.template_button.setCheckable(True)
        self.template_button.setAutoRaise(True)
        self.template_button.setAccessibleName("Show caption template")
        self.template_combo = QComboBox()
        self.template_combo.setEditable(True)
        # Long templates must not widen the panel past the dock (a sideways scroll bar).
        self.template_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.template_combo.setMinimumContentsLength(12)
        self.template_combo.addItems(list(TEMPLATE_PRESETS))
        self.template_combo.setAccessibleName("Caption template")
        self.template_combo.setToolTip(
            "Variables:\n"
            + "\n".join(f"{{{k}}}  {v}" for k, v in caption_templates.VARIABLES.items())
        )
        self.template_apply = QPushButton("Fill")
        self.template_apply.setAccessibleName("Fill the captions of the selected photos")
        self.template_apply.clicked.connect(self._apply_template)
        line_edit = self.template_combo.lineEdit()
        assert line_edit is not None
        line_edit.returnPressed.connect(self._apply_template)
        line_edit.textChanged.connect(self._update_template_preview)
        self.template_help = _hint_label(
            "Variables: " + "  ".join("{" + v + "}" for v in caption_templates.VARIABLES)
        )
        self.template_help.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.template_example = _hint_label()
        template_row = QHBoxLayout()
        template_row.setSpacing(4)
        template_row.addWidget(self.template_combo, 1)
        template_row.addWidget(self.template_apply)
        self.template_box = QWidget()
        template_layout = QVBoxLayout(self.template_box)
        template_layout.setContentsMargins(0, 0, 0, 0)
        template_layout.setSpacing(2)
        template_layout.addLayout(template_row)
        template_layout.addWidget(self.template_help)
        template_layout.addWidget(self.template_example)
        self.template_box.setVisible(False)
        self.template_button.toggled.connect(self.template_box.setVisible)

        self.keywords = _TermList(
            "keyword",
            "keywords",
            placeholder="Add keyword…",
            empty_text="No keywords yet",
            to_display=keyword_to_display,
            from_display=keyword_from_display,
            several=True,
        )
        self.keywords.add_edit.setToolTip(
            "Type a keyword and press Enter; “Sessions › Panel” (or Sessions > Panel) makes a "
            "keyword inside another; commas add several at once"
        )
        self.keywords.add_requested.connect(lambda k: self._request(add_keywords=k))
        self.keywords.remove_requested.connect(lambda k: self._request(remove_keywords=k))
        self.keywords.cancelled.connect(self.done)
        self.people = _TermList(
            "person",
            "people",
            placeholder="Add person…",
            empty_text="No one tagged yet",
            to_display=str,
            from_display=lambda t: " ".join(t.split()),
        )
        self.people.add_requested.connect(lambda p: self._request(add_people=p))
        self.people.remove_requested.connect(lambda p: self._request(remove_people=p))
        self.people.cancelled.connect(self.done)
        self.people_hint = _hint_label()
        self.people_hint.setVisible(False)
        self.people.add_edit.textChanged.connect(self._update_people_hint)

        body = QWidget()
        self.form = QVBoxLayout(body)
        self.form.setContentsMargins(12, 10, 12, 12)
        self.form.setSpacing(4)
        self.form.addWidget(self.heading)
        self.form.addWidget(self.subheading)
        self.form.addWidget(self.file_state_label)
        self._add_row("&Caption", "caption", self.caption_hint)
        self.form.addWidget(self.template_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.form.addWidget(self.template_box)
        self._add_row("&Alt text", "alt_text", self.alt_text_hint)
        self._add_row("&Title", "title")
        self._add_row("&Headline", "headline")
        self.form.addSpacing(8)
        self.form.addWidget(_section("&Keywords", self.keywords.add_edit))
        self.form.addWidget(self.keywords)
        self.form.addSpacing(8)
        self.form.addWidget(_section("&People shown", self.people.add_edit))
        self.form.addWidget(self.people)
        self.form.addWidget(self.people_hint)
        self.form.addSpacing(8)
        self._add_row("C&reator", "creator")
        self._add_row("Cre&dit line", "credit")
        self._add_row("Cop&yright", "copyright")
        self.form.addStretch(1)
        self.empty_label = QLabel("Select one or more photos to see and edit their details.")
        self.empty_label.setWordWrap(True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.form.insertWidget(2, self.empty_label)
        self.setWidget(body)
        body.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(260)
        # Until the window tells it which photos are selected (after its first paint), the
        # panel is waiting for them, like after any selection change.
        self._show_loading("", None)

    def _add_row(self, label: str, name: str, hint: QLabel | None = None) -> None:
        self.form.addSpacing(6)
        self.form.addWidget(_section(label, self.fields[name].widget))
        self.form.addWidget(self.fields[name].widget)
        clear = QToolButton()
        clear.setAutoRaise(True)
        clear.setVisible(False)
        clear.setAccessibleName(f"Clear {FIELD_LABELS[name].lower()} on all selected photos")
        clear.setToolTip("The selected photos differ here; this empties it on every one of them")
        clear.clicked.connect(lambda: self._clear_on_all(name))
        self.clear_buttons[name] = clear
        self.form.addWidget(clear, 0, Qt.AlignmentFlag.AlignLeft)
        if hint is not None:
            self.form.addWidget(hint)

    # --- showing the selection --------------------------------------------------------------

    @property
    def photo_ids(self) -> list[int]:
        """The photos an edit from this panel applies to."""
        return list(self._ids)

    def set_vocabulary(
        self,
        keywords: list[str],
        people: list[str],
        template_preview: TemplatePreview | None = None,
    ) -> None:
        """Autocomplete from the project's keywords and the register's names.

        ``template_preview(photo_id, template) -> str`` fills a template for the example line.
        """
        self.keywords.set_vocabulary(keywords)
        self.people.set_vocabulary(people)
        self._people = {p.casefold() for p in people}
        if template_preview is not None:
            self._template_preview = template_preview

    @property
    def loading(self) -> bool:
        """The selection changed and its values are still being read (the fields are empty
        and disabled meanwhile)."""
        return self._waiting

    def expect(self, photo_ids: list[int], name: str = "") -> None:
        """The selection changed and its summary is being read (on the catalog thread): from
        now on an edit applies to these photos. Text typed for the previous ones is committed
        to them first. Until :meth:`show_summary` brings their values, the panel says it is
        loading: no field shows (or lets anyone edit) the previous selection's values.
        ``name`` is the file name of a single photo, if already known, for the heading."""
        if list(photo_ids) == self._ids:
            return
        self.commit_pending()
        self._ids = list(photo_ids)
        if self._ids:
            self._show_loading(name, len(self._ids))
        else:
            self.show_summary([], SelectionSummary(0))

    def _show_loading(self, name: str, count: int | None) -> None:
        """``count`` None: not even the number of photos is known yet."""
        self._waiting = True
        focus = QApplication.focusWidget()
        for widget in self._editors():
            widget.setEnabled(False)
        if focus is not None and self.isAncestorOf(focus):
            # Disabling moved the focus on; it comes back when the values are in, unless
            # the user has put it somewhere else meanwhile.
            self._focus_after_loading = (focus, QApplication.focusWidget())
        self.empty_label.setVisible(False)
        if count is None:
            self.heading.setText("Reading the details…")
            self.subheading.setText("")
        else:
            self.heading.setText(
                (name or "1 photo") if count == 1 else f"{count:,} photos selected"
            )
            self.subheading.setText("Reading the details…")
        for field in self.fields.values():
            field.show_loading()
        for button in self.clear_buttons.values():
            button.setVisible(False)
        self.keywords.show_loading()
        self.people.show_loading()
        self.show_write_state("")
        self.template_example.setText("")
        self._update_hints()

    def commit_pending(self) -> None:
        """Save text typed but not yet committed, to the photos it was typed for.

        Called before the selection's summary is read (so the summary includes it) and
        before the window closes its project (so the text is not lost)."""
        for field in self.fields.values():
            field.commit()

    def show_summary(self, photo_ids: list[int], summary: SelectionSummary, name: str = "") -> bool:
        """Show what the selected photos have in common; keep fields being typed into.

        The photos must be the ones announced with :meth:`expect`: a summary of any other
        photos arrived late (the selection moved on since it was asked for) and is ignored,
        so it can never overwrite the current selection's values. Returns whether it was
        shown."""
        if list(photo_ids) != self._ids:
            return False
        self._waiting = False
        count = summary.count
        has_photos = count > 0
        for widget in self._editors():
            widget.setEnabled(has_photos)
        self.empty_label.setVisible(not has_photos)
        if count == 0:
            self.heading.setText("No photo selected")
            self.subheading.setText("")
        elif count == 1:
            self.heading.setText(name or "1 photo")
            self.subheading.setText("Changes are saved as you leave each field.")
        else:
            self.heading.setText(f"{count:,} photos selected")
            self.subheading.setText(
                "A change to a field applies to all of them; fields you leave alone stay as "
                "they are."
            )
        for field_name, field in self.fields.items():
            if field.dirty and field.widget.hasFocus():
                continue
            info = summary.fields.get(field_name)
            field.load(info.value if info is not None else "", count)
        for field_name, button in self.clear_buttons.items():
            button.setText(f"Clear on all {count:,} photos")
            button.setVisible(self.fields[field_name].mixed)
        self.keywords.load(summary.keywords, count)
        self.people.load(summary.people, count)
        self._update_hints()
        self._update_template_preview()
        if self._focus_after_loading is not None:
            (focus, moved_to), self._focus_after_loading = self._focus_after_loading, None
            if QApplication.focusWidget() is moved_to and focus.isEnabled():
                focus.setFocus(Qt.FocusReason.OtherFocusReason)
        return True

    def show_write_state(self, text: str, tooltip: str = "") -> None:
        """Say whether the selected photos' files hold what is shown here ("" hides it)."""
        self.file_state_label.setText(text)
        # "Changed since written" asks for an action: full text colour, not the hint's.
        self.file_state_label.setForegroundRole(
            QPalette.ColorRole.WindowText if "✎" in text else QPalette.ColorRole.PlaceholderText
        )
        self.file_state_label.setToolTip(tooltip)
        self.file_state_label.setAccessibleDescription(text)
        self.file_state_label.setVisible(bool(text))

    def _editors(self) -> list[QWidget]:
        return [
            *(f.widget for f in self.fields.values()),
            self.keywords,
            self.people,
            self.template_button,
            self.template_box,
        ]

    # --- hints ----------------------------------------------------------------------------

    def _update_hints(self) -> None:
        assert isinstance(self.caption_edit, QPlainTextEdit)
        assert isinstance(self.alt_text_edit, QPlainTextEdit)
        caption = len(self.caption_edit.toPlainText().strip())
        self.caption_hint.setText(
            f"{caption:,} characters · a caption can be as long as it needs"
            if caption
            else "A caption can be long: who, what, where."
        )
        alt = len(self.alt_text_edit.toPlainText().strip())
        if alt == 0:
            self.alt_text_hint.setText(
                f"Alt text is short: what the image shows, in under {ALT_TEXT_LIMIT} characters"
            )
        elif alt > ALT_TEXT_LIMIT:
            self.alt_text_hint.setText(
                f"⚠ {alt} characters — too long: keep alt text under {ALT_TEXT_LIMIT}, "
                "put the rest in the caption"
            )
            self.alt_text_hint.setAccessibleDescription("Alt text is too long")
        else:
            self.alt_text_hint.setText(
                f"{alt} of {ALT_TEXT_LIMIT} characters · short: what the image shows"
            )
            self.alt_text_hint.setAccessibleDescription("")
        # The warning sign and the words carry the message; the colour only adds to it.
        self.alt_text_hint.setStyleSheet("color: #c5221f;" if alt > ALT_TEXT_LIMIT else "")

    def _update_people_hint(self, text: str) -> None:
        name = " ".join(text.split())
        if name and name.casefold() not in self._people:
            self.people_hint.setText(
                f"“{name}” is not in the register yet: adding them creates a person with "
                "consent unknown."
            )
        else:
            self.people_hint.setText("")
        self.people_hint.setVisible(bool(self.people_hint.text()))

    def _update_template_preview(self, *_args: object) -> None:
        template = self.template_combo.currentText().strip()
        if not self._ids or not template or self._template_preview is None:
            self.template_example.setText("")
            return
        try:
            example = self._template_preview(self._ids[0], template)
        except GalleryError as exc:
            self.template_example.setText(f"⚠ {exc}")
            self.template_apply.setEnabled(False)
            return
        self.template_apply.setEnabled(True)
        more = f" (and {len(self._ids) - 1:,} more, each its own)" if len(self._ids) > 1 else ""
        self.template_example.setText(f"e.g. “{example}”{more}")

    # --- editing ----------------------------------------------------------------------------

    def _on_committed(self, name: str, text: str) -> None:
        self._request(**{name: text})

    def _clear_on_all(self, name: str) -> None:
        """Empty one field on every selected photo, as one undo step."""
        field = self.fields[name]
        field.revert()  # typed text in the box is replaced by the clearing, not saved first
        self._request(**{name: ""})

    def _apply_template(self) -> None:
        template = self.template_combo.currentText().strip()
        if template and self.template_apply.isEnabled():
            self._request(templates={"caption": template})

    def _request(self, **changes: Any) -> None:
        if self._ids:
            self.edit_requested.emit(list(self._ids), EditRequest(**changes))

    def focus_field(self, name: str) -> None:
        """Put the cursor in one field (``"caption"``, ``"keywords"``, ``"people"``...)."""
        if name == "keywords":
            self.keywords.add_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        elif name == "people":
            self.people.add_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        else:
            self.fields[name].widget.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.ensureWidgetVisible(self.focusWidget() or self)
