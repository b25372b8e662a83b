"""A worker thread's own catalog connection under the process's project lock."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from gallery_app.core.catalog.database import transaction
from gallery_app.core.catalog.photos import insert_photo, list_photo_ids
from gallery_app.core.errors import ProjectInUse, UserError
from gallery_app.core.project import ProjectDefaults, create_project, open_project
from tests.helpers import new_photo


def test_worker_handle_writes_on_its_own_connection_under_the_same_lock(tmp_path: Path) -> None:
    project = create_project(tmp_path / "p", ProjectDefaults(event_name="Summit"))
    try:
        handle = project.open_worker_handle()
        assert handle.writable and handle.conn is not project.conn
        assert handle.root == project.root
        added: list[int] = []

        def work() -> None:
            with transaction(handle.conn) as conn:
                added.append(insert_photo(conn, new_photo(1)))

        thread = threading.Thread(target=work)
        thread.start()
        thread.join()
        # The window's connection sees the worker's commit at once (WAL, autocommit reads).
        assert list_photo_ids(project.conn) == added
        handle.close()
        assert not handle.writable
        # Closing the handle neither closed the window's connection nor released the lock.
        assert project.writable and list_photo_ids(project.conn) == added
        with pytest.raises(ProjectInUse):
            open_project(project.root)
    finally:
        project.close()
    open_project(project.root).close()  # the lock was the project's, and it is free now


def test_read_only_project_has_no_worker_handle(tmp_path: Path) -> None:
    create_project(tmp_path / "p", ProjectDefaults(event_name="Summit")).close()
    with open_project(tmp_path / "p", write=False) as reader, pytest.raises(UserError):
        reader.open_worker_handle()
