"""The grid's block read: the same facts as the one-photo queries, for any block of ids."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from gallery_app.core import edits
from gallery_app.core.catalog import photos
from gallery_app.core.catalog.database import transaction
from gallery_app.core.catalog.grid import grid_cells
from gallery_app.core.consent import store
from gallery_app.core.consent.model import ConsentStatus
from gallery_app.core.importing.importer import import_sources
from gallery_app.core.people import register
from gallery_app.core.project import Project
from gallery_app.core.samples import make_sample_photos
from gallery_app.core.writeback import write_back, write_states
from tests.helpers import new_photo


def _photos(project: Project) -> list[int]:
    register.add_person(project, name="Ana Müller")
    register.add_person(project, name="Sam Lee")
    store.add_record(
        project, "Ana Müller", store.new_record(ConsentStatus.GRANTED, store.parse_uses("all"))
    )
    store.add_record(
        project, "Sam Lee", store.new_record(ConsentStatus.REFUSED, store.parse_uses("web"))
    )
    with transaction(project.conn) as conn:
        ids = [
            photos.insert_photo(
                conn,
                new_photo(
                    n,
                    people=[["Ana Müller"], ["Sam Lee"], [], ["Ana Müller", "Sam Lee"]][n % 4],
                    keywords=[f"Sessions|Talk {n}", "stage"][: n % 3],
                    caption="On stage" if n % 2 else None,
                    alt_text="A speaker" if n % 5 == 0 else "",
                    rating=n % 6,
                ),
            )
            for n in range(1, 41)
        ]
    edits.apply_edit(project, ids[:3], edits.EditRequest(flag=-1, color_label="red"))
    edits.apply_edit(project, [ids[2]], edits.EditRequest(no_identifiable_people=True))
    return ids


def test_grid_cells_agree_with_get_photo_and_decisions(project: Project) -> None:
    ids = _photos(project)
    today = dt.date.today()
    everything = store.decisions(project.conn, "web", today)
    block = [*ids[5:30:2], ids[0], 999_999]  # any order, gaps, and an id that is gone
    cells = grid_cells(project.conn, block, "web")
    assert sorted(cells) == sorted(block[:-1])
    for photo_id, cell in cells.items():
        photo = photos.get_photo(project.conn, photo_id)
        assert cell.filename == photo["filename"]
        assert cell.rating == photo["rating"]
        assert cell.flag == {"pick": 1, "reject": -1, None: 0}[photo["flag"]]
        assert cell.color_label == photo["color_label"]
        assert cell.content_hash == photo["content_hash"]
        assert cell.keywords == len(photo["keywords"])
        assert cell.has_caption == bool(photo["caption"])
        assert cell.has_alt_text == bool(photo["alt_text"])
        assert cell.verdict == str(everything[photo_id].verdict)
    assert {c.verdict for c in cells.values()} >= {"cleared", "blocked", "needs_review"}
    assert grid_cells(project.conn, [], "web") == {}


def test_consent_facts_for_a_block_match_the_full_scan(project: Project) -> None:
    ids = _photos(project)
    store.override(project, ids[5], "web", "Far in the background")  # n=6: nobody tagged
    full = store.load_facts(project.conn)
    block = ids[3:9]
    restricted = store.load_facts(project.conn, block)
    assert sorted(restricted) == sorted(block)
    for photo_id in block:
        assert restricted[photo_id] == full[photo_id]


def test_write_state_of_a_block_matches_write_states(project: Project, tmp_path: Path) -> None:
    card = tmp_path / "card"
    make_sample_photos(card, 5, size=(320, 240), quality=80)
    summary = import_sources(project, [card], workers=1)
    ids = sorted(summary.imported)
    assert len(ids) == 5
    cells = grid_cells(project.conn, ids, "web")
    assert {c.write_state for c in cells.values()} == {"never_written"}

    edits.apply_edit(project, ids[:3], edits.EditRequest(caption="Keynote"))
    written = write_back(project, ids[:3])
    assert len(written.written) == 3, written.to_dict()
    edits.apply_edit(project, [ids[0]], edits.EditRequest(caption="Keynote, day two"))
    # A consent change also changes what would be written (plus:ModelReleaseStatus).
    edits.apply_edit(project, [ids[1]], edits.EditRequest(no_identifiable_people=True))

    cells = grid_cells(project.conn, [*ids, 999_999], "web")
    truth = write_states(project.conn, ids)
    assert {pid: c.write_state for pid, c in cells.items()} == {
        pid: state.value for pid, state in truth.items()
    }
    assert cells[ids[0]].write_state == "changed"
    assert cells[ids[2]].write_state == "up_to_date"
    assert cells[ids[4]].write_state == "never_written"
