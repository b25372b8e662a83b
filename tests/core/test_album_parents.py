"""Which keywords the Export dialog offers to split a gallery into albums."""

from __future__ import annotations

from pathlib import Path

from gallery_app.core.catalog.database import transaction
from gallery_app.core.catalog.photos import insert_photo
from gallery_app.core.export.selection import album_parents
from gallery_app.core.project import ProjectDefaults, create_project
from tests.helpers import new_photo


def test_parents_with_their_album_count_and_never_people(tmp_path: Path) -> None:
    with create_project(tmp_path / "p", ProjectDefaults(event_name="Summit")) as project:
        assert album_parents(project.conn) == []
        with transaction(project.conn) as conn:
            insert_photo(
                conn,
                new_photo(
                    1, keywords=["Sessions|Keynote", "Venue|Hall A|Stage", "People|Ana Müller"]
                ),
            )
            insert_photo(conn, new_photo(2, keywords=["Sessions|Panel", "Sessions|Keynote"]))
            insert_photo(conn, new_photo(3, keywords=["people|Sam Lee", "Flat"]))
        assert album_parents(project.conn) == [
            ("Sessions", 2),
            ("Venue", 1),
            ("Venue|Hall A", 1),
        ]
