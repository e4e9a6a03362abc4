"""Two themes picked from the xterm 256-colour cube, so they survive SSH without COLORTERM.

Every status also carries a symbol, so a 16-colour ``TERM=xterm`` still reads correctly.
The stylesheets use two variables of their own (``$pt-muted``, ``$pt-faint``): concrete greys,
because Textual's ``$text-muted`` is an "auto" colour that cannot be resolved for the
foreground-only styles the tables use. So only these two themes can be selected.
"""

from __future__ import annotations

from textual.theme import Theme

DARK = Theme(
    name="proposal-dark",
    primary="#5f87d7",
    secondary="#87afd7",
    accent="#d7af5f",
    warning="#d7af00",
    error="#ff5f5f",
    success="#5faf5f",
    foreground="#d0d0d0",
    background="#1c1c1c",
    surface="#262626",
    panel="#303030",
    dark=True,
    variables={"pt-muted": "#8a8a8a", "pt-faint": "#585858"},
)
LIGHT = Theme(
    name="proposal-light",
    primary="#005faf",
    secondary="#5f87af",
    accent="#875f00",
    warning="#af5f00",
    error="#d70000",
    success="#008700",
    foreground="#1c1c1c",
    background="#eeeeee",
    surface="#e4e4e4",
    panel="#d0d0d0",
    dark=False,
    variables={"pt-muted": "#626262", "pt-faint": "#a8a8a8"},
)
THEMES = (DARK, LIGHT)


def other_theme(name: str) -> str:
    """The theme the toggle key switches to (from any theme, dark goes light and back)."""
    return LIGHT.name if name == DARK.name else DARK.name
