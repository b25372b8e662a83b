"""Shared fixtures: the real camera corpus, generated photos, fresh projects.

Tests reach the licensed camera files through ``GALLERY_TEST_CORPUS`` (set by ``.ci/run``);
they are never copied into the repository. When the variable is set the corpus must be there:
a missing folder fails the run instead of silently skipping the most important tests; on CI
(``CI`` set) a missing variable fails too.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from gallery_app.core.project import Project, ProjectDefaults, create_project
from tests.helpers import make_jpeg

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    value = os.environ.get("GALLERY_TEST_CORPUS")
    if not value:
        if os.environ.get("CI"):  # as for the GUI and browser tests: CI fails rather than skips
            pytest.fail("GALLERY_TEST_CORPUS is not set, but CI must run the corpus tests")
        pytest.skip("GALLERY_TEST_CORPUS is not set (CI sets it to ../shared/testdata/camera)")
    path = Path(value)
    if not path.is_dir():
        pytest.fail(f"GALLERY_TEST_CORPUS={value} is set but is not a folder")
    return path


@pytest.fixture(scope="session")
def exiftool() -> str:
    path = shutil.which("exiftool")
    if path is None:
        pytest.fail("exiftool is required as the independent metadata oracle (make system)")
    return path


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    proj = create_project(
        tmp_path / "project",
        ProjectDefaults(
            event_name="Open Data Summit 2026",
            event_date="2026-05-14",
            venue="Town Hall",
            creator="Jo Photographer",
            credit="Jo Photographer / Example",
            copyright="© 2026 Example",
        ),
    )
    yield proj
    proj.close()


@pytest.fixture
def photo_folder(tmp_path: Path) -> Path:
    """Six small real JPEGs from two cameras, one rotated, one with GPS, one with a caption."""
    folder = tmp_path / "card"
    folder.mkdir()
    for i in range(6):
        make_jpeg(
            folder / f"DSC_{i:04d}.JPG",
            seed=i,
            captured=f"2026:05:14 10:{i:02d}:00",
            make="NIKON CORPORATION" if i % 2 else "Canon",
            model="NIKON D750" if i % 2 else "Canon EOS R6",
            orientation=6 if i == 2 else 1,
            gps=(53.7997, -1.5492) if i == 3 else None,
            description="Panel on open data in Leeds" if i == 4 else None,
        )
    return folder
