"""Light and dark: follow the system's colour scheme, or the user's choice, live.

Qt reports the system's scheme (``QStyleHints.colorScheme``) and its changes
(``colorSchemeChanged``) on Windows, macOS and current Linux desktops, but not every platform
style repaints in dark on its own (several Linux setups keep a light palette under a dark
desktop). So when the scheme Qt reports and the palette disagree, or the user picked Light or
Dark under View ▸ Appearance, the app sets a Fusion palette of its own. Widgets react to the
resulting ``PaletteChange`` (the grid view drops its drawn pieces); nothing needs a restart.
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

from gallery_app.gui import settings

MODES = ("system", "light", "dark")
MODE_LABELS = {"system": "Follow &system", "light": "&Light", "dark": "&Dark"}


def dark_palette() -> QPalette:
    """A calm dark palette: enough contrast for text (WCAG AA on every text role)."""
    p = QPalette()
    window = QColor("#2b2d30")
    base = QColor("#1f2124")
    text = QColor("#e6e6e6")
    muted = QColor("#9a9ea4")
    highlight = QColor("#3d7fd9")
    roles = {
        QPalette.ColorRole.Window: window,
        QPalette.ColorRole.WindowText: text,
        QPalette.ColorRole.Base: base,
        QPalette.ColorRole.AlternateBase: QColor("#34373b"),
        QPalette.ColorRole.ToolTipBase: QColor("#3a3d41"),
        QPalette.ColorRole.ToolTipText: text,
        QPalette.ColorRole.PlaceholderText: muted,
        QPalette.ColorRole.Text: text,
        QPalette.ColorRole.Button: QColor("#3a3d41"),
        QPalette.ColorRole.ButtonText: text,
        QPalette.ColorRole.BrightText: QColor("#ff6b6b"),
        QPalette.ColorRole.Light: QColor("#4a4d52"),
        QPalette.ColorRole.Midlight: QColor("#404347"),
        QPalette.ColorRole.Mid: QColor("#505459"),
        QPalette.ColorRole.Dark: QColor("#18191b"),
        QPalette.ColorRole.Shadow: QColor("#000000"),
        QPalette.ColorRole.Highlight: highlight,
        QPalette.ColorRole.HighlightedText: QColor("#ffffff"),
        QPalette.ColorRole.Link: QColor("#7fb2f0"),
        QPalette.ColorRole.LinkVisited: QColor("#b39ddb"),
    }
    for role, colour in roles.items():
        p.setColor(QPalette.ColorGroup.All, role, colour)
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor("#7a7d82"))
    return p


def light_palette() -> QPalette:
    """Fusion's own light palette (what the app looks like on most light desktops)."""
    style = QStyleFactory.create("Fusion")
    return style.standardPalette() if style is not None else QPalette()


class Appearance(QObject):
    """Applies the chosen mode to the application and follows the system while it is "system".

    One per application (:func:`appearance`); the View menu calls :meth:`set_mode`.
    """

    changed = Signal(str)
    """The effective scheme now shown: "light" or "dark"."""

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self._app = app
        self._original_style = app.style().name()
        self._original_palette = QPalette(app.palette())
        self._custom = False
        self._mode = settings.appearance()
        self._scheme = app.styleHints().colorScheme()
        app.styleHints().colorSchemeChanged.connect(self._on_system_scheme)

    @property
    def mode(self) -> str:
        return self._mode

    @property
    def dark(self) -> bool:
        return self._app.palette().color(QPalette.ColorRole.Window).lightness() < 128

    def set_mode(self, mode: str) -> None:
        """Switch to "system", "light" or "dark" and remember it."""
        if mode not in MODES:
            raise ValueError(f"appearance must be one of {', '.join(MODES)}, not {mode!r}")
        self._mode = mode
        settings.set_appearance(mode)
        self.apply()

    def apply(self) -> None:
        if self._mode == "dark":
            self._use(dark_palette())
        elif self._mode == "light":
            self._use(light_palette())
        elif self._scheme == Qt.ColorScheme.Dark:
            self._use(None if self._platform_is_dark() else dark_palette())
        elif self._scheme == Qt.ColorScheme.Light:
            self._use(None if not self._platform_is_dark() else light_palette())
        else:
            self._use(None)  # the platform says nothing: keep what it gave us
        self.changed.emit("dark" if self.dark else "light")

    def _platform_is_dark(self) -> bool:
        return self._original_palette.color(QPalette.ColorRole.Window).lightness() < 128

    def _use(self, palette: QPalette | None) -> None:
        if palette is None:
            if self._custom:
                if self._app.style().name().lower() != self._original_style.lower():
                    self._app.setStyle(self._original_style)
                self._app.setPalette(self._original_palette)
                self._custom = False
            return
        if not self._custom and self._app.style().name().lower() != "fusion":
            self._app.setStyle("Fusion")  # native styles may ignore a palette; Fusion honours it
        self._app.setPalette(palette)
        self._custom = True

    def _on_system_scheme(self, scheme: Qt.ColorScheme) -> None:
        """The desktop switched between light and dark (Qt tells us; so may tests)."""
        self._scheme = scheme
        if not self._custom:
            # Where the platform restyles itself (Windows, macOS), its new palette is already
            # in place: remember it, so a native dark palette is kept rather than replaced.
            self._original_palette = QPalette(self._app.palette())
        if self._mode == "system":
            self.apply()


_current: list[Appearance] = []
"""The one made for the running application, kept here rather than found among the
application's children (a search of milliseconds, on the way to a window's first paint)."""


def appearance() -> Appearance:
    """The application's :class:`Appearance`, made (and applied) on first use."""
    app = QGuiApplication.instance()
    if not isinstance(app, QApplication):
        raise RuntimeError("the appearance needs a QApplication")
    if _current and shiboken6.isValid(_current[0]) and _current[0].parent() is app:
        return _current[0]
    made = Appearance(app)
    made.apply()
    _current[:] = [made]
    return made
