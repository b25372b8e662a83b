"""The export plan made in parts: each part one short unit of catalog work, the parts put
together equal to the plan made at once (the desktop app's one catalog thread must not be held
for the whole plan, a second or two for 20,000 photos)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import pytest

from gallery_app.core import edits
from gallery_app.core.catalog import photos
from gallery_app.core.catalog.access import DirectAccess
from gallery_app.core.catalog.database import transaction
from gallery_app.core.consent import store
from gallery_app.core.consent.model import ConsentStatus, Verdict
from gallery_app.core.errors import UserError
from gallery_app.core.export import exporter
from gallery_app.core.export.exporter import (
    ExportPlan,
    export,
    merge_plans,
    plan_export,
    plan_in_parts,
    plan_parts,
)
from gallery_app.core.export.presets import get_preset
from gallery_app.core.importing.importer import import_sources
from gallery_app.core.people import register
from gallery_app.core.project import Project
from tests.helpers import make_jpeg, new_photo

T = TypeVar("T")


class CountingAccess(DirectAccess):
    """Direct access that counts its units and says whether one is running."""

    def __init__(self, project: Project) -> None:
        super().__init__(project)
        self.units = 0
        self.inside = False

    def run(self, work: Callable[[Project], T]) -> T:
        self.units += 1
        self.inside = True
        try:
            return work(self.project)
        finally:
            self.inside = False


def _people(project: Project) -> None:
    register.add_person(project, name="Ana Müller")
    register.add_person(project, name="Sam Lee")
    store.add_record(
        project,
        "Ana Müller",
        store.new_record(ConsentStatus.GRANTED, store.parse_uses("web"), evidence="F-1"),
    )
    store.add_record(
        project, "Sam Lee", store.new_record(ConsentStatus.REFUSED, store.parse_uses("all"))
    )


def _cast(project: Project, ids: list[int]) -> None:
    """Every kind of photo a plan knows: cleared (by consent, by nobody identifiable, by an
    override), blocked, needs review, rejected, picked and rated."""
    request = edits.EditRequest
    edits.apply_edit(project, [ids[0], ids[8]], request(add_people=["Ana Müller"]))
    edits.apply_edit(project, [ids[1]], request(add_people=["Sam Lee"]))
    edits.apply_edit(project, [ids[6]], request(add_people=["Ana Müller", "Sam Lee"]))
    edits.apply_edit(project, [ids[3]], request(no_identifiable_people=True))
    edits.apply_edit(project, [ids[4]], request(flag=-1))
    edits.apply_edit(project, [ids[0], ids[2], ids[7], ids[9]], request(flag=1))
    edits.apply_edit(project, [ids[2], ids[5], ids[7]], request(rating=4))
    store.override(project, ids[5], "web", "a crowd from behind")


@pytest.fixture
def cast(project: Project) -> list[int]:
    _people(project)
    # Capture times out of id order: the parts follow the plan's order, not the ids'.
    times = ["12", "09", "11", "08", "10", "13", "07", "14", "06", "15"]
    ids = []
    for n, hour in enumerate(times):
        with transaction(project.conn) as conn:
            row = replace(new_photo(n), captured_at=f"2026-05-14T{hour}:00:00")
            ids.append(photos.insert_photo(conn, row))
    _cast(project, ids)
    return ids


def test_a_plan_put_together_from_parts_equals_the_whole_plan(
    project: Project, cast: list[int]
) -> None:
    selections = [
        None,
        "picked",
        "rating>=3",
        f"ids={cast[1]}-{cast[6]}",
        'person="Ana Müller"',
        "picked rating>=3",
    ]
    for preset_name in ("website", "social", "archive"):
        preset = get_preset(preset_name)
        for select in selections:
            whole = plan_export(project, preset, select=select)
            parts = plan_parts(project.conn, select, size=3)
            order = photos.list_photo_ids(project.conn, exporter.parse_selection(select)[0])
            assert [i for part in parts for i in part] == order
            assert all(len(part) == 3 for part in parts[:-1])
            pieces = [plan_export(project, preset, select=select, photo_ids=part) for part in parts]
            assert merge_plans(preset, pieces) == whole, (preset_name, select)
            through_access = plan_in_parts(DirectAccess(project), preset, select=select, size=3)
            assert through_access == whole

    # The comparison covers every kind of photo, not two empty plans.
    whole = plan_export(project, get_preset("website"))
    assert len(plan_parts(project.conn, None, size=3)) == 4
    kinds = {
        ("rejected" if p.rejected else p.decision.verdict.value, p.exported) for p in whole.photos
    }
    assert kinds == {
        ("cleared", True),
        ("blocked", False),
        ("needs_review", False),
        ("rejected", False),
    }
    overridden = [p.photo_id for p in whole.photos if p.decision.overridden is not None]
    assert overridden == [cast[5]] and cast[5] in whole.exported
    picked = plan_export(project, get_preset("website"), select="picked")
    assert {p.photo_id for p in picked.photos} == {cast[0], cast[2], cast[7], cast[9], cast[4]}


@pytest.mark.usefixtures("cast")
def test_a_photo_removed_between_parts_is_left_out_of_its_part(project: Project) -> None:
    # Another unit of work may run between two parts; a photo gone by then is not planned.
    parts = plan_parts(project.conn, None, size=3)
    gone = parts[1][0]
    with transaction(project.conn) as conn:
        conn.execute("DELETE FROM photos WHERE id = ?", (gone,))
    preset = get_preset("website")
    pieces = [plan_export(project, preset, photo_ids=part) for part in parts]
    assert merge_plans(preset, pieces) == plan_export(project, preset)


def test_an_unreadable_selection_is_refused_before_any_part() -> None:
    with pytest.raises(UserError, match="cannot read"):
        plan_parts(None, "stars>3")  # type: ignore[arg-type]  # refused before any query


def test_export_plans_through_its_access_in_parts(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    card = tmp_path / "card"
    for i in range(10):
        make_jpeg(card / f"{i}.jpg", seed=i, size=(160, 120), captured=f"2026:05:14 10:0{i}:00")
    import_sources(project, [card], workers=1)
    ids = photos.list_photo_ids(project.conn)
    _people(project)
    _cast(project, ids)
    expected = plan_export(project, get_preset("website"))

    access = CountingAccess(project)
    part_sizes: list[int] = []
    real = exporter.plan_export

    def spy(*args: Any, **options: Any) -> ExportPlan:
        assert access.inside  # each part is a unit of the access, not a connection held
        part_sizes.append(len(options["photo_ids"]))
        return real(*args, **options)

    monkeypatch.setattr(exporter, "PLAN_PART_SIZE", 3)
    monkeypatch.setattr(exporter, "plan_export", spy)
    summary = export(
        project, tmp_path / "site", widths=(80,), formats=("jpeg",), workers=1, access=access
    )
    assert part_sizes == [3, 3, 3, 1]
    assert summary.exported == expected.exported
    assert summary.excluded == expected.excluded
    assert {e["verdict"] for e in summary.excluded} == {
        Verdict.BLOCKED.value,
        Verdict.NEEDS_REVIEW.value,
        "rejected",
    }
    assert summary.failed == []
