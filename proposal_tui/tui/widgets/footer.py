"""The key footer, updated in place when only which keys apply has changed.

Textual's Footer rebuilds all of its key widgets whenever the screen's bindings change. On
the dashboard that happens on many cursor moves (reply and resolve apply only where there are
threads), and the rebuild cost a whole frame. Here, when the same keys are shown, only their
enabled state is flipped, and a flipped key is dimmed by its own style rather than by
re-applying the stylesheet to it.
"""

from __future__ import annotations

from collections.abc import Mapping

from textual.screen import Screen
from textual.widgets import Footer

from proposal_tui.tui.textual_compat import FooterKey

Shown = tuple[tuple[str, str, str], ...]


def shown_keys(screen: Screen) -> tuple[Shown, dict[str, bool]]:
    """The keys the footer shows (key, action, description) and whether each action is on."""
    keys: list[tuple[str, str, str]] = []
    enabled: dict[str, bool] = {}
    for _node, binding, on, _tooltip in screen.active_bindings.values():
        if binding.show:
            keys.append((binding.key, binding.action, binding.description))
            enabled.setdefault(binding.action, on)
    return tuple(keys), enabled


def grey(key: FooterKey, on: bool) -> None:
    # FooterKey keeps its state in _disabled (listed in textual_compat). The class says it to
    # the stylesheet; the inline style shows it without a restyle (~1.5 ms a key each time).
    if key._disabled == on:  # noqa: SLF001
        key._disabled = not on  # noqa: SLF001
        key.set_class(not on, "-disabled", update=False)
        key.styles.text_style = "none" if on else "dim"


class KeyFooter(Footer):
    def __init__(self) -> None:
        super().__init__(compact=True)
        self._shown: Shown | None = None

    def on_mount(self) -> None:
        # Footer hears of binding changes through its queue, a repaint after the move that
        # caused them; greying keys in or out needs no rebuild, so it is done as they happen.
        self.screen.bindings_updated_signal.subscribe(self, self._flip_now, immediate=True)

    def _flip_now(self, screen: Screen) -> None:
        if self.is_attached and screen is self.screen:
            self.flip(screen)

    def flip(self, screen: Screen) -> bool:
        """Grey keys in or out in place; False when other keys are shown (then the footer is
        rebuilt when the bindings signal reaches it through the queue)."""
        keys, enabled = shown_keys(screen)
        if keys != self._shown or not self._bindings_ready:
            return False
        for key in self.query(FooterKey):
            grey(key, enabled.get(key.action, True))
        return True

    def grey(self, enabled: Mapping[str, bool]) -> bool:
        """Grey in or out the keys of these actions, for a change that shows or hides no key
        (the caller knows): no walk through all the screen's bindings. False when the
        footer has not been built yet."""
        if self._shown is None or not self._bindings_ready:
            return False
        for key in self.query(FooterKey):
            if key.action in enabled:
                grey(key, enabled[key.action])
        return True

    def bindings_changed(self, screen: Screen) -> None:
        if self.is_attached and screen is self.screen and screen.app.app_focus:
            if self.flip(screen):
                return
            self._shown = shown_keys(screen)[0]
        super().bindings_changed(screen)
