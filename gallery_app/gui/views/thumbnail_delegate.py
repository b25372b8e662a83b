"""Paints one grid cell: thumbnail, file name, rating, pick/reject, colour label, consent.

Every state is readable without colour: the consent badge carries a symbol and a word
("✓ Cleared", "? Review", "⛔ Blocked"), the flag a word, the colour label its name's initial.
The size hint is constant so the view can lay out 20,000 cells without asking for data.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from gallery_app.gui.models.photo_grid_model import VERDICT_TEXT, Roles

CELL = QSize(200, 232)
THUMB_BOX = QSize(184, 150)
PADDING = 8

LABEL_COLOURS = {
    "red": QColor("#d64545"),
    "yellow": QColor("#e0b400"),
    "green": QColor("#3c9d4e"),
    "blue": QColor("#3b73d1"),
    "purple": QColor("#8e5bc8"),
}
BADGE_COLOURS = {
    "cleared": (QColor("#e3f4e6"), QColor("#1d6b2f")),
    "needs_review": (QColor("#fff3d6"), QColor("#7a5300")),
    "blocked": (QColor("#fde3e3"), QColor("#9b1c1c")),
}


class ThumbnailDelegate(QStyledItemDelegate):
    """Draws cells straight from model roles; holds no state of its own."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)

    def sizeHint(  # noqa: N802
        self,
        option: QStyleOptionViewItem,  # noqa: ARG002
        index: QModelIndex | QPersistentModelIndex,  # noqa: ARG002
    ) -> QSize:
        return QSize(CELL)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect: QRect = option.rect.adjusted(4, 4, -4, -4)
        palette: QPalette = option.palette
        state = option.state
        selected = bool(state & QStyle.StateFlag.State_Selected)
        card = palette.color(QPalette.ColorRole.Base)
        painter.setPen(
            QPen(palette.color(QPalette.ColorRole.Highlight), 3)
            if selected
            else QPen(palette.color(QPalette.ColorRole.Mid), 1)
        )
        painter.setBrush(card)
        painter.drawRoundedRect(QRectF(rect), 6, 6)

        thumb_area = QRect(
            rect.left() + PADDING,
            rect.top() + PADDING,
            rect.width() - 2 * PADDING,
            THUMB_BOX.height(),
        )
        self._paint_thumbnail(painter, thumb_area, index, palette)

        flag = int(index.data(Roles.FLAG) or 0)
        if flag == -1:
            # Rejected photos are dimmed and marked, so they stay visible but recede.
            painter.fillRect(thumb_area, QColor(255, 255, 255, 140))

        font = QFont(option.font)
        small = QFont(font)
        small.setPointSizeF(max(font.pointSizeF() - 1, 7.0))
        text_colour = palette.color(QPalette.ColorRole.Text)

        # Line 1: file name, elided.
        line1 = QRect(
            rect.left() + PADDING, thumb_area.bottom() + 6, rect.width() - 2 * PADDING, 18
        )
        painter.setFont(font)
        painter.setPen(text_colour)
        name = QFontMetrics(font).elidedText(
            str(index.data(Qt.ItemDataRole.DisplayRole) or ""),
            Qt.TextElideMode.ElideMiddle,
            line1.width(),
        )
        painter.drawText(line1, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, name)

        # Line 2: stars, flag, colour label on the left; consent badge on the right.
        line2 = QRect(line1.left(), line1.bottom() + 4, line1.width(), 20)
        painter.setFont(small)
        rating = int(index.data(Roles.RATING) or 0)
        stars = "★" * rating + "☆" * (5 - rating)
        x = line2.left()
        painter.setPen(
            QColor("#c98a00") if rating else palette.color(QPalette.ColorRole.PlaceholderText)
        )
        metrics = QFontMetrics(small)
        painter.drawText(
            QRect(x, line2.top(), metrics.horizontalAdvance(stars) + 2, line2.height()),
            Qt.AlignmentFlag.AlignVCenter,
            stars,
        )
        x += metrics.horizontalAdvance(stars) + 6

        colour_name = str(index.data(Roles.COLOR_LABEL) or "")
        if colour_name:
            colour = LABEL_COLOURS.get(colour_name, QColor("gray"))
            swatch = QRect(x, line2.top() + 3, 14, 14)
            painter.setPen(QPen(colour.darker(130), 1))
            painter.setBrush(colour)
            painter.drawRoundedRect(QRectF(swatch), 3, 3)
            painter.setPen(QColor("white"))
            painter.drawText(swatch, Qt.AlignmentFlag.AlignCenter, colour_name[0].upper())
            x += 18

        verdict = str(index.data(Roles.VERDICT) or "")
        if verdict:
            self._paint_badge(painter, small, line2, verdict)

        if flag:
            self._paint_flag(painter, small, thumb_area, flag)
        painter.restore()

    def _paint_thumbnail(
        self,
        painter: QPainter,
        area: QRect,
        index: QModelIndex | QPersistentModelIndex,
        palette: QPalette,
    ) -> None:
        pixmap = index.data(Qt.ItemDataRole.DecorationRole)
        state = index.data(Roles.THUMBNAIL_STATE)
        if isinstance(pixmap, QPixmap) and state == "loaded" and not pixmap.isNull():
            scaled = pixmap.size().scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRect(0, 0, scaled.width(), scaled.height())
            target.moveCenter(area.center())
            painter.drawPixmap(target, pixmap)
            return
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(palette.color(QPalette.ColorRole.AlternateBase))
        painter.drawRoundedRect(QRectF(area), 4, 4)
        painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
        text = "No preview" if state == "missing" else "Loading…"
        painter.drawText(area, Qt.AlignmentFlag.AlignCenter, text)

    def _paint_badge(self, painter: QPainter, font: QFont, line: QRect, verdict: str) -> None:
        text = VERDICT_TEXT.get(verdict, verdict)
        background, foreground = BADGE_COLOURS.get(verdict, (QColor("#eeeeee"), QColor("#333333")))
        metrics = QFontMetrics(font)
        width = metrics.horizontalAdvance(text) + 12
        badge = QRect(line.right() - width, line.top(), width, line.height())
        painter.setPen(QPen(foreground, 1))
        painter.setBrush(background)
        painter.drawRoundedRect(QRectF(badge), line.height() / 2, line.height() / 2)
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, text)

    def _paint_flag(self, painter: QPainter, font: QFont, area: QRect, flag: int) -> None:
        text = "⚑ Pick" if flag == 1 else "✕ Reject"
        colour = QColor("#1d6b2f") if flag == 1 else QColor("#9b1c1c")
        metrics = QFontMetrics(font)
        badge = QRect(area.left() + 4, area.top() + 4, metrics.horizontalAdvance(text) + 12, 20)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(255, 255, 255, 230))
        painter.drawRoundedRect(QRectF(badge), 4, 4)
        painter.setFont(font)
        painter.setPen(colour)
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, text)
