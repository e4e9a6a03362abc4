"""Watch a proposal repository and report what changed (no UI imports: the TUI adapts)."""

from proposal_tui.store.fingerprint import Change, FileStat, Fingerprint, RefMove
from proposal_tui.watch.paths import is_editor_temp, manifest_section_paths
from proposal_tui.watch.watcher import POLLING, WATCHING, Mode, RepoWatcher, WatchStats

__all__ = ["Change", "FileStat", "Fingerprint", "Mode", "POLLING", "RefMove", "RepoWatcher",
           "WATCHING", "WatchStats", "is_editor_temp", "manifest_section_paths"]
