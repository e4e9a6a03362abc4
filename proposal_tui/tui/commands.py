"""The command palette: every key binding of the current screen, plus commands with no key
(sort orders, quick filters, jump to a section, zoom, theme)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.fuzzy import Matcher

from proposal_tui.domain.text import one_line
from proposal_tui.tui.filtering import SORTS

if TYPE_CHECKING:
    from proposal_tui.tui.app import ProposalApp

Command = tuple[str, Callable[[], object], str]


class ProposalCommands(Provider):
    """Commands are rebuilt on each search, so what is disabled right now is left out."""

    @property
    def papp(self) -> ProposalApp:
        from proposal_tui.tui.app import ProposalApp

        assert isinstance(self.app, ProposalApp)
        return self.app

    def binding_commands(self) -> Iterator[Command]:
        """Every binding active on the screen the palette was opened from, with its key."""
        seen: set[str] = set()
        for _key, active in self.screen.active_bindings.items():
            binding = active.binding
            if not active.enabled or binding.action in ("command_palette",):
                continue
            name = binding.description or binding.action
            ident = f"{binding.id or binding.action}"
            if ident in seen:
                continue
            seen.add(ident)
            display = self.app.get_key_display(binding)
            yield (f"{name} ({display})",
                   partial(self.app.call_later, active.node.run_action, binding.action),
                   f"key {display} · id {binding.id or '-'}")

    def extra_commands(self) -> Iterator[Command]:
        app = self.papp
        yield ("Refresh", app.action_refresh, "re-read the repository now (ctrl+r)")
        dashboard = app.dashboard
        if dashboard is None or self.screen is not dashboard:
            return
        for name, (label, _key) in SORTS.items():
            yield (f"Sort by {label}", partial(dashboard.sort_by, name),
                   "sections table order")
        for query, label in (("is:overdue", "overdue"), ("is:risk", "at risk"),
                             ("is:stale", "stale"), ("is:over", "over the limit"),
                             ("is:edited", "edited, not committed"),
                             ("is:open", "with open comments"), ("", "everything (clear)")):
            yield (f"Filter: {label}", partial(dashboard.set_query, query),
                   f"type '{query}' after / for the same" if query else "clear the filter")
        snap = app.data.snapshot
        if snap is not None:
            for person in snap.manifest.people:
                yield (f"Filter: owner {one_line(person.handle)}",
                       partial(dashboard.set_owner, person.handle), one_line(person.name, 40))
            for state in snap.states:
                yield (f"Go to {one_line(state.section.id)}: "
                       f"{one_line(state.section.title, 50)}",
                       partial(dashboard.table.select, state.section.id), "select the section")
        yield ("Timeline: zoom", dashboard.query_one("#timeline-pane").action_zoom,  # type: ignore[attr-defined]
               "days / weeks / months (z in the timeline)")

    def commands(self) -> list[Command]:
        return [*self.binding_commands(), *self.extra_commands()]

    async def discover(self) -> Hits:
        for name, callback, help_text in self.commands():
            yield DiscoveryHit(Content(name), callback, text=name,
                               help=cast(str, Content(help_text)))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, help_text in self.commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, literal_highlight(matcher, name), callback, text=name,
                          help=cast(str, Content(help_text)))


def literal_highlight(matcher: Matcher, name: str) -> Content:
    """Like ``Matcher.highlight`` but never reads ``name`` as markup (titles are user text);
    prompts and help are passed as Content because the palette parses plain str as markup."""
    content = Content(name)
    _score, offsets = matcher.fuzzy_search.match(matcher.query, name)
    for offset in offsets:
        if not name[offset].isspace():
            content = content.stylize("bold underline", offset, offset + 1)
    return content
