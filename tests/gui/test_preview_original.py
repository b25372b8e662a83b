"""The preview shows the screen-size preview first and the original once zoomed to 100 %."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from gallery_app.core.thumbnails import PREVIEW_LONG_EDGE
from gallery_app.gui.models.photo_grid_model import PhotoRow
from gallery_app.gui.preview import PreviewWidget
from tests.helpers import make_jpeg


def _row(source: Path, orientation: int) -> PhotoRow:
    return PhotoRow(
        photo_id=1,
        filename=source.name,
        rating=0,
        flag=0,
        color_label=None,
        content_hash="ab" * 32,
        orientation=orientation,
        source=source,
        verdict=None,
    )


@pytest.fixture
def preview(qtbot: QtBot) -> Iterator[PreviewWidget]:
    widget = PreviewWidget()
    widget.resize(1000, 700)
    qtbot.addWidget(widget)
    widget.show()
    yield widget
    widget.shutdown()


def test_zoom_to_100_percent_swaps_in_the_upright_original(
    preview: PreviewWidget, qtbot: QtBot, tmp_path: Path
) -> None:
    source = make_jpeg(tmp_path / "big.jpg", size=(3000, 2000), orientation=6)
    preview.show_photo(_row(source, 6), tmp_path / "cache")
    qtbot.waitUntil(lambda: preview.has_image, timeout=10_000)
    # First the screen-size preview: upright (portrait) and no larger than its long edge.
    assert preview.image_size == (PREVIEW_LONG_EDGE * 2 // 3, PREVIEW_LONG_EDGE)
    assert not preview.showing_original

    preview.toggle_zoom()  # fit → 100 %
    assert preview.zoom == 1.0
    qtbot.waitUntil(lambda: preview.showing_original, timeout=10_000)
    assert preview.image_size == (2000, 3000)  # the original's pixels, rotated upright
    assert preview.zoom == 1.0  # the swap keeps the same scale on screen

    preview.toggle_zoom()  # back to fit: the original stays, no reload
    assert preview.zoom is None and preview.showing_original


def test_a_photo_the_preview_already_covers_never_loads_the_original(
    preview: PreviewWidget, qtbot: QtBot, tmp_path: Path
) -> None:
    source = make_jpeg(tmp_path / "small.jpg", size=(1200, 800))
    preview.show_photo(_row(source, 1), tmp_path / "cache")
    qtbot.waitUntil(lambda: preview.has_image, timeout=10_000)
    preview.toggle_zoom()  # 1200 px fits the window at less than 100 %, so: 100 %
    assert preview.zoom == 1.0
    qtbot.wait(300)
    assert not preview.showing_original
    assert preview.image_size == (1200, 800)


def test_a_missing_original_keeps_zooming_into_the_preview(
    preview: PreviewWidget, qtbot: QtBot, tmp_path: Path
) -> None:
    source = make_jpeg(tmp_path / "gone.jpg", size=(3000, 2000))
    cache = tmp_path / "cache"
    preview.show_photo(_row(source, 1), cache)
    qtbot.waitUntil(lambda: preview.has_image, timeout=10_000)
    source.unlink()  # the drive was unplugged after the preview was cached
    preview.show_photo(_row(source, 1), cache)
    qtbot.waitUntil(lambda: preview.has_image, timeout=10_000)
    preview.toggle_zoom()
    qtbot.wait(300)
    assert not preview.showing_original
    assert preview.image_size == (PREVIEW_LONG_EDGE, PREVIEW_LONG_EDGE * 2 // 3)
