"""Loads libvips in the worker server, so that each forked worker inherits it ready.

Imported by name from :data:`gallery_app.core.workers._PRELOAD`; the forkserver only forgives
an ``ImportError`` there, and a broken libvips wheel raises ``OSError``, so the import is
guarded here instead (:func:`gallery_app.core.resize.vips_available` then says False).
"""

from gallery_app.core.resize import vips_available

vips_available()
