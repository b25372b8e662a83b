"""The Export dialog: choose what and how, see what consent lets out, then export.

The export is where consent stops being advice, so the dialog shows the core's plan
(:func:`plan_export`) *before* anything is written: how many photos go out and every photo
left out with the reasons in words. A photo that needs review may go out if the user gives a
reason (recorded in the audit log by the core when the export starts); a blocked or rejected
photo cannot, and the dialog says so instead of offering it. The export itself runs on a
worker thread (:class:`BackgroundJob`) with progress and a Stop button; at the end the
gallery, the folder or the report opens in the system's browser or file manager.

Every catalog read and write of the dialog runs on the main window's catalog thread, the only
one that touches the catalog: the plan (in parts of a couple of thousand photos, one short unit
each, put together here) and the album choices are submitted there and come back by callback,
and the export's own units of catalog work are queued there by its job.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from html import escape
from pathlib import Path

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    Qt,
    QTimer,
    QUrl,
    Signal,
)
from PySide6.QtGui import QDesktopServices, QFont, QIcon, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from gallery_app.core.catalog.access import CatalogAccess
from gallery_app.core.errors import GalleryError
from gallery_app.core.export.exporter import (
    PLAN_PART_SIZE,
    ExportPlan,
    ExportSummary,
    export,
    plan_parts,
)
from gallery_app.core.export.presets import Preset, available_presets
from gallery_app.core.export.selection import album_parents
from gallery_app.core.progress import CancelToken, ProgressCallback, ProgressEvent
from gallery_app.core.project import Project
from gallery_app.gui import messages
from gallery_app.gui.catalog_thread import CatalogThread
from gallery_app.gui.dialog_parts import (
    FailureList,
    JobDialog,
    Pages,
    ask_job_to_stop,
    cancel_and_wait,
    count,
    heading,
    hint,
    page_layout,
    sentence,
    start_cancel_buttons,
    stop_button,
)
from gallery_app.gui.export_plan import (
    LEFT_OUT_TEXT,
    THUMBNAIL,
    USE_WORDS,
    LeftOut,
    LeftOutModel,
    OverrideDialog,
    boxed,
    id_ranges,
    merge_parts,
    plan_with_names,
)
from gallery_app.gui.jobs import BackgroundJob
from gallery_app.gui.thumbnail_loader import ThumbnailLoader

PRESET_TITLES = {
    "website": "Website gallery",
    "cms": "Images for a website (CMS)",
    "social": "Social media",
    "archive": "Archive, full resolution",
}


def open_in_browser(path: Path) -> bool:
    """Open a file or folder with the system's default application (tests replace this)."""
    return bool(QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))))


def choose_destination(parent: QWidget | None, start: Path) -> Path | None:
    """Ask for the export folder (tests replace this)."""
    folder = QFileDialog.getExistingDirectory(parent, "Export into this folder", str(start))
    return Path(folder) if folder else None


def ask_override_reason(parent: QWidget | None, photos: int, use: str) -> str | None:
    """The reason for exporting needs-review photos anyway, or None (tests replace this)."""
    dialog = OverrideDialog(photos, use, parent)
    if dialog.exec() == QDialog.DialogCode.Accepted and dialog.reason():
        return dialog.reason()
    return None


PLAN_DEBOUNCE_MS = 200
"""How long the plan waits for the user to stop changing things (culling keys, presets)."""


class _Wanted:
    """The plan the dialog wants now, readable from the catalog thread: a plan that waited
    in the queue while the user changed something is skipped instead of computed."""

    def __init__(self) -> None:
        self.generation = 0


class ExportDialog(JobDialog):
    """Choose preset, photos and folder; review the plan; export with progress; open it."""

    PLAN_PART_SIZE = PLAN_PART_SIZE
    """Photos per unit of catalog work while the plan is made (about 0.1 s each)."""

    show_photo_requested = Signal(int)
    """The user wants to see (and fix) a left-out photo in the main window's grid."""
    verdicts_changed = Signal(list)
    """Ids of photos whose consent verdict the export changed (overrides the user gave), so
    the grid's badges can be repainted; sent when the export ends, however it ends."""

    def __init__(
        self,
        project: Project,
        selected_ids: list[int],
        parent: QWidget | None = None,
        *,
        workers: int | None = None,
        today: dt.date | None = None,
        catalog: CatalogThread,
    ) -> None:
        super().__init__(parent)
        self.project = project
        """For its folders only: the catalog is reached through ``catalog``."""
        self._catalog = catalog
        """The main window's catalog thread: the plan, the album choices, the export."""
        self.selected_ids = list(selected_ids)
        self.workers = workers
        self._today = today
        self.job: BackgroundJob | None = None
        self.plan: ExportPlan | None = None
        self.summary: ExportSummary | None = None
        self.overrides: dict[int, str] = {}
        self._destination_edited = False
        self._plan_generation = 0
        self._wanted = _Wanted()
        self._plans_in_flight = 0
        """Plans submitted to the catalog thread whose answer has not come back."""
        self._closing = False
        # Every edit on the main window's undo stack asks for a new plan: wait for a pause.
        self._plan_timer = QTimer(self)
        self._plan_timer.setSingleShot(True)
        self._plan_timer.setInterval(PLAN_DEBOUNCE_MS)
        self._plan_timer.timeout.connect(self._start_plan)
        self._plan_error: str | None = None
        self._planning = False
        self._focus_photo: int | None = None
        """The left-out photo the user last looked at; found again after each new plan."""
        self._plan_use = ""
        self.setWindowTitle("Export")
        self.setAccessibleName("Export")
        self.setMinimumWidth(720)
        self.resize(780, 620)
        try:
            self.presets = available_presets(project.root)
        except GalleryError as exc:  # a broken preset file in the project
            messages.show_error(self, "An export preset cannot be read", str(exc))
            self.presets = available_presets(None)

        self.pages = Pages()
        self.pages.add_page(self._build_setup_page())
        self.pages.add_page(self._build_progress_page())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.addWidget(self.pages)
        self._preset_chosen()

    # --- setup page ------------------------------------------------------------------

    def _build_setup_page(self) -> QWidget:
        page = QWidget()
        self.preset_combo = QComboBox()
        self.preset_combo.setAccessibleName("Export as")
        ordered = [n for n in PRESET_TITLES if n in self.presets]
        ordered += sorted(n for n in self.presets if n not in PRESET_TITLES)
        for name in ordered:
            self.preset_combo.addItem(PRESET_TITLES.get(name, name.capitalize()), name)
        self.preset_combo.currentIndexChanged.connect(self._preset_chosen)
        self.preset_hint = hint("")

        self.scope_combo = QComboBox()
        self.scope_combo.setAccessibleName("Which photos")
        if self.selected_ids:
            self.scope_combo.addItem(
                f"The {count(len(self.selected_ids), 'selected photo')}", "selected"
            )
        self.scope_combo.addItem("Picked photos only", "picked")
        self.scope_combo.addItem("All photos", "all")
        if len(self.selected_ids) <= 1:
            self.scope_combo.setCurrentIndex(self.scope_combo.findData("all"))
        self.scope_combo.currentIndexChanged.connect(self.refresh_plan)

        self.destination_edit = QLineEdit()
        self.destination_edit.setAccessibleName("Export into this folder")
        self.destination_edit.textEdited.connect(self._destination_typed)
        browse = QPushButton("Choose…")
        browse.setAccessibleName("Choose the export folder")
        browse.clicked.connect(self._browse)
        destination_row = QHBoxLayout()
        destination_row.addWidget(self.destination_edit, 1)
        destination_row.addWidget(browse)
        self.zip_check = QCheckBox("Also make a &zip of the large images for download")
        self.zip_check.setAccessibleName("Also make a zip")
        self.albums_combo = QComboBox()
        self.albums_combo.setAccessibleName("Albums")
        self.albums_combo.addItem("One album with every photo", None)
        self._album_choices = 0
        self.albums_combo.setToolTip(
            "Give photos hierarchical keywords such as Sessions › Keynote to split the gallery"
        )
        self.zip_check.toggled.connect(self._update_albums)
        # The choices come from the catalog thread (before the first plan, which waits for
        # its debounce); a convenience, so a failure just leaves the one album.
        self._catalog.submit(
            lambda p: album_parents(p.conn), self._albums_ready, lambda _message: None
        )

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setVerticalSpacing(8)
        preset_box = QVBoxLayout()
        preset_box.setSpacing(2)
        preset_box.addWidget(self.preset_combo)
        preset_box.addWidget(self.preset_hint)
        label = QLabel("&Export as:")
        label.setBuddy(self.preset_combo)
        form.addRow(label, preset_box)
        label = QLabel("&Photos:")
        label.setBuddy(self.scope_combo)
        form.addRow(label, self.scope_combo)
        label = QLabel("&Save in:")
        label.setBuddy(self.destination_edit)
        form.addRow(label, destination_row)
        label = QLabel("A&lbums:")
        label.setBuddy(self.albums_combo)
        form.addRow(label, self.albums_combo)
        form.addRow("", self.zip_check)

        self.plan_title = QLabel()
        self.plan_title.setAccessibleName("What will be exported")
        self.plan_title.setWordWrap(True)
        font = QFont(self.plan_title.font())
        font.setPointSizeF(font.pointSizeF() * 1.15)
        font.setBold(True)
        self.plan_title.setFont(font)
        self.plan_detail = hint("")
        self.thumbnails = ThumbnailLoader(self, threads=1, cache_size=300)
        self._hashes: dict[int, str] = {}
        self._icons: OrderedDict[int, QIcon] = OrderedDict()
        self.left_out_model = LeftOutModel(self, self._thumbnail)
        self.thumbnails.thumbnail_ready.connect(self.left_out_model.thumbnail_loaded)
        self.left_out_view = QTableView()
        self.left_out_view.setAccessibleName("Photos left out, with the reasons")
        self.left_out_view.setModel(self.left_out_model)
        self.left_out_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.left_out_view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.left_out_view.setAlternatingRowColors(True)
        self.left_out_view.setWordWrap(False)
        self.left_out_view.verticalHeader().setVisible(False)
        self.left_out_view.setIconSize(THUMBNAIL)
        self.left_out_view.verticalHeader().setDefaultSectionSize(THUMBNAIL.height() + 8)
        # Column widths from the font, not ResizeToContents: that reads ~1,000 rows on every
        # new plan (250 ms for 10,000 left-out photos, measured).
        header = self.left_out_view.horizontalHeader()
        metrics = self.left_out_view.fontMetrics()
        samples = {
            0: ["20260514-100000-0001.jpg"],
            1: [*LEFT_OUT_TEXT.values(), LeftOutModel.COLUMNS[1]],
            3: ["Left out · may go with a reason"],
        }
        for column, texts in samples.items():
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            width = max(metrics.horizontalAdvance(t) for t in texts) + 24
            header.resizeSection(column, width + (THUMBNAIL.width() + 6 if column == 0 else 0))
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.left_out_view.selectionModel().selectionChanged.connect(self._update_buttons)
        self.left_out_view.selectionModel().currentChanged.connect(self._show_reasons)
        self.left_out_view.activated.connect(self._show_in_grid)
        self.left_out_view.installEventFilter(self)
        self.left_out_view.setToolTip(
            "Double-click or press Enter to show the photo in the main window, where you can "
            "tag who is in it"
        )
        self.reasons_label = QLabel()
        self.reasons_label.setAccessibleName("Why the current photo is left out")
        self.reasons_label.setWordWrap(True)
        self.reasons_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.override_button = QPushButton("Export &anyway…")
        self.override_button.setAccessibleName("Export the chosen photos anyway, with a reason")
        self.override_button.clicked.connect(self.override_selected)
        self.keep_out_button = QPushButton("&Keep left out")
        self.keep_out_button.setAccessibleName("Keep the chosen photos left out")
        self.keep_out_button.clicked.connect(self.keep_selected_out)
        override_row = QHBoxLayout()
        self.override_hint = hint(
            "Blocked and rejected photos never go out. A photo that needs review can, with "
            "your reason."
        )
        override_row.addWidget(self.override_hint, 1)
        override_row.addWidget(self.keep_out_button)
        override_row.addWidget(self.override_button)

        self.export_button, buttons = start_cancel_buttons(
            "Export", "Start the export", "Close without exporting", self.start, self.reject
        )

        layout = page_layout(page)
        layout.addWidget(heading("Export photos"))
        layout.addLayout(form)
        layout.addSpacing(6)
        layout.addWidget(self.plan_title)
        layout.addWidget(self.plan_detail)
        layout.addWidget(self.left_out_view, 1)
        layout.addWidget(self.reasons_label)
        layout.addLayout(override_row)
        layout.addSpacing(4)
        layout.addLayout(buttons)
        return page

    def _albums_ready(self, parents: list[tuple[str, int]]) -> None:
        if self._closing:
            return
        for parent, albums in parents:
            title = parent.replace("|", " › ")
            self.albums_combo.addItem(
                f"One album per {title} keyword ({count(albums, 'album')}, plus "
                "“More photos” for the rest)",
                parent,
            )
        self._album_choices = len(parents)
        if parents:
            self.albums_combo.setToolTip(
                "Each album is a page of its own in the gallery (and a zip, if you ask for zips)"
            )
        self._update_albums()

    def preset(self) -> Preset:
        return self.presets[str(self.preset_combo.currentData())]

    def destination(self) -> Path:
        return Path(self.destination_edit.text().strip()).expanduser()

    def select_text(self) -> str | None:
        """The core's selection for the chosen photos (``None``: all of them)."""
        scope = self.scope_combo.currentData()
        if scope == "selected" and self.selected_ids:
            return f"ids={id_ranges(self.selected_ids)}"
        if scope == "picked":
            return "picked"
        return None

    def _preset_chosen(self) -> None:
        preset = self.preset()
        use = USE_WORDS.get(preset.use, preset.use)
        self.preset_hint.setText(f"{sentence(preset.description)}. Consent is checked for {use}.")
        self._update_albums()
        if not self._destination_edited:
            self.destination_edit.setText(str(self.project.exports_dir / preset.name))
        self.refresh_plan()

    def _update_albums(self, *_args: object) -> None:
        """Albums are pages of a gallery, or zips: other presets have nothing to split."""
        useful = self.preset().site or self.zip_check.isChecked()
        self.albums_combo.setEnabled(useful and self._album_choices > 0)

    def _destination_typed(self) -> None:
        self._destination_edited = True
        self._update_buttons()

    def _browse(self) -> None:
        folder = choose_destination(self, self.destination())
        if folder is not None:
            self.destination_edit.setText(str(folder))
            self._destination_edited = True
            self._update_buttons()

    def refresh_plan(self, *_args: object) -> None:
        """Ask the core, on the catalog thread, which photos would go out and which not.

        The consent verdicts of 20,000 photos take a second or more on a loaded machine, too
        long for the GUI thread on every change of preset or photos, and too long for one unit
        on the catalog thread, so the plan is made in parts of :attr:`PLAN_PART_SIZE` photos.
        Requests are debounced (a burst of culling keys makes one plan); a plan (or a part)
        still waiting in the catalog thread's queue when a newer one is wanted is skipped
        there, and a stale answer is dropped here, ending that plan.
        """
        self._plan_generation += 1
        self._wanted.generation = self._plan_generation
        self._planning = True
        self._plan_error = None
        if self.plan is None:
            self.plan_title.setText("Checking consent…")
            self.plan_detail.setText("Nothing is written until you press Export.")
        else:  # keep the last plan on screen (no flicker while the user culls), say it updates
            self.plan_detail.setText("Checking again…")
        self._update_buttons()
        self._plan_timer.start()

    def _start_plan(self) -> None:
        """The plan in parts, each its own unit on the catalog thread
        (:meth:`CatalogThread.submit_in_parts`): the grid's reads and the user's culling queued
        meanwhile run between two parts, and a plan superseded by a newer one stops at its
        next part, also while it waits in the queue."""
        if self._closing:
            return
        generation = self._plan_generation
        preset, select, today = self.preset(), self.select_text(), self._today
        wanted, size = self._wanted, self.PLAN_PART_SIZE

        def still_wanted() -> bool:  # read on the catalog thread too: a plain int
            return wanted.generation == generation

        def ready(parts: list[tuple[ExportPlan, list[LeftOut]]]) -> None:
            self._plans_in_flight -= 1
            self._plan_ready(generation, preset, merge_parts(preset, parts))

        def dropped() -> None:
            self._plans_in_flight -= 1  # the user changed the preset or the photos meanwhile

        self._plans_in_flight += 1
        self._catalog.submit_in_parts(
            lambda project: plan_parts(project.conn, select, size),
            lambda project, ids: plan_with_names(project, preset, select, today, ids),
            ready,
            lambda message: self._plan_failed(generation, message),
            wanted=still_wanted,
            on_dropped=dropped,
        )

    def plans_in_flight(self) -> int:
        """Plans asked of the catalog thread whose answer has not arrived (tests wait)."""
        return self._plans_in_flight

    def is_planning(self) -> bool:
        """True until the plan for the current choices is shown."""
        return self._planning

    def _plan_failed(self, generation: int, message: str) -> None:
        self._plans_in_flight -= 1
        if self._closing or generation != self._plan_generation:
            return
        self._planning = False
        self.plan = None
        self._plan_error = message
        self.plan_title.setText("The export cannot be planned")
        self.plan_detail.setText(sentence(message))
        self.left_out_model.set_rows([], {})
        self._update_buttons()

    def _plan_ready(
        self, generation: int, preset: Preset, result: tuple[ExportPlan, list[LeftOut]]
    ) -> None:
        if self._closing or generation != self._plan_generation:
            return  # the user changed the preset or the photos meanwhile
        plan, left_out = result
        self._hashes.update({r.photo_id: r.content_hash for r in left_out if r.content_hash})
        self._planning = False
        if preset.use != self._plan_use:
            self.overrides = {}  # an override is for one use; another preset may need another
        self._plan_use = preset.use
        self.plan = plan
        reviewable = {row.photo_id for row in left_out if row.can_override}
        self.overrides = {k: v for k, v in self.overrides.items() if k in reviewable}
        keep = self._focus_photo
        self.left_out_model.set_rows(left_out, self.overrides)
        if keep is not None:
            rows = [r for r, item in enumerate(left_out) if item.photo_id == keep]
            if rows:  # the plan was checked again: stay on the photo the user was looking at
                self.left_out_view.setCurrentIndex(self.left_out_model.index(rows[0], 0))
        self._update_plan_text()
        self._show_reasons()

    def going_out(self) -> int:
        return len(self.plan.exported) + len(self.overrides) if self.plan is not None else 0

    def _update_plan_text(self) -> None:
        if self.plan is None:
            return
        total = len(self.plan.photos)
        out = self.going_out()
        left = total - out
        if total == 0:
            self.plan_title.setText("No photos to export")
            self.plan_detail.setText(
                "Nothing matches this choice. Pick photos with P in the grid, or choose All photos."
            )
        else:
            title = f"✓ {count(out, 'photo')} will be exported" if out else "No photos go out"
            if left:
                title += f"  ·  ✕ {left} left out"
            self.plan_title.setText(title)
            counts: dict[str, int] = {}
            for row in range(self.left_out_model.rowCount()):
                item = self.left_out_model.left_out(row)
                if item.photo_id not in self.overrides:
                    counts[item.verdict] = counts.get(item.verdict, 0) + 1
            details = []
            if counts.get("blocked"):
                details.append(f"{counts['blocked']} blocked by consent")
            if counts.get("needs_review"):
                details.append(f"{counts['needs_review']} need review")
            if counts.get("rejected"):
                details.append(f"{counts['rejected']} rejected while culling")
            if self.overrides:
                details.append(f"{len(self.overrides)} going out with your reason")
            text = " · ".join(details) + ". " if details else "Every chosen photo is cleared. "
            if self.scope_combo.currentData() == "picked" and all(
                p.rejected for p in self.plan.photos
            ):
                text += "No photo is picked yet: press P on a photo in the grid to pick it. "
            self.plan_detail.setText(text + "Nothing is written until you press Export.")
        has_left_out = self.left_out_model.rowCount() > 0
        self.left_out_view.setVisible(has_left_out)
        self.override_hint.setVisible(has_left_out)
        self.reasons_label.setVisible(has_left_out)
        self.override_button.setVisible(has_left_out)
        self.keep_out_button.setVisible(has_left_out)
        self._update_buttons()

    def _thumbnail(self, photo_id: int) -> QIcon | None:
        """The thumbnail as an icon, or None while it loads (only rows on screen ask)."""
        icon = self._icons.get(photo_id)
        if icon is not None:
            return icon
        pixmap = self.thumbnails.pixmap(photo_id)
        if pixmap is not None:
            icon = QIcon(boxed(pixmap, THUMBNAIL))
            self._icons[photo_id] = icon
            while len(self._icons) > 300:
                self._icons.popitem(last=False)
            return icon
        if self.thumbnails.is_missing(photo_id):
            return None
        content_hash = self._hashes.get(photo_id)  # read with the plan, on the catalog thread
        if content_hash is not None:
            self.thumbnails.request(photo_id, self.project.cache_dir, content_hash)
        return None

    def _show_in_grid(self, index: QModelIndex) -> None:
        if index.isValid():
            self.show_photo_requested.emit(self.left_out_model.left_out(index.row()).photo_id)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        # Enter on a row shows that photo; it must not also press the default Export button.
        if (
            watched is self.left_out_view
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        ):
            self._show_in_grid(self.left_out_view.currentIndex())
            return True
        return super().eventFilter(watched, event)

    def _show_reasons(self, *_args: object) -> None:
        """The current row's reasons in full (the table cell is cut to one line)."""
        index = self.left_out_view.currentIndex()
        if not index.isValid() or index.row() >= self.left_out_model.rowCount():
            self.reasons_label.setText("")
            return
        item = self.left_out_model.left_out(index.row())
        self._focus_photo = item.photo_id
        text = f"<b>{escape(item.filename)}</b>: {escape(sentence('; '.join(item.reasons)))}."
        reason = self.overrides.get(item.photo_id)
        if reason is not None:
            text += f" Goes out with your reason: {escape(reason)}."
        self.reasons_label.setText(text)

    def _chosen_left_out(self) -> list[LeftOut]:
        rows = sorted({ix.row() for ix in self.left_out_view.selectionModel().selectedRows()})
        return [self.left_out_model.left_out(r) for r in rows]

    def _update_buttons(self, *_args: object) -> None:
        chosen = self._chosen_left_out()
        self.override_button.setEnabled(
            any(c.can_override and c.photo_id not in self.overrides for c in chosen)
        )
        self.keep_out_button.setEnabled(any(c.photo_id in self.overrides for c in chosen))
        if chosen and not any(c.can_override for c in chosen):
            self.override_button.setToolTip(
                "Blocked and rejected photos cannot be exported, whatever the reason."
            )
        else:
            self.override_button.setToolTip("")
        out = self.going_out()
        self.export_button.setText(f"Export {count(out, 'photo')}" if out else "Export")
        self.export_button.setEnabled(
            out > 0 and not self._planning and bool(self.destination_edit.text().strip())
        )

    def override_selected(self) -> None:
        """Let the chosen needs-review photos go out, with one reason the user types."""
        chosen = [
            c
            for c in self._chosen_left_out()
            if c.can_override and c.photo_id not in self.overrides
        ]
        if not chosen:
            return
        reason = ask_override_reason(self, len(chosen), self.preset().use)
        if not reason:
            return
        for item in chosen:
            self.overrides[item.photo_id] = reason
        self.left_out_model.overrides_changed()
        self._update_plan_text()
        self._show_reasons()

    def keep_selected_out(self) -> None:
        for item in self._chosen_left_out():
            self.overrides.pop(item.photo_id, None)
        self.left_out_model.overrides_changed()
        self._update_plan_text()
        self._show_reasons()

    # --- progress and result page ----------------------------------------------------

    def _build_progress_page(self) -> QWidget:
        page = QWidget()
        self.progress_title = heading("Exporting…")
        self.progress_bar = QProgressBar()
        self.progress_bar.setAccessibleName("Export progress")
        self.status_label = QLabel()
        self.status_label.setAccessibleName("Export status")
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.failure_list = FailureList(
            self.pages,
            accessible_name="Photos that could not be exported",
            headers=["Photo", "What went wrong"],
            noun="photo",
            outcome="could not be exported",
        )
        self.failures_label = self.failure_list.label
        self.failures = self.failure_list.tree

        self.stop_button = stop_button("&Stop export", "Stop the export", self.stop)
        self.open_gallery_button = QPushButton("Open &gallery")
        self.open_gallery_button.setAccessibleName("Open the gallery in the browser")
        self.open_gallery_button.clicked.connect(self.open_gallery)
        self.open_folder_button = QPushButton("Open &folder")
        self.open_folder_button.setAccessibleName("Open the export folder")
        self.open_folder_button.clicked.connect(self.open_folder)
        self.open_report_button = QPushButton("Open &report")
        self.open_report_button.setAccessibleName("Open the export report in the browser")
        self.open_report_button.clicked.connect(self.open_report)
        self.close_button = QPushButton("Close")
        self.close_button.setAccessibleName("Close the export window")
        self.close_button.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_report_button)
        buttons.addStretch(1)
        buttons.addWidget(self.stop_button)
        buttons.addWidget(self.open_folder_button)
        buttons.addWidget(self.open_gallery_button)
        buttons.addWidget(self.close_button)
        for button in (
            self.open_gallery_button,
            self.open_folder_button,
            self.open_report_button,
            self.close_button,
        ):
            button.setVisible(False)

        layout = page_layout(page)
        layout.addWidget(self.progress_title)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.status_label)
        layout.addWidget(self.failures_label)
        layout.addWidget(self.failures, 1)
        layout.addStretch(0)
        layout.addLayout(buttons)
        return page

    def start(self) -> None:
        """Export as planned (with the overrides), on a worker thread."""
        if self.job is not None or self._planning or self.plan is None or self.going_out() == 0:
            return
        preset_name = self.preset().name
        out_dir = self.destination()
        select = self.select_text()
        overrides = sorted(self.overrides.items())
        make_zip = self.zip_check.isChecked()
        album_keyword = self.albums_combo.currentData()
        workers, today, project = self.workers, self._today, self.project

        def work(
            access: CatalogAccess, progress: ProgressCallback, cancel: CancelToken
        ) -> ExportSummary:
            return export(
                project,
                out_dir,
                access=access,
                preset_name=preset_name,
                select=select,
                overrides=overrides,
                make_zip=make_zip,
                album_keyword=album_keyword,
                progress=progress,
                cancel=cancel,
                workers=workers,
                today=today,
            )

        self.job = BackgroundJob(self._catalog.access(), work, self)
        self.job.progress.connect(self._on_progress)
        self.job.succeeded.connect(self._on_succeeded)
        self.job.failed.connect(self._on_failed)
        self.job.cancelled.connect(lambda: self._on_failed("the export was stopped"))
        self.pages.show_page(1)
        self.progress_bar.setRange(0, 0)
        self.status_label.setText("Checking consent and what changed since the last export…")
        self.stop_button.setFocus()
        self.job.start()

    def stop(self) -> None:
        ask_job_to_stop(
            self.job,
            self.stop_button,
            self.progress_title,
            self.status_label,
            "Finishing the images in hand; nothing half-written stays.",
        )

    def _on_progress(self, event: ProgressEvent) -> None:
        if event.kind == "failed":
            self._add_failure(str(event.path or ""), event.message)
        if self.job is not None and self.job.cancel_token.cancelled:
            return
        if event.total:
            self.progress_bar.setRange(0, event.total)
            self.progress_bar.setValue(event.done)
            self.progress_bar.setFormat("%v of %m")
            self.status_label.setText(
                f"Making images: {event.done} of {count(event.total, 'photo')}"
            )

    def _add_failure(self, path: str, reason: str) -> None:
        self.failure_list.add(path, sentence(reason))

    def _finish_page(self, title: str) -> None:
        self.progress_title.setText(title)
        self.stop_button.setVisible(False)
        self.close_button.setVisible(True)
        if self.progress_bar.maximum() == 0:
            self.progress_bar.setRange(0, 1)
            self.progress_bar.setValue(1)

    def _announce_overrides(self) -> None:
        if self.overrides:
            self.verdicts_changed.emit(sorted(self.overrides))

    def _on_succeeded(self, summary: ExportSummary) -> None:
        self._announce_overrides()
        self.summary = summary
        if summary.cancelled:
            title = "Export stopped"
        elif summary.failed:
            title = "Export finished, with problems"
        else:
            title = "Export finished"
        self._finish_page(title)
        if not summary.cancelled:
            self.progress_bar.setValue(self.progress_bar.maximum())
        n = len(summary.exported)
        lines = [f"{count(n, 'photo')} exported to {summary.out_dir}"]
        if summary.reused:
            lines[0] += f" ({summary.rendered} made, {summary.reused} unchanged since last time)"
        lines[0] += "."
        if summary.cancelled:
            lines = [
                "Stopped by you. The folder keeps what was there before; export again to finish."
            ]
        if summary.excluded:
            lines.append(
                f"{count(len(summary.excluded), 'photo was', 'photos were')} left out; the "
                "report lists each one with the reason."
            )
        if summary.missing_alt_text and not summary.cancelled:
            missing = count(
                len(summary.missing_alt_text), "exported photo has", "exported photos have"
            )
            lines.append(f"{missing} no alt text, so screen-reader users get no description.")
        self.status_label.setText("\n".join(lines))  # one fact per line, easy to scan
        listed = self.failure_list.count()
        for failure in summary.failed[listed:]:
            self._add_failure(failure["path"], failure["error"])
        self.pages.fit()
        gallery = Path(summary.out_dir) / "index.html"
        self.open_gallery_button.setVisible(gallery.is_file() and not summary.cancelled)
        self.open_folder_button.setVisible(True)
        self.open_report_button.setVisible(bool(summary.report_html))
        default = self.open_gallery_button if gallery.is_file() else self.close_button
        default.setDefault(True)
        default.setFocus()

    def _on_failed(self, message: str) -> None:
        self._announce_overrides()  # overrides are recorded before rendering starts
        self._finish_page("Export did not finish")
        self.status_label.setText(sentence(message))
        self.pages.fit()
        messages.show_error(self, "The export did not finish", message)

    def _open(self, path: Path, what: str) -> None:
        if not open_in_browser(path):
            messages.show_error(
                self, f"Could not open the {what}", f"no program opened {path}; open it yourself"
            )

    def open_gallery(self) -> None:
        if self.summary is not None:
            self._open(Path(self.summary.out_dir) / "index.html", "gallery")

    def open_folder(self) -> None:
        if self.summary is not None:
            self._open(Path(self.summary.out_dir), "folder")

    def open_report(self) -> None:
        if self.summary is not None and self.summary.report_html:
            self._open(Path(self.summary.report_html), "report")

    # --- closing ---------------------------------------------------------------------

    def _close_while_running(self) -> None:
        """Esc, Cancel or closing the window while exporting: stop (what is done stays)."""
        self.stop()

    def shutdown(self) -> None:
        """Stop the export and wait for its thread (the window is closing the project)."""
        self._closing = True
        self._wanted.generation = -1  # a plan still queued on the catalog thread is skipped
        self._plan_timer.stop()
        self.thumbnails.shutdown()
        cancel_and_wait(self.job)
