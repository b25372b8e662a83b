"""Errors the core raises, split by whose problem they are.

A :class:`UserError` is something the person at the keyboard can understand and act on (a
project folder that is in use, a catalog from a newer version, a path that does not exist). The
CLI prints its message on one line and exits non-zero; the GUI shows it in a dialog. Anything
else that escapes the core is a bug and is reported as such.
"""


class GalleryError(Exception):
    """Base class of every error the core raises on purpose."""


class UserError(GalleryError):
    """A problem the user can fix; the message is shown to them verbatim."""


class ProjectNotFound(UserError):
    """The folder given is not a Gallery Curator project."""


class ProjectExists(UserError):
    """``init`` was asked to create a project where one (or other files) already exists."""


class ProjectInUse(UserError):
    """Another process holds the project's write lock."""


class CatalogTooNew(UserError):
    """The catalog was written by a newer version of the app than this one."""


class CatalogCorrupt(UserError):
    """The catalog file cannot be read as a Gallery Curator catalog."""


class PhotoNotFound(UserError):
    """A photo id that is not in the catalog."""


class Cancelled(GalleryError):
    """A long operation stopped because the caller asked it to."""
