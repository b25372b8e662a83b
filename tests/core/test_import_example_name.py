"""Small import helpers the desktop app relies on: the live example of a rename template,
and failure reasons in words."""

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


def test_file_system_failures_are_described_without_errno_jargon() -> None:
    from gallery_app.core.importing.importer import describe_failure

    missing = FileNotFoundError(2, "No such file or directory", "/media/card/DSC_0001.JPG")
    assert describe_failure(missing, 60).startswith("the file is not there any more")
    assert describe_failure(PermissionError(13, "Permission denied", "/x"), 60).startswith(
        "permission denied"
    )
    odd = OSError(36, "File name too long", "/x")
    assert describe_failure(odd, 60) == "could not be read: file name too long"
