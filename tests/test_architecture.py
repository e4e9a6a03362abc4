"""The layering is a rule, not a hope: each layer imports only the layers above it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "proposal_tui"
LAYERS = {"domain": 0, "store": 1, "services": 2, "watch": 3, "cli": 4, "tui": 4}
FORBIDDEN = {
    "domain": {"textual", "rich", "git", "watchdog", "subprocess", "tomlkit"},
    "store": {"textual", "rich", "watchdog"},
    "services": {"textual", "rich", "watchdog"},
    "watch": {"textual", "rich"},
}
ALLOWED_SIDEWAYS = {("cli", "tui")}  # the CLI launches the TUI; never the other way round


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def _layer_of(path: Path) -> str | None:
    rel = path.relative_to(PACKAGE).parts
    return rel[0] if len(rel) > 1 and rel[0] in LAYERS else None


def test_layers_import_only_layers_above() -> None:
    violations = []
    for path in PACKAGE.rglob("*.py"):
        layer = _layer_of(path)
        if layer is None:
            continue
        for name in _imports(path):
            top = name.split(".")[0]
            if top in FORBIDDEN.get(layer, set()):
                violations.append(f"{path.relative_to(PACKAGE)} imports {name}")
            if top == "proposal_tui" and len(name.split(".")) > 1:
                target = name.split(".")[1]
                if target in LAYERS and LAYERS[target] >= LAYERS[layer] and target != layer \
                        and (layer, target) not in ALLOWED_SIDEWAYS:
                    violations.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert violations == []


def test_domain_imports_nothing_heavy_at_runtime() -> None:
    code = ("import sys, pkgutil, importlib, proposal_tui.domain as d\n"
            "for m in pkgutil.iter_modules(d.__path__): importlib.import_module("
            "'proposal_tui.domain.' + m.name)\n"
            "bad = [m for m in ('textual', 'rich', 'git', 'watchdog', 'subprocess') "
            "if m in sys.modules]\n"
            "print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == ""


def test_the_checker_catches_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import textual\nfrom proposal_tui.store import repo\n")
    assert _imports(bad) == ["textual", "proposal_tui.store"]
