"""Tagging and captioning as reversible edits; undo and redo that survive a restart."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from gallery_app.core import edits
from gallery_app.core.catalog import photos
from gallery_app.core.catalog.database import migrate, transaction
from gallery_app.core.catalog.migrations import MIGRATIONS
from gallery_app.core.consent import store
from gallery_app.core.consent.model import USES, ConsentStatus
from gallery_app.core.errors import PhotoNotFound, UserError
from gallery_app.core.people import register
from gallery_app.core.project import CATALOG_NAME, Project, open_project
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


# --------------------------------------------------------------------------------------------
# People are remembered by id: a rename in between changes nothing undo restores


def _people_named(project: Project, name: str) -> list[int]:
    return [
        int(r[0])
        for r in project.conn.execute(
            "SELECT id FROM people WHERE casefold(name) = casefold(?)", (name,)
        )
    ]


def test_undoing_an_edit_older_than_a_rename_restores_the_same_person(project: Project) -> None:
    [photo] = _add_photos(project, 1)
    ana = register.add_person(project, name="Ana", email="ana@example.org")
    store.add_record(
        project, "ana@example.org", store.new_record(ConsentStatus.GRANTED, frozenset(USES))
    )
    edits.apply_edit(project, [photo], edits.EditRequest(add_people=["ana", "Ben"]))
    edits.apply_edit(project, [photo], edits.EditRequest(remove_people=["Ana"]))
    register.update_person(project, ana.id, name="Ana Müller", email="ana@example.org")
    people_before = project.conn.execute("SELECT count(*) FROM people").fetchone()[0]

    edits.undo(project)  # the removal, made before the rename
    assert _row(project, photo)["people"] == ["Ana Müller", "Ben"]
    assert _people_named(project, "Ana") == []  # no stranger called "Ana" appeared
    assert project.conn.execute("SELECT count(*) FROM people").fetchone()[0] == people_before
    # Still Ana with her consent: only Ben's consent is in question, not a new "Ana"'s.
    assert store.decisions(project.conn, "web")[photo].reasons == (
        "consent of Ben for web use is unknown",
    )

    register.update_person(project, ana.id, name="Ana Müller-Silva", email="ana@example.org")
    edits.redo(project)
    assert _row(project, photo)["people"] == ["Ben"]
    edits.undo(project)
    edits.undo(project)  # the first tagging, too
    assert _row(project, photo)["people"] == []
    edits.redo(project)
    assert _row(project, photo)["people"] == ["Ana Müller-Silva", "Ben"]
    assert project.conn.execute("SELECT count(*) FROM people").fetchone()[0] == people_before


def test_undo_survives_a_restart_with_people_by_id(project: Project) -> None:
    [photo] = _add_photos(project, 1)
    edits.apply_edit(project, [photo], edits.EditRequest(add_people=["Zoë Müller"]))
    edits.apply_edit(project, [photo], edits.EditRequest(remove_people=["Zoë Müller"]))
    [zoe] = _people_named(project, "Zoë Müller")
    stored = project.conn.execute("SELECT changes FROM edit_history ORDER BY id").fetchall()
    assert [json.loads(r[0]) for r in stored] == [
        [[photo, "people", [], [[zoe, "Zoë Müller"]]]],
        [[photo, "people", [[zoe, "Zoë Müller"]], []]],
    ]
    root = project.root
    project.close()
    with open_project(root) as reopened:
        register.update_person(reopened, zoe, name="Zoe Mueller")
        edits.undo(reopened)
        assert _row(reopened, photo)["people"] == ["Zoe Mueller"]


def test_undo_that_would_tag_a_removed_person_is_refused_and_changes_nothing(
    project: Project,
) -> None:
    [photo] = _add_photos(project, 1)
    edits.apply_edit(project, [photo], edits.EditRequest(add_people=["Ana", "Ben"]))
    edits.apply_edit(project, [photo], edits.EditRequest(remove_people=["Ana"]))
    [ana] = _people_named(project, "Ana")
    # Nothing in the app deletes people (consent history must stay); another tool could.
    project.conn.execute("DELETE FROM people WHERE id = ?", (ana,))
    history = edits.history(project.conn)
    with pytest.raises(edits.EditNotApplicable) as refused:
        edits.undo(project)
    message = str(refused.value)
    assert message.startswith("cannot undo “set people on 1 photo”: it would tag Ana (id ")
    assert "no longer in the people register" in message
    assert _row(project, photo)["people"] == ["Ben"]
    assert _people_named(project, "Ana") == []
    assert edits.history(project.conn) == history  # still the next step; nothing was skipped
    # Removing people never needs them back: a newer edit that drops Ben still undoes.
    edits.apply_edit(project, [photo], edits.EditRequest(remove_people=["Ben"]))
    assert edits.undo(project) is not None
    assert _row(project, photo)["people"] == ["Ben"]


def test_the_applied_edit_is_what_the_history_gives_back(project: Project) -> None:
    """The desktop app checks that undo undid *its* edit by comparing the stored form."""
    ids = _add_photos(project, 2)
    edit = edits.apply_edit(
        project, ids, edits.EditRequest(add_people=["Ana", "Ben"], caption="Panel")
    )
    undone = edits.undo(project)
    assert undone is not None and undone.to_json() == edit.to_json()
    assert undone == edit
    tagged = [p for c in edit.changes if c.field == "people" for p in c.after]
    assert tagged and all(isinstance(p, edits.TaggedPerson) for p in tagged)


def _old_catalog_with_edits_by_name(root: Path) -> None:
    """A catalog as version 5 of the app left it: undo history that names people."""
    root.mkdir()
    conn = sqlite3.connect(root / CATALOG_NAME, isolation_level=None)
    migrate(conn, MIGRATIONS[:5])
    with transaction(conn):
        conn.execute(
            "INSERT INTO project (id, event_name, created_at) VALUES (1, 'Gala', '2026-01-10')"
        )
        photos.insert_photo(conn, new_photo(1))
        # Tagging made Ana and Ben (SQLite's datetime('now'): naive UTC); Ana was renamed
        # later; the old undo then made a stranger called "Ana"; Ghost left no trace at all.
        conn.executemany(
            "INSERT INTO people (id, name, created_at) VALUES (?, ?, ?)",
            [
                (1, "Ana Müller", "2026-01-10 09:59:58"),
                (2, "Ben", "2026-01-10 09:59:58"),
                (3, "Ana", "2026-01-12 08:00:00"),
            ],
        )
        conn.execute("INSERT INTO photo_people VALUES (1, 2, 0)")
        history = [
            ("2026-01-09T12:00:00+01:00", "set people on 1 photo", [[1, "people", ["Ghost"], []]]),
            (
                "2026-01-10T11:00:00+01:00",
                "set people on 1 photo",
                [[1, "people", [], ["ana", "Ben"]], [1, "caption", None, "Gala"]],
            ),
            (
                "2026-01-10T12:30:00+00:00",
                "set people on 1 photo",
                [[1, "people", ["Ana", "Ben"], ["Ben"]]],
            ),
        ]
        for at, description, changes in history:
            conn.execute(
                "INSERT INTO edit_history (at, actor, description, changes) VALUES (?, 'jo', ?, ?)",
                (at, description, json.dumps(changes)),
            )
        conn.execute("UPDATE photos SET caption = 'Gala' WHERE id = 1")
        conn.execute(
            "INSERT INTO audit_log (at, actor, action, subject, details) VALUES"
            " ('2026-01-11T09:00:00+00:00', 'jo', 'person_updated', 'person:1', ?)",
            (json.dumps({"name": {"before": "Ana", "after": "Ana Müller"}}),),
        )
    conn.close()


def test_old_undo_history_is_migrated_to_people_by_id(tmp_path: Path) -> None:
    root = tmp_path / "old"
    _old_catalog_with_edits_by_name(root)
    with open_project(root) as project:
        stored = [
            json.loads(r[0])
            for r in project.conn.execute("SELECT changes FROM edit_history ORDER BY id")
        ]
        # "Ana" on 10 January was person 1 (renamed on the 11th), not the later stranger 3.
        assert stored == [
            [[1, "people", [[None, "Ghost"]], []]],
            [[1, "people", [], [[1, "ana"], [2, "Ben"]]], [1, "caption", None, "Gala"]],
            [[1, "people", [[1, "Ana"], [2, "Ben"]], [[2, "Ben"]]]],
        ]
        edits.undo(project)
        assert _row(project, 1)["people"] == ["Ana Müller", "Ben"]
        edits.undo(project)
        assert _row(project, 1)["people"] == [] and _row(project, 1)["caption"] is None
        edits.redo(project)
        assert _row(project, 1)["people"] == ["Ana Müller", "Ben"]
        edits.undo(project)
        with pytest.raises(edits.EditNotApplicable, match="would tag Ghost, who is no longer"):
            edits.undo(project)
        assert project.conn.execute("SELECT count(*) FROM people").fetchone()[0] == 3
