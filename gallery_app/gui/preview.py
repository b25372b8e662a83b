"""Full-window preview of one photo: the core's screen-size preview, then the original at 100 %.

The preview JPEG is made (or found in the cache) by :func:`make_preview` on a one-thread pool
and decoded there into a ``QImage``; the GUI thread only scales and paints. Zooming past the
preview's own resolution (to check focus or a face at 100 %) decodes the original on the same
pool and swaps it in at the same on-screen scale, so nothing jumps. A generation counter drops
a slow result when the user has already moved on with the arrow keys.

The preview is about the photo the user moved to from the moment they move (:meth:`expect`),
while its details are still being read: it shows "Loading…", not the previous photo, and a
culling key pressed meanwhile acts on the new one. It paints with the app's palette, on the
grid's background, so light and dark mode look like the rest of the app.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QPointF, QRect, QRectF, QRunnable, Qt, QThreadPool, Signal, Slot
from PySide6.QtGui import (
    QColor,
    QImage,
    QImageReader,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPixmap,
    QWheelEvent,
)
from PySide6.QtWidgets import QWidget

from gallery_app.core.errors import GalleryError
from gallery_app.core.imaging import displayed_size, load_original
from gallery_app.core.thumbnails import make_preview
from gallery_app.gui.models.photo_grid_model import FLAG_TEXT, VERDICT_TEXT, PhotoRow
from gallery_app.gui.views.thumbnail_delegate import grid_background

_FOOTER = 32
"""Height of the details line under the photo."""


class _Relay(QObject):
    loaded = Signal(int, QImage, int, int)
    """generation, the preview image, and the original's full width and height as shown"""
    failed = Signal(int, str)
    original_loaded = Signal(int, QImage)
    original_failed = Signal(int, str)


class _PreviewJob(QRunnable):
    def __init__(self, relay: _Relay, generation: int, row: PhotoRow, cache_dir: Path) -> None:
        super().__init__()
        self._relay = relay
        self._generation = generation
        self._row = row
        self._cache_dir = cache_dir

    def run(self) -> None:
        try:
            path = make_preview(
                self._row.source, self._cache_dir, self._row.content_hash, self._row.orientation
            )
        except (GalleryError, OSError, ValueError) as exc:
            self._relay.failed.emit(self._generation, _plain(exc))
            return
        reader = QImageReader(str(path))
        reader.setAutoTransform(False)  # the core's previews are already upright
        image = reader.read()
        if image.isNull():
            self._relay.failed.emit(self._generation, "the preview file could not be read")
            return
        try:
            full = displayed_size(self._row.source, self._row.orientation)
        except (GalleryError, OSError, ValueError):
            # An offline or damaged original: the preview is all there is to zoom into.
            full = (image.width(), image.height())
        self._relay.loaded.emit(self._generation, image, full[0], full[1])


class _OriginalJob(QRunnable):
    """Decode the original at full resolution (upright, sRGB) for viewing at 100 %."""

    def __init__(self, relay: _Relay, generation: int, row: PhotoRow) -> None:
        super().__init__()
        self._relay = relay
        self._generation = generation
        self._row = row

    def run(self) -> None:
        try:
            shown = load_original(self._row.source, self._row.orientation).image
        except (GalleryError, OSError, ValueError, MemoryError) as exc:
            self._relay.original_failed.emit(self._generation, _plain(exc))
            return
        data = shown.tobytes()
        image = QImage(
            data, shown.width, shown.height, 3 * shown.width, QImage.Format.Format_RGB888
        ).copy()  # the copy owns its pixels; ``data`` is freed with this frame
        self._relay.original_loaded.emit(self._generation, image)


def _plain(exc: Exception) -> str:
    if isinstance(exc, GalleryError):
        return str(exc)
    if isinstance(exc, FileNotFoundError):
        return "the original file is missing (was the drive disconnected?)"
    return "the photo could not be read"


class PreviewWidget(QWidget):
    """Shows the current photo as large as the window allows; arrows and Escape navigate."""

    next_requested = Signal()
    previous_requested = Signal()
    close_requested = Signal()
    shown = Signal(int)
    """A photo id whose preview is now painted (or whose failure message is)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName("Photo preview")
        self.setAutoFillBackground(False)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self._relay = _Relay(self)
        self._relay.loaded.connect(self._on_loaded)
        self._relay.failed.connect(self._on_failed)
        self._relay.original_loaded.connect(self._on_original_loaded)
        self._relay.original_failed.connect(self._on_original_failed)
        self._generation = 0
        self._photo_id: int | None = None
        """The photo the user is looking at: set as soon as they move to it, before its row
        (file, rating...) has been read, so a culling key always acts on it."""
        self._row: PhotoRow | None = None
        self._pixmap: QPixmap | None = None
        self._message = ""
        self._position = ""
        self._zoom: float | None = None
        """None: fit the window; else screen pixels per pixel of the original (1.0 = 100 %)."""
        self._full_size = (1, 1)
        """The original's size as shown; the pixmap may be the smaller preview."""
        self._original_state = ""
        """"" not asked for, "loading", "shown" or "failed" (then the preview stays)."""
        self._offset = QPointF()
        self._drag_from: QPointF | None = None

    @property
    def photo_id(self) -> int | None:
        """The photo on screen (or being loaded for the screen): what culling keys act on."""
        return self._photo_id

    @property
    def zoom(self) -> float | None:
        return self._zoom

    @property
    def offset(self) -> QPointF:
        return QPointF(self._offset)

    @property
    def has_image(self) -> bool:
        return self._pixmap is not None

    @property
    def showing_original(self) -> bool:
        """Whether the full-resolution original has replaced the screen-size preview."""
        return self._original_state == "shown"

    @property
    def image_size(self) -> tuple[int, int] | None:
        """Pixel size of what is painted now (the preview, or the original once zoomed)."""
        if self._pixmap is None:
            return None
        return self._pixmap.width(), self._pixmap.height()

    def expect(self, photo_id: int, position: str = "") -> None:
        """The user moved to ``photo_id`` and its row is being read: show "Loading…" for it
        at once (never the photo before it), and make it :attr:`photo_id`."""
        if photo_id == self._photo_id:
            return
        self._start(photo_id, None, position)

    def show_photo(self, row: PhotoRow, cache_dir: Path, position: str = "") -> None:
        """Start showing ``row``; the image arrives asynchronously."""
        self._start(row.photo_id, row, position)
        self.pool.start(_PreviewJob(self._relay, self._generation, row, cache_dir))

    def show_failure(self, photo_id: int, message: str) -> None:
        """The photo the user moved to cannot be shown (its row could not be read)."""
        if photo_id == self._photo_id and self._row is None:
            self._message = f"This photo cannot be shown: {message}."
            self.update()
            self.shown.emit(photo_id)

    def _start(self, photo_id: int, row: PhotoRow | None, position: str) -> None:
        self._generation += 1  # a late image of the previous photo is dropped
        self.pool.clear()
        self._photo_id = photo_id
        self._row = row
        self._pixmap = None
        self._message = "Loading…"
        self._position = position
        self._zoom = None
        self._offset = QPointF()
        self._original_state = ""
        self.update()

    def update_row(self, row: PhotoRow) -> None:
        """Show new details (rating, flag...) of the photo on screen without reloading it."""
        if self._row is not None and row.photo_id == self._row.photo_id:
            self._row = row
            self.update()

    def shutdown(self) -> None:
        self._generation += 1
        self.pool.clear()
        self.pool.waitForDone()

    @Slot(int, QImage, int, int)
    def _on_loaded(self, generation: int, image: QImage, full_width: int, full_height: int) -> None:
        if generation != self._generation or self._row is None:
            return
        self._pixmap = QPixmap.fromImage(image)
        self._full_size = (max(1, full_width), max(1, full_height))
        self._message = ""
        self.update()
        self.shown.emit(self._row.photo_id)

    @Slot(int, str)
    def _on_failed(self, generation: int, message: str) -> None:
        if generation != self._generation or self._row is None:
            return
        self._message = f"This photo cannot be shown: {message}."
        self.update()
        self.shown.emit(self._row.photo_id)

    @Slot(int, QImage)
    def _on_original_loaded(self, generation: int, image: QImage) -> None:
        if generation != self._generation or self._row is None or image.isNull():
            return
        # Zoom is in the original's pixels, so the swap keeps the same size on screen.
        self._pixmap = QPixmap.fromImage(image)
        self._full_size = (image.width(), image.height())
        self._original_state = "shown"
        self.update()

    @Slot(int, str)
    def _on_original_failed(self, generation: int, message: str) -> None:
        if generation == self._generation:
            self._original_state = "failed"  # keep zooming into the preview
            self._message = f"The original cannot be shown at full size: {message}."
            self.update()

    def _pixels_per_pixmap_pixel(self) -> float:
        """How many original pixels one pixel of the painted image stands for."""
        if self._pixmap is None or self._pixmap.isNull():
            return 1.0
        return self._full_size[0] / max(1, self._pixmap.width())

    def _want_original(self) -> None:
        """Past the preview's own resolution, load the original (once per photo)."""
        if (
            self._zoom is None
            or self._row is None
            or self._original_state
            or self._zoom * self._pixels_per_pixmap_pixel() <= 1.0 + 1e-6
        ):
            return
        self._original_state = "loading"
        self.pool.start(_OriginalJob(self._relay, self._generation, self._row))

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        key = event.key()
        if key in (Qt.Key.Key_Right, Qt.Key.Key_Down, Qt.Key.Key_PageDown):
            self.next_requested.emit()
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Up, Qt.Key.Key_PageUp):
            self.previous_requested.emit()
        elif key == Qt.Key.Key_Escape:
            self.close_requested.emit()
        elif key == Qt.Key.Key_Z:
            self.toggle_zoom()
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.set_zoom(self._current_scale() * 1.25)
        elif key == Qt.Key.Key_Minus:
            self.set_zoom(self._current_scale() / 1.25)
        else:
            super().keyPressEvent(event)

    def toggle_zoom(self) -> None:
        """Fit ↔ 100 % (200 % for a photo that already fits at 100 %)."""
        if self._zoom is not None:
            self.set_zoom(None)
        else:
            self.set_zoom(1.0 if self._fit_scale() < 1.0 else 2.0)

    def set_zoom(self, zoom: float | None) -> None:
        """Zoom to ``zoom`` (1.0 = one pixel of the original per screen pixel) or back to fit."""
        if zoom is not None:
            zoom = min(max(zoom, 0.02), 8.0)
            if zoom <= self._fit_scale():
                zoom = None
        self._zoom = zoom
        if zoom is None:
            self._offset = QPointF()
        self._want_original()
        self.update()

    def _image_area(self) -> QRect:
        return self.rect().adjusted(16, 16, -16, -16 - _FOOTER)

    def _fit_scale(self) -> float:
        """The zoom (in the original's pixels) at which the whole photo fits, at most 100 %."""
        if self._pixmap is None or self._pixmap.isNull():
            return 1.0
        area = self._image_area()
        width, height = self._full_size
        return min(1.0, area.width() / width, area.height() / height)

    def _current_scale(self) -> float:
        return self._zoom if self._zoom is not None else self._fit_scale()

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        steps = event.angleDelta().y() / 120
        if steps and self._pixmap is not None:
            self.set_zoom(self._current_scale() * (1.25**steps))
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._zoom is not None and event.button() == Qt.MouseButton.LeftButton:
            self._drag_from = event.position()
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._drag_from is not None:
            self._offset += event.position() - self._drag_from
            self._drag_from = event.position()
            self.update()
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        self._drag_from = None
        self.unsetCursor()
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        self.toggle_zoom()
        event.accept()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802, ARG002
        painter = QPainter(self)
        backdrop, text, muted, rule = preview_colours(self.palette())
        painter.fillRect(self.rect(), backdrop)
        footer = _FOOTER
        area = self._image_area()
        if self._pixmap is not None and not self._pixmap.isNull():
            scale = self._current_scale() * self._pixels_per_pixmap_pixel()
            size = self._pixmap.size()
            target = QRectF(0, 0, size.width() * scale, size.height() * scale)
            target.moveCenter(QPointF(area.center()) + self._offset)
            painter.save()
            painter.setClipRect(area)
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawPixmap(target, self._pixmap, QRectF(self._pixmap.rect()))
            painter.restore()
        elif self._message:
            painter.setPen(text)
            painter.drawText(
                area, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self._message
            )
        if self._photo_id is not None:
            bottom = QRect(16, self.height() - footer - 8, self.width() - 32, footer)
            # A hairline between the photo and its details, as between the app's panels.
            painter.setPen(rule)
            painter.drawLine(bottom.left(), bottom.top(), bottom.right(), bottom.top())
            details = _details(self._row) if self._row is not None else ""
            zoom = "" if self._zoom is None else f"{round(self._zoom * 100)} %    "
            hint = f"{zoom}{self._position}    ← → next/previous · Z zoom · Esc: back to grid"
            metrics = painter.fontMetrics()
            if metrics.horizontalAdvance(details + hint) + 48 > bottom.width():
                hint = f"{zoom}{self._position}"  # narrow: keep the details, drop the key help
            painter.setPen(text)
            painter.drawText(
                bottom, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, details
            )
            painter.setPen(muted)
            painter.drawText(
                bottom, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, hint
            )
        painter.end()


def preview_colours(palette: QPalette) -> tuple[QColor, QColor, QColor, QColor]:
    """(backdrop, text, quieter text, rule) of the preview, from the app's palette.

    The photo sits on the grid's own background (the window colour in light mode, the darker
    base in dark mode), so opening the preview changes the photo's size, not the app's look;
    its details use the window's text colour and the key help the quieter hint colour the
    rest of the app uses, made opaque against the backdrop so it stays legible."""
    backdrop = grid_background(palette)
    text = palette.color(QPalette.ColorRole.WindowText)
    muted = _mix(palette.color(QPalette.ColorRole.PlaceholderText), backdrop, 1.0)
    # Some palettes' hint colour is too faint for a line people read (Fusion's light one is
    # 3.9:1): move it towards the text colour until it meets WCAG AA (4.5:1).
    share = 0.0
    while _contrast(muted, backdrop) < 4.5 and share < 1.0:
        share += 0.1
        muted = _mix(text, muted, share)
    return backdrop, text, muted, palette.color(QPalette.ColorRole.Mid)


def _mix(colour: QColor, under: QColor, share: float) -> QColor:
    """``colour`` (with its alpha, times ``share``) painted over ``under``: an opaque colour."""
    alpha = colour.alphaF() * share
    return QColor.fromRgbF(
        colour.redF() * alpha + under.redF() * (1 - alpha),
        colour.greenF() * alpha + under.greenF() * (1 - alpha),
        colour.blueF() * alpha + under.blueF() * (1 - alpha),
    )


def _contrast(a: QColor, b: QColor) -> float:
    """WCAG contrast ratio of two opaque colours (1 to 21)."""

    def luminance(colour: QColor) -> float:
        def channel(value: float) -> float:
            return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

        return (
            0.2126 * channel(colour.redF())
            + 0.7152 * channel(colour.greenF())
            + 0.0722 * channel(colour.blueF())
        )

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _details(row: PhotoRow) -> str:
    parts = [row.filename, "★" * row.rating + "☆" * (5 - row.rating)]
    if row.flag:
        parts.append(FLAG_TEXT[row.flag])
    if row.color_label:
        parts.append(f"{row.color_label.capitalize()} label")
    if row.verdict:
        parts.append("Consent: " + VERDICT_TEXT.get(row.verdict, row.verdict))
    return "   ·   ".join(parts)
