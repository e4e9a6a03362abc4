"""The layering is checked by import-linter (`lint-imports`, run by `make test`; the contracts
are in pyproject.toml). A contract sees the import statements; this checks what importing
the domain actually loads, which a lazy or indirect import could change."""

from __future__ import annotations

import subprocess
import sys


def test_domain_imports_nothing_heavy_at_runtime() -> None:
    code = ("import sys, pkgutil, importlib, proposal_tui.domain as d\n"
            "for m in pkgutil.iter_modules(d.__path__): importlib.import_module("
            "'proposal_tui.domain.' + m.name)\n"
            "bad = [m for m in ('textual', 'rich', 'git', 'watchdog', 'subprocess', 'sqlite3', "
            "'tomlkit') if m in sys.modules]\n"
            "print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == ""


def test_the_workspace_module_builds_nothing_on_import() -> None:
    """`proposal --help` and cheap commands stay cheap: the workspace imports its services
    only when a member is first used."""
    code = ("import sys, proposal_tui.services.workspace\n"
            "heavy = [m for m in sys.modules if m.startswith(('proposal_tui.services.export', "
            "'proposal_tui.services.reviews', 'proposal_tui.services.compliance', "
            "'proposal_tui.services.rounds', 'proposal_tui.services.progress', 'markdown_it', "
            "'textual', 'watchdog'))]\n"
            "print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == ""
