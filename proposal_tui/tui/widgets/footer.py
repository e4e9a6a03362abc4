"""The key footer, updated in place when only which keys apply has changed.

Textual's Footer rebuilds all of its key widgets whenever the screen's bindings change. On
the dashboard that happens on many cursor moves (reply and resolve apply only where there are
threads), and the rebuild cost a whole frame. Here, when the same keys are shown, only their
enabled state is flipped.
"""

from __future__ import annotations

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
            on = enabled.get(key.action, True)
            # FooterKey keeps its state in _disabled (listed in textual_compat)
            if key._disabled == on:  # noqa: SLF001
                key._disabled = not on  # noqa: SLF001
                key.set_class(not on, "-disabled")
        return True

    def bindings_changed(self, screen: Screen) -> None:
        if self.is_attached and screen is self.screen and screen.app.app_focus:
            if self.flip(screen):
                return
            self._shown = shown_keys(screen)[0]
        super().bindings_changed(screen)
