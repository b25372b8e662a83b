"""The desktop app: a thin Qt layer over the same core use cases the CLI calls.

Nothing under :mod:`gallery_app.core` or :mod:`gallery_app.cli` may import this package (the
layering test enforces it), so the core stays usable without PySide6 installed.
"""
