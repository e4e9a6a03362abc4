"""Textual's private parts that we use still have the shape we rely on (tui/textual_compat.py).

Each test gathers every difference before failing, so one run after a Textual upgrade says all
there is to re-check.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib
import inspect
import re
import tomllib
from dataclasses import replace
from importlib.metadata import version
from pathlib import Path

import textual
from rich.style import Style
from textual.dom import DOMNode
from textual.strip import Strip
from textual.widgets import DataTable

from proposal_tui.tui import textual_compat
from proposal_tui.tui.textual_compat import (
    MIRRORED,
    PRIVATE,
    TEXTUAL_VERSION,
    Compositor,
    FooterKey,
    Private,
)
from tests import ROOT

PACKAGE = ROOT / "proposal_tui"
COMPAT = PACKAGE / "tui" / "textual_compat.py"


def loudly(problems: list[str]) -> str:
    return (f"Textual internals changed: {'; '.join(problems)}; re-check "
            f"proposal_tui/tui/textual_compat.py against Textual {version('textual')}")


def params(function: object) -> tuple[str, ...]:
    """Parameter names after ``self``."""
    return tuple(inspect.signature(function).parameters)[1:]  # type: ignore[arg-type]


def instance(owner: type) -> object:
    """A new one, for attributes that Textual sets in ``__init__``."""
    if owner is FooterKey:
        return FooterKey("q", "q", "quit", "quit")
    return owner()


def our_modules() -> list[tuple[Path, object]]:
    return [(path, importlib.import_module(".".join(path.relative_to(ROOT).with_suffix("").parts)))
            for path in sorted((PACKAGE / "tui").rglob("*.py"))]


def test_the_installed_textual_is_the_one_checked() -> None:
    pinned = next(dep for dep in tomllib.loads((ROOT / "pyproject.toml").read_text())
                  ["project"]["dependencies"] if re.match(r"textual\b", dep))
    problems = [f"{what} is {found}, textual_compat was checked against {TEXTUAL_VERSION}"
                for what, found in (("the installed version", version("textual")),
                                    ("textual.__version__", textual.__version__),
                                    ("pyproject.toml's pin", pinned.removeprefix("textual==")))
                if found != TEXTUAL_VERSION]
    assert not problems, loudly(problems)


def shape_problems(entry: Private) -> list[str]:
    what = f"{entry.owner.__name__}.{entry.name} (used by {entry.where})"
    if entry.use in ("override", "call"):
        method = getattr(entry.owner, entry.name, None)
        if not callable(method):
            return [f"{what} is no longer a method"]
        if params(method) != entry.params:
            return [f"{what} now takes {params(method)}, we use {entry.params}"]
        return []
    obj = instance(entry.owner)
    if not hasattr(obj, entry.name):
        return [f"{what} is gone"]
    value = getattr(obj, entry.name)
    if entry.value is not None and not isinstance(value, entry.value):
        expected = entry.value if isinstance(entry.value, tuple) else (entry.value,)
        return [f"{what} now holds {type(value).__name__}, we use "
                f"{' or '.join(t.__name__ for t in expected)}"]
    return [f"{what} has no {member}" for member in entry.has if not hasattr(value, member)]


def test_each_private_member_we_use_has_the_shape_we_use() -> None:
    problems = [problem for entry in PRIVATE for problem in shape_problems(entry)]
    assert not problems, loudly(problems)


def test_our_overrides_match_the_list() -> None:
    """The list says what our code does: each listed override exists, with those parameters."""
    classes = [obj for _path, module in our_modules() for obj in vars(module).values()
               if inspect.isclass(obj) and obj.__module__ == module.__name__]
    problems = []
    for entry in PRIVATE:
        if entry.use != "override":
            continue
        ours = [cls for cls in classes if entry.name in vars(cls)]
        if not ours:
            problems.append(f"no class of ours overrides {entry.name}; drop it from PRIVATE")
        problems += [f"{cls.__name__}.{entry.name} takes {params(vars(cls)[entry.name])}, "
                     f"textual_compat lists {entry.params}"
                     for cls in ours if params(vars(cls)[entry.name]) != entry.params]
    assert not problems, "\n".join(problems)


def test_the_shape_check_sees_a_change() -> None:
    """What an upgrade could do: a parameter renamed, an attribute gone."""
    class Changed(DataTable[str]):
        def _render_line(  # type: ignore[override]
                self, y: int, x1: int, x2: int, style: Style) -> Strip:
            return super()._render_line(y, x1, x2, style)

    by_name = {entry.name: entry for entry in PRIVATE}
    assert shape_problems(replace(by_name["_render_line"], owner=Changed)) == [
        "Changed._render_line (used by widgets/sections_table.py SectionsTable) now takes "
        "('y', 'x1', 'x2', 'style'), we use ('y', 'x1', 'x2', 'base_style')"]
    assert shape_problems(replace(by_name["_line_cache"], name="_lines_cache")) == [
        "DataTable._lines_cache (used by widgets/sections_table.py SectionsTable._render_line) "
        "is gone"]
    assert shape_problems(replace(by_name["_update_count"], value=str)) == [
        "DataTable._update_count (used by widgets/kept_cells.py KeptCells.shape_count) "
        "now holds int, we use str"]


def test_the_textual_code_we_copy_is_unchanged() -> None:
    problems = []
    for mirrored in MIRRORED:
        source = inspect.getsource(getattr(mirrored.owner, mirrored.name))
        digest = hashlib.sha256(source.encode()).hexdigest()[:len(mirrored.digest)]
        if digest != mirrored.digest:
            problems.append(f"the body of {mirrored.owner.__name__}.{mirrored.name} changed "
                            f"(digest now {digest}), re-read {mirrored.where}")
    assert not problems, loudly(problems)


def private_textual_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        found += [f"{path.relative_to(ROOT)}:{node.lineno} imports {name}" for name in names
                  if name.split(".")[0] == "textual"
                  and any(part.startswith("_") for part in name.split("."))]
    return found


def test_only_textual_compat_imports_private_textual_modules() -> None:
    found = [hit for path in sorted(PACKAGE.rglob("*.py")) if path != COMPAT
             for hit in private_textual_imports(path)]
    assert not found, ("import Textual's private names from proposal_tui/tui/textual_compat.py "
                       "(and list them there): " + "; ".join(found))


def test_the_check_sees_a_private_import(tmp_path: Path) -> None:
    """The scan above is not blind: it catches each spelling of a private import."""
    tmp = PACKAGE / "tui" / f"_probe_{tmp_path.name}.py"
    tmp.write_text("from textual.widgets._footer import FooterKey\n"
                   "from textual.widgets import _data_table\n"
                   "import textual._two_way_dict\n"
                   "from textual.widgets.data_table import RowKey\n")
    try:
        assert [hit.split(" imports ")[1] for hit in private_textual_imports(tmp)] == [
            "textual.widgets._footer.FooterKey", "textual.widgets._data_table",
            "textual._two_way_dict"]
    finally:
        tmp.unlink()


@functools.cache
def defined_by(textual_class: type) -> frozenset[str]:
    """Private names a Textual class defines or sets on ``self``."""
    names = {name for name in vars(textual_class) if re.match(r"_[a-z]", name)}
    try:
        names |= set(re.findall(r"self\.(_[a-z]\w*)", inspect.getsource(textual_class)))
    except (OSError, TypeError):
        pass
    return frozenset(names)


def textual_private_names(classes: list[type]) -> set[str]:
    """Private names that Textual's classes among the bases of ``classes`` define or set."""
    return set().union(*(defined_by(k) for cls in classes for k in cls.__mro__
                         if k.__module__.split(".")[0] == "textual"))


def private_use(node: ast.AST) -> tuple[str, bool] | None:
    """(name, on self?) when ``node`` reads ``x._name`` or defines ``_name``."""
    if isinstance(node, ast.Attribute) and re.match(r"_[a-z]", node.attr):
        value = node.value
        own = (isinstance(value, ast.Name) and value.id == "self") or (
            isinstance(value, ast.Call) and isinstance(value.func, ast.Name)
            and value.func.id == "super")
        return node.attr, own
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and re.match(r"_[a-z]", node.name):
        return node.name, True
    return None


def textual_private_uses() -> dict[str, list[str]]:
    """Where our code uses each private member of Textual's: ``self._x`` in a class when a
    Textual base of that class (or of the widgets a mixin goes into) has it, ``obj._x`` on
    another object when a Textual base of any of our widgets has it."""
    modules = [(path, module) for path, module in our_modules() if module is not textual_compat]
    widgets = [obj for _path, module in modules for obj in vars(module).values()
               if inspect.isclass(obj) and issubclass(obj, DOMNode | Compositor)]
    anywhere = textual_private_names([*widgets, *(entry.owner for entry in PRIVATE)])
    uses: dict[str, list[str]] = {}
    for path, module in modules:
        tree = ast.parse(path.read_text(), str(path))
        in_class: dict[int, set[str]] = {}  # node -> Textual's names on its class's self
        for node in ast.walk(tree):  # outer classes first, so the innermost class wins
            cls = getattr(module, node.name, None) if isinstance(node, ast.ClassDef) else None
            if inspect.isclass(cls):
                names = textual_private_names([w for w in widgets if cls in w.__mro__])
                in_class |= {id(sub): names for sub in ast.walk(node)}
        for node in ast.walk(tree):
            if (use := private_use(node)) is not None:
                name, own = use
                if name in (in_class.get(id(node), set()) if own else anywhere):
                    uses.setdefault(name, []).append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return uses


def test_private_lists_exactly_the_textual_private_members_we_use() -> None:
    uses = textual_private_uses()
    listed = {entry.name for entry in PRIVATE}
    unlisted = sorted(f"{place} {name}" for name, places in uses.items() if name not in listed
                      for place in places)
    assert not unlisted, ("Textual private members used but not listed in PRIVATE in "
                          "proposal_tui/tui/textual_compat.py: " + "; ".join(unlisted))
    assert listed <= set(uses), f"listed in PRIVATE but no longer used: {listed - set(uses)}"
