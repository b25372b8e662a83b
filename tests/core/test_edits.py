"""Tagging and captioning as reversible edits; undo and redo that survive a restart."""

from __future__ import annotations

import pytest

from gallery_app.core import edits
from gallery_app.core.catalog import photos
from gallery_app.core.catalog.database import transaction
from gallery_app.core.errors import PhotoNotFound, UserError
from gallery_app.core.project import Project, open_project
from tests.helpers import new_photo


def _add_photos(project: Project, count: int) -> list[int]:
    with transaction(project.conn) as conn:
        return [
            photos.insert_photo(conn, new_photo(n + 1, keywords=["Venue"], caption="old"))
            for n in range(count)
        ]


def _row(project: Project, photo_id: int) -> dict[str, object]:
    return photos.get_photo(project.conn, photo_id)


def test_bulk_edit_is_one_transaction_and_one_undo_step(project: Project) -> None:
    ids = _add_photos(project, 300)
    edit = edits.apply_edit(
        project,
        ids,
        edits.EditRequest(
            caption="Panel on open data",
            add_keywords=["Sessions | Panel"],
            add_people=["Zoë Müller"],
            rating=4,
            flag=1,
        ),
    )
    assert len(edit.photo_ids) == 300
    first = _row(project, ids[0])
    assert first["caption"] == "Panel on open data"
    assert first["keywords"] == ["Venue", "Sessions|Panel"]
    assert first["people"] == ["Zoë Müller"]
    assert (first["rating"], first["flag"]) == (4, "pick")
    # The new name joined the register with unknown consent, and that was logged.
    assert project.conn.execute("SELECT count(*) FROM people").fetchone()[0] == 1
    undone = edits.undo(project)
    assert undone is not None and undone.description == edit.description
    for photo_id in (ids[0], ids[150], ids[-1]):
        row = _row(project, photo_id)
        assert row["caption"] == "old" and row["keywords"] == ["Venue"] and row["people"] == []
        assert (row["rating"], row["flag"]) == (0, None)
    assert edits.undo(project) is None


def test_undo_redo_survive_reopening_the_project(project: Project) -> None:
    [photo] = _add_photos(project, 1)
    edits.apply_edit(project, [photo], edits.EditRequest(caption="first"))
    edits.apply_edit(project, [photo], edits.EditRequest(caption="second"))
    root = project.root
    project.close()
    with open_project(root) as reopened:
        assert edits.history(reopened.conn)["undo"][0].startswith("set caption")
        edits.undo(reopened)
        assert _row(reopened, photo)["caption"] == "first"
    with open_project(root) as again:
        edits.undo(again)
        assert _row(again, photo)["caption"] == "old"
        edits.redo(again)
        assert _row(again, photo)["caption"] == "first"
        # A new edit drops what could have been redone, as in every editor.
        edits.apply_edit(again, [photo], edits.EditRequest(title="new branch"))
        assert edits.redo(again) is None
        assert edits.history(again.conn)["redo"] == []


def test_remove_and_clear(project: Project) -> None:
    [photo] = _add_photos(project, 1)
    edits.apply_edit(project, [photo], edits.EditRequest(add_people=["Ana", "Ben"]))
    edits.apply_edit(
        project,
        [photo],
        edits.EditRequest(caption="", remove_keywords=["Venue"], remove_people=["ana"]),
    )
    row = _row(project, photo)
    assert row["caption"] is None and row["keywords"] == []
    assert row["people"] == ["Ana", "Ben"]  # removal matches the name exactly
    edits.apply_edit(project, [photo], edits.EditRequest(remove_people=["Ana"]))
    assert _row(project, photo)["people"] == ["Ben"]


def test_tagging_reuses_a_registered_name_regardless_of_case(project: Project) -> None:
    ids = _add_photos(project, 2)
    edits.apply_edit(project, [ids[0]], edits.EditRequest(add_people=["Zoë Müller"]))
    edits.apply_edit(project, [ids[1]], edits.EditRequest(add_people=["ZOË MÜLLER"]))
    assert project.conn.execute("SELECT count(*) FROM people").fetchone()[0] == 1
    assert _row(project, ids[1])["people"] == ["Zoë Müller"]


def test_an_edit_that_changes_nothing_is_not_an_undo_step(project: Project) -> None:
    [photo] = _add_photos(project, 1)
    edit = edits.apply_edit(project, [photo], edits.EditRequest(caption="old"))
    assert edit.changes == ()
    assert edits.undo(project) is None


def test_bad_edits_are_refused(project: Project) -> None:
    [photo] = _add_photos(project, 1)
    with pytest.raises(PhotoNotFound):
        edits.apply_edit(project, [photo, 999], edits.EditRequest(caption="x"))
    assert _row(project, photo)["caption"] == "old"  # nothing half-applied
    with pytest.raises(UserError, match="empty level"):
        edits.apply_edit(project, [photo], edits.EditRequest(add_keywords=["Sessions||Panel"]))
    with pytest.raises(UserError, match="rating"):
        edits.apply_edit(project, [photo], edits.EditRequest(rating=7))
