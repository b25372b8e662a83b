"""Paints one grid cell: thumbnail, file name, keywords, rating, pick/reject, colour, consent,
and whether the photo was edited since its metadata was written to the file.

Every state is readable without colour: the consent badge carries a symbol and a word
("✓ Cleared", "? Review", "⊘ Blocked"), the flag a symbol and a word, the colour label its
name's initial, the write-back marker a pencil and "Changed" (the pencil alone in the
smallest cells). Only "changed since written" is marked: most photos were never written back,
and a marker on all of them would say nothing.

The cell size depends only on the thumbnail size the user chose and the font, never on the
photo, so the view can lay out 20,000 cells without asking for data.

Painting is on the scroll path: a 50 ms frame budget covers a screenful of cells in Python.
So the geometry and fonts are computed once per size (:class:`CellLayout`), and everything a
cell shares with other cells — the card, the stars, the badges, the swatches, the placeholder —
is drawn once into a small pixmap and then only blitted. The caches are keyed by the palette,
so a switch between light and dark redraws them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPoint, QRect, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from gallery_app.gui.models.photo_grid_model import (
    VERDICT_TEXT,
    WRITE_CHANGED,
    PhotoGridModel,
    PhotoRow,
    Roles,
)

DEFAULT_THUMBNAIL = 176
"""Default thumbnail width in the grid (logical pixels)."""
MIN_THUMBNAIL = 112
MAX_THUMBNAIL = 352
THUMBNAIL_STEP = 16
MARGIN = 4
"""Space around each card (half the gap between cards)."""
PADDING = 8
"""Space inside the card around the thumbnail and the text."""

LABEL_COLOURS = {
    "red": QColor("#d64545"),
    "yellow": QColor("#c99a00"),
    "green": QColor("#3c9d4e"),
    "blue": QColor("#3b73d1"),
    "purple": QColor("#8e5bc8"),
}
BADGE_COLOURS = {
    "cleared": (QColor("#e3f4e6"), QColor("#1d6b2f")),
    "needs_review": (QColor("#fff3d6"), QColor("#7a5300")),
    "blocked": (QColor("#fde3e3"), QColor("#9b1c1c")),
}
"""(background, text) on a light palette."""
BADGE_COLOURS_DARK = {
    "cleared": (QColor("#1f3a26"), QColor("#8fdc9f")),
    "needs_review": (QColor("#3d3118"), QColor("#f2c86b")),
    "blocked": (QColor("#45201f"), QColor("#ff9c95")),
}
BADGE_SHORT = {"cleared": "✓", "needs_review": "?", "blocked": "⊘"}
WRITE_MARKER = "✎ Changed"
WRITE_MARKER_SHORT = "✎"
WRITE_MARKER_COLOUR = QColor("#1a4f9c")
STAR_LIGHT = QColor("#b27800")
STAR_DARK = QColor("#f0b429")


def is_dark(palette: QPalette) -> bool:
    """A dark palette: light text on a dark window."""
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def grid_background(palette: QPalette) -> QColor:
    """Behind the cards: the window colour in light mode, the (darker) base in dark mode,
    so that cards stand out from the background in both."""
    role = QPalette.ColorRole.Base if is_dark(palette) else QPalette.ColorRole.Window
    return palette.color(role)


def card_colour(palette: QPalette) -> QColor:
    if is_dark(palette):
        return palette.color(QPalette.ColorRole.Window)
    return palette.color(QPalette.ColorRole.Base)


def selected_card_colour(palette: QPalette) -> QColor:
    """The card tinted a quarter of the way towards the highlight colour."""
    card = card_colour(palette)
    highlight = palette.color(QPalette.ColorRole.Highlight)
    return QColor(
        (card.red() * 3 + highlight.red()) // 4,
        (card.green() * 3 + highlight.green()) // 4,
        (card.blue() * 3 + highlight.blue()) // 4,
    )


@dataclass(frozen=True)
class CellLayout:
    """Where everything goes in a cell of one thumbnail size with one font."""

    thumbnail: int
    font: QFont
    small: QFont
    cell: QSize
    """The whole cell, margins included (the view's grid size)."""
    card: QRect
    """The card inside the cell, relative to the cell's top left."""
    thumb: QRect
    line1: QRect
    line2: QRect
    text: QRect
    """Both text lines."""
    short_stars: bool
    """Draw the rating as "4★" (the five stars do not fit beside the badge)."""
    short_badge: bool
    """Draw the consent badge as its symbol only (not even "4★" leaves room for the word)."""
    short_marker: bool = False
    """Draw the "changed since written" marker as its symbol only (beside a "Rejected" flag
    on the thumbnail there is no room for the word)."""

    @staticmethod
    def make(thumbnail: int, font: QFont) -> CellLayout:
        thumbnail = max(MIN_THUMBNAIL, min(MAX_THUMBNAIL, thumbnail))
        small = QFont(font)
        small.setPointSizeF(max(font.pointSizeF() - 1, 7.0))
        line1_h = QFontMetrics(font).height() + 2
        line2_h = max(QFontMetrics(small).height() + 6, 20)
        thumb_h = round(thumbnail * 3 / 4)
        card_w = thumbnail + 2 * PADDING
        card_h = PADDING + thumb_h + 6 + line1_h + 4 + line2_h + PADDING
        card = QRect(MARGIN, MARGIN, card_w, card_h)
        thumb = QRect(card.left() + PADDING, card.top() + PADDING, thumbnail, thumb_h)
        line1 = QRect(thumb.left(), thumb.bottom() + 1 + 6, thumbnail, line1_h)
        line2 = QRect(thumb.left(), line1.bottom() + 1 + 4, thumbnail, line2_h)
        return CellLayout(
            thumbnail=thumbnail,
            font=QFont(font),
            small=small,
            cell=QSize(card_w + 2 * MARGIN, card_h + 2 * MARGIN),
            card=card,
            thumb=thumb,
            line1=line1,
            line2=line2,
            text=line1.united(line2),
            short_stars=thumbnail < _line2_width(small, "★★★★★"),
            short_badge=thumbnail < _line2_width(small, "5★"),
            short_marker=thumbnail < _overlay_width(small),
        )


class ThumbnailDelegate(QStyledItemDelegate):
    """Draws cells from the model's :class:`PhotoRow`; caches only drawing, never data."""

    def __init__(self, parent: QWidget | None = None, thumbnail: int = DEFAULT_THUMBNAIL) -> None:
        super().__init__(parent)
        self._thumbnail = thumbnail
        self._layout = CellLayout.make(thumbnail, parent.font() if parent else QFont())
        self._pixmaps: dict[tuple[object, ...], QPixmap] = {}
        self._elided: dict[tuple[str, int], str] = {}
        self.painted_rows = 0
        """Cells painted so far (the benchmark reads it)."""
        self.exposed: QRect | None = None
        """The part of the viewport being repainted (set by the view for each paint)."""

    @property
    def layout(self) -> CellLayout:
        return self._layout

    def set_thumbnail_size(self, thumbnail: int, font: QFont) -> CellLayout:
        """Lay cells out for a new thumbnail width (or font); returns the new layout."""
        self._layout = CellLayout.make(thumbnail, font)
        self._thumbnail = self._layout.thumbnail
        self.clear_caches()
        return self._layout

    def clear_caches(self) -> None:
        """Forget drawn pieces (after a palette, font or size change)."""
        self._pixmaps.clear()
        self._elided.clear()

    def sizeHint(  # noqa: N802
        self,
        option: QStyleOptionViewItem,  # noqa: ARG002
        index: QModelIndex | QPersistentModelIndex,  # noqa: ARG002
    ) -> QSize:
        return QSize(self._layout.cell)

    # --- painting --------------------------------------------------------------------------

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        self.painted_rows += 1
        layout = self._layout
        model = index.model()
        if isinstance(model, PhotoGridModel):
            row, pixmap, thumb_state = model.cell(index.row())
        else:  # any other model with the same roles
            row = index.data(Roles.ROW)
            pixmap = index.data(Qt.ItemDataRole.DecorationRole)
            thumb_state = str(index.data(Roles.THUMBNAIL_STATE) or "loading")
        palette: QPalette = option.palette
        state = option.state
        selected = bool(state & QStyle.StateFlag.State_Selected)
        key = (palette.cacheKey(), painter.device().devicePixelRatioF())
        painter.save()
        painter.translate(option.rect.topLeft())

        painter.drawPixmap(
            0,
            0,
            self._piece(("card", selected), key, lambda p: _card(p, layout, palette, selected)),
        )
        self._paint_thumbnail(painter, pixmap, thumb_state, palette, key, selected=selected)
        if isinstance(row, PhotoRow):
            if row.flag == -1:
                # Rejected photos recede (dimmed) but stay visible and are marked in words.
                veil = QColor(card_colour(palette))
                veil.setAlpha(150)
                painter.fillRect(layout.thumb, veil)
            if row.flag:
                flag = self._piece(
                    ("flag", row.flag), key, lambda p: _flag_badge(p, layout, row.flag)
                )
                painter.drawPixmap(layout.thumb.left() + 4, layout.thumb.top() + 4, flag)
            if row.write_state == WRITE_CHANGED:
                marker = self._piece(
                    ("written", layout.short_marker), key, lambda p: _write_marker(p, layout)
                )
                width = round(marker.width() / marker.devicePixelRatio())
                painter.drawPixmap(
                    layout.thumb.right() + 1 - 4 - width, layout.thumb.top() + 4, marker
                )
            exposed = self.exposed
            if exposed is None or exposed.intersects(layout.text.translated(option.rect.topLeft())):
                # A cell repainted only because its thumbnail arrived is clipped to the
                # thumbnail (see PhotoGridView.dataChanged): its text is left alone.
                self._paint_line1(painter, row, palette, key)
                self._paint_line2(painter, row, palette, key)
        if state & QStyle.StateFlag.State_HasFocus:
            # The current photo (where arrow keys and culling keys act) has its own ring, so
            # it is visible inside a selection too.
            pen = QPen(palette.color(QPalette.ColorRole.Highlight), 2, Qt.PenStyle.DotLine)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(layout.card.adjusted(-2, -2, 2, 2))
        painter.restore()

    def _paint_thumbnail(
        self,
        painter: QPainter,
        pixmap: object,
        state: str,
        palette: QPalette,
        key: tuple[object, ...],
        *,
        selected: bool,
    ) -> None:
        area = self._layout.thumb
        if isinstance(pixmap, QPixmap) and state in ("loaded", "resizing") and not pixmap.isNull():
            ratio = painter.device().devicePixelRatioF()
            size = QSize(round(pixmap.width() / ratio), round(pixmap.height() / ratio))
            if size.width() > area.width() or size.height() > area.height() or state == "resizing":
                size = size.scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
                target = QRect(QPoint(0, 0), size)
                target.moveCenter(area.center())
                painter.drawPixmap(target, pixmap)
            else:  # decoded to fit: a plain blit, no scaling
                if pixmap.devicePixelRatio() != ratio:
                    pixmap.setDevicePixelRatio(ratio)  # once per pixmap: it was decoded for it
                painter.drawPixmap(
                    area.left() + (area.width() - size.width()) // 2,
                    area.top() + (area.height() - size.height()) // 2,
                    pixmap,
                )
            return
        text = "No preview" if state == "missing" else "Loading…"
        placeholder = self._piece(
            ("empty", text, selected),
            key,
            lambda p: _empty_thumb(p, self._layout, palette, text, selected),
        )
        painter.drawPixmap(area.topLeft(), placeholder)

    def _paint_line1(
        self, painter: QPainter, row: PhotoRow, palette: QPalette, key: tuple[object, ...]
    ) -> None:
        layout = self._layout
        line = layout.line1
        name_width = line.width()
        if row.keywords:
            count = str(row.keywords)
            painter.setFont(layout.small)
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            advance = QFontMetrics(layout.small).horizontalAdvance(count)
            painter.drawText(
                line, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, count
            )
            icon = self._piece(("tag",), key, lambda p: _tag_icon(p, layout, palette))
            painter.drawPixmap(line.right() - advance - 15, line.top(), icon)
            name_width -= advance + 22
        painter.setFont(layout.font)
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        painter.drawText(
            QRect(line.left(), line.top(), name_width, line.height()),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            self._elide(row.filename, name_width),
        )

    def _paint_line2(
        self, painter: QPainter, row: PhotoRow, palette: QPalette, key: tuple[object, ...]
    ) -> None:
        layout = self._layout
        line = layout.line2
        stars = self._piece(
            ("stars", row.rating), key, lambda p: _stars(p, layout, palette, row.rating)
        )
        ratio = stars.devicePixelRatio()
        x = line.left()
        painter.drawPixmap(x, line.top(), stars)
        x += round(stars.width() / ratio) + 6
        if row.color_label:
            swatch = self._piece(
                ("swatch", row.color_label), key, lambda p: _swatch(p, layout, row.color_label)
            )
            painter.drawPixmap(x, line.top(), swatch)
        if row.verdict:
            badge = self._piece(
                ("badge", row.verdict), key, lambda p: _badge(p, layout, palette, row.verdict)
            )
            width = round(badge.width() / badge.devicePixelRatio())
            painter.drawPixmap(line.right() + 1 - width, line.top(), badge)

    # --- caches ----------------------------------------------------------------------------

    def _piece(
        self,
        what: tuple[object, ...],
        key: tuple[object, ...],
        draw: Callable[[float], QPixmap],
    ) -> QPixmap:
        """A drawn piece from the cache, drawing it on a miss (for this palette and DPR)."""
        full = (*what, *key)
        pixmap = self._pixmaps.get(full)
        if pixmap is None:
            if len(self._pixmaps) > 256:  # a palette or DPR change leaves old keys behind
                self._pixmaps.clear()
            dpr = key[1]
            assert isinstance(dpr, float)
            pixmap = draw(dpr)
            self._pixmaps[full] = pixmap
        return pixmap

    def _elide(self, text: str, width: int) -> str:
        cache_key = (text, width)
        elided = self._elided.get(cache_key)
        if elided is None:
            if len(self._elided) > 4096:
                self._elided.clear()
            elided = QFontMetrics(self._layout.font).elidedText(
                text, Qt.TextElideMode.ElideMiddle, width
            )
            self._elided[cache_key] = elided
        return elided


# --- pieces, each drawn once per palette into a transparent pixmap ---------------------------


def _canvas(size: QSize, dpr: float, background: QColor | None = None) -> tuple[QPixmap, QPainter]:
    pixmap = QPixmap(round(size.width() * dpr), round(size.height() * dpr))
    pixmap.setDevicePixelRatio(dpr)
    pixmap.fill(background if background is not None else Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    return pixmap, painter


def _card(dpr: float, layout: CellLayout, palette: QPalette, selected: bool) -> QPixmap:
    """The card on an opaque background: blitting an opaque pixmap is a copy, not a blend."""
    size = layout.cell
    pixmap = QPixmap(round(size.width() * dpr), round(size.height() * dpr))
    pixmap.setDevicePixelRatio(dpr)
    pixmap.fill(grid_background(palette))
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    card = QRectF(layout.card).adjusted(0.5, 0.5, -0.5, -0.5)
    if selected:
        painter.setPen(QPen(palette.color(QPalette.ColorRole.Highlight), 3))
        painter.setBrush(selected_card_colour(palette))
        card = card.adjusted(1, 1, -1, -1)
    else:
        painter.setPen(QPen(palette.color(QPalette.ColorRole.Mid), 1))
        painter.setBrush(card_colour(palette))
    painter.drawRoundedRect(card, 6, 6)
    painter.end()
    return pixmap


def _empty_thumb(
    dpr: float, layout: CellLayout, palette: QPalette, text: str, selected: bool
) -> QPixmap:
    """The placeholder, on the card's colour: opaque, so it is copied rather than blended."""
    background = selected_card_colour(palette) if selected else card_colour(palette)
    pixmap, painter = _canvas(layout.thumb.size(), dpr, background)
    area = QRectF(0, 0, layout.thumb.width(), layout.thumb.height())
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(palette.color(QPalette.ColorRole.AlternateBase))
    painter.drawRoundedRect(area, 4, 4)
    painter.setFont(layout.small)
    painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
    painter.drawText(area, Qt.AlignmentFlag.AlignCenter, text)
    painter.end()
    return pixmap


def _stars(dpr: float, layout: CellLayout, palette: QPalette, rating: int) -> QPixmap:
    if layout.short_stars:
        text = f"{rating}★" if rating else "☆"
    else:
        text = "★" * rating + "☆" * (5 - rating)
    metrics = QFontMetrics(layout.small)
    size = QSize(metrics.horizontalAdvance(text) + 2, layout.line2.height())
    pixmap, painter = _canvas(size, dpr)
    painter.setFont(layout.small)
    if rating:
        painter.setPen(STAR_DARK if is_dark(palette) else STAR_LIGHT)
    else:
        painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
    painter.drawText(QRect(QPoint(0, 0), size), Qt.AlignmentFlag.AlignVCenter, text)
    painter.end()
    return pixmap


def _swatch(dpr: float, layout: CellLayout, colour_name: str | None) -> QPixmap:
    name = colour_name or ""
    colour = LABEL_COLOURS.get(name, QColor("gray"))
    size = QSize(16, layout.line2.height())
    pixmap, painter = _canvas(size, dpr)
    box = QRectF(0.5, (size.height() - 16) / 2 + 0.5, 15, 15)
    painter.setPen(QPen(colour.darker(130), 1))
    painter.setBrush(colour)
    painter.drawRoundedRect(box, 3, 3)
    font = QFont(layout.small)
    font.setBold(True)
    painter.setFont(font)
    painter.setPen(QColor("white"))
    painter.drawText(box, Qt.AlignmentFlag.AlignCenter, name[:1].upper())
    painter.end()
    return pixmap


def _badge(dpr: float, layout: CellLayout, palette: QPalette, verdict: str | None) -> QPixmap:
    verdict = verdict or ""
    text = (
        BADGE_SHORT.get(verdict, "?") if layout.short_badge else VERDICT_TEXT.get(verdict, verdict)
    )
    colours = BADGE_COLOURS_DARK if is_dark(palette) else BADGE_COLOURS
    background, foreground = colours.get(verdict, (QColor("#eeeeee"), QColor("#333333")))
    metrics = QFontMetrics(layout.small)
    height = layout.line2.height()
    size = QSize(max(metrics.horizontalAdvance(text) + 14, height), height)
    pixmap, painter = _canvas(size, dpr)
    box = QRectF(0.5, 0.5, size.width() - 1, size.height() - 1)
    painter.setPen(QPen(foreground, 1))
    painter.setBrush(background)
    painter.drawRoundedRect(box, box.height() / 2, box.height() / 2)
    painter.setFont(layout.small)
    painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
    painter.end()
    return pixmap


def _flag_badge(dpr: float, layout: CellLayout, flag: int) -> QPixmap:
    text = "⚑ Pick" if flag == 1 else "✕ Rejected"
    colour = QColor("#1d6b2f") if flag == 1 else QColor("#9b1c1c")
    metrics = QFontMetrics(layout.small)
    size = QSize(metrics.horizontalAdvance(text) + 12, metrics.height() + 6)
    pixmap, painter = _canvas(size, dpr)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(255, 255, 255, 235))  # on the photo, so light in both palettes
    painter.drawRoundedRect(QRectF(0, 0, size.width(), size.height()), 4, 4)
    painter.setFont(layout.small)
    painter.setPen(colour)
    painter.drawText(QRect(QPoint(0, 0), size), Qt.AlignmentFlag.AlignCenter, text)
    painter.end()
    return pixmap


def _write_marker(dpr: float, layout: CellLayout) -> QPixmap:
    """ "✎ Changed" on the photo's top right, in the flag badge's style (light in both
    palettes, on the photo), outlined so that it reads as a label, not a photo detail."""
    text = WRITE_MARKER_SHORT if layout.short_marker else WRITE_MARKER
    metrics = QFontMetrics(layout.small)
    height = metrics.height() + 6
    size = QSize(max(metrics.horizontalAdvance(text) + 12, height), height)
    pixmap, painter = _canvas(size, dpr)
    painter.setPen(QPen(WRITE_MARKER_COLOUR, 1))
    painter.setBrush(QColor(255, 255, 255, 235))
    painter.drawRoundedRect(QRectF(0.5, 0.5, size.width() - 1, size.height() - 1), 4, 4)
    painter.setFont(layout.small)
    painter.drawText(QRect(QPoint(0, 0), size), Qt.AlignmentFlag.AlignCenter, text)
    painter.end()
    return pixmap


def _overlay_width(font: QFont) -> int:
    """Width the thumbnail's top edge needs for a "Rejected" flag and the full marker."""
    metrics = QFontMetrics(font)
    flag = metrics.horizontalAdvance("✕ Rejected") + 12
    marker = metrics.horizontalAdvance(WRITE_MARKER) + 12
    return 4 + flag + 8 + marker + 4


def _line2_width(font: QFont, stars: str) -> int:
    """Width the second line needs: stars, a colour swatch, the widest consent badge."""
    metrics = QFontMetrics(font)
    badge = max(metrics.horizontalAdvance(text) for text in VERDICT_TEXT.values()) + 14
    return metrics.horizontalAdvance(stars) + 2 + 6 + 16 + 6 + badge


def _tag_icon(dpr: float, layout: CellLayout, palette: QPalette) -> QPixmap:
    """A small luggage-tag outline: "keywords" without relying on an emoji font."""
    size = QSize(12, layout.line1.height())
    pixmap, painter = _canvas(size, dpr)
    painter.setPen(QPen(palette.color(QPalette.ColorRole.PlaceholderText), 1.2))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    x, y, w, h = 0.5, (size.height() - 11) / 2 + 0.5, 10.0, 10.0
    path = QPainterPath()
    path.moveTo(x, y + h * 0.45)
    path.lineTo(x + w * 0.45, y)
    path.lineTo(x + w, y)
    path.lineTo(x + w, y + h * 0.55)
    path.lineTo(x + w * 0.55, y + h)
    path.closeSubpath()
    painter.drawPath(path)
    painter.drawEllipse(QRectF(x + w * 0.65, y + h * 0.15, 2.2, 2.2))
    painter.end()
    return pixmap
