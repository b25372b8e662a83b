"""The live example of a rename template the Import dialog shows."""

from __future__ import annotations

from pathlib import Path

import pytest

from gallery_app.core.errors import UserError
from gallery_app.core.importing.importer import example_file_name
from gallery_app.core.project import ProjectDefaults, create_project


def test_example_file_name_follows_the_template_and_the_sequence(tmp_path: Path) -> None:
    with create_project(tmp_path / "p", ProjectDefaults(event_name="Open Data Summit")) as project:
        assert example_file_name(project, "{event}-{seq:04d}") == "Open-Data-Summit-0001.jpg"
        assert example_file_name(project, "{date}-{time}") == "20260514-101500.jpg"
        project.conn.execute("UPDATE project SET import_sequence = 41")
        assert example_file_name(project, "{original}_{seq}") == "DSC_0042_42.jpg"
        with pytest.raises(UserError, match="unknown variable"):
            example_file_name(project, "{nope}")
