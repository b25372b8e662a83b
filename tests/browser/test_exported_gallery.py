"""The whole journey in a browser: generated event photos → import → consent → export →
the gallery opened from disk in Chromium."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gallery_app.core import edits
from gallery_app.core.catalog import photos
from gallery_app.core.consent import store
from gallery_app.core.consent.model import ConsentStatus
from gallery_app.core.export.exporter import export
from gallery_app.core.importing.importer import import_sources
from gallery_app.core.people import register
from gallery_app.core.project import Project
from gallery_app.core.samples import make_sample_photos
from tests.browser.test_gallery_browser import _tab_to_first_thumbnail

pytestmark = pytest.mark.timeout(300)


def test_exported_gallery_loads_offline_and_leaves_out_the_refusal(
    project: Project, tmp_path: Path, session_factory: Any, shots: Path
) -> None:
    make_sample_photos(tmp_path / "card", 8, size=(1500, 1000), with_metadata=False)
    import_sources(project, [tmp_path / "card"], workers=2)
    ids = [r["id"] for r in photos.list_photos(project.conn)]
    register.add_person(project, name="Refusing Person")
    store.add_record(
        project,
        "Refusing Person",
        store.new_record(ConsentStatus.REFUSED, store.parse_uses("all")),
    )
    edits.apply_edit(project, ids[1:], edits.EditRequest(no_identifiable_people=True))
    edits.apply_edit(project, ids[:1], edits.EditRequest(add_people=["Refusing Person"]))
    edits.apply_edit(project, ids[1:3], edits.EditRequest(alt_text="Delegates listen to a panel"))
    out = tmp_path / "site"
    summary = export(project, out, widths=(960, 480), workers=2)
    assert ids[0] not in summary.exported and len(summary.exported) == len(ids) - 1

    session = session_factory(out)
    page = session.open()
    images = session.load_all_images()
    assert len(images) == len(ids) - 1
    assert all(image["natural"] > 0 for image in images)
    assert "Delegates listen to a panel" in [image["alt"] for image in images]
    assert session.outside_requests() == []
    assert session.console_errors == []
    page.screenshot(path=str(shots / "exported-demo-1280.png"), full_page=True)
    _tab_to_first_thumbnail(page)
    page.keyboard.press("Enter")
    page.wait_for_selector("dialog[open]")
    page.screenshot(path=str(shots / "exported-demo-lightbox-1280.png"))
    page.keyboard.press("Escape")
    page.wait_for_selector("dialog[open]", state="detached")
