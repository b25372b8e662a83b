"""How a long use case reaches the catalog: in short units of work, run one at a time.

An import, an export or a write-back runs for minutes, mostly on files and worker processes,
and touches the catalog now and then: a row per photo, a record at the end. The desktop app
lets exactly one thread use the catalog (Anki's serialised collection access,
``style-anchors.md`` §3), so that culling, grid reads and a running import never share a
SQLite connection between threads and never wait on each other's locks. The use cases
therefore never hold a connection themselves: each catalog read or write is a small callable
handed to :meth:`CatalogAccess.run`, which runs it wherever the catalog lives and returns its
value. The caller's thread keeps the file and process-pool work.

Rules for a unit of work:

* it gets the :class:`Project` whose ``conn`` it may use, and uses only that one (the
  caller's own project object is for paths: ``root``, ``originals_dir``, ``resolve``);
* a transaction begins and ends inside one unit: other work (the grid, an undo) runs on the
  same connection between two units;
* it is short (one photo, one block of a few hundred ids), so the grid never waits long.

:class:`DirectAccess` runs the unit on the spot, on the caller's own project: what the CLI and
the core tests use, at the cost of one function call. The desktop app passes an access whose
``run`` hands the unit to its catalog thread and waits for the value.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, TypeVar

if TYPE_CHECKING:
    from gallery_app.core.project import Project

T = TypeVar("T")


class CatalogAccess(Protocol):
    """Runs one unit of catalog work and returns its value (raising what it raised)."""

    def run(self, work: Callable[[Project], T]) -> T: ...


class DirectAccess:
    """Runs each unit at once on ``project``, on the calling thread (CLI, tests)."""

    def __init__(self, project: Project) -> None:
        self.project = project

    def run(self, work: Callable[[Project], T]) -> T:
        return work(self.project)


def access_for(project: Project, access: CatalogAccess | None) -> CatalogAccess:
    """``access``, or direct access to ``project`` when the caller gave none."""
    return access if access is not None else DirectAccess(project)
