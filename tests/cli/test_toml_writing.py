"""TOML we write (the starter manifest of `proposal init`, an imported requirements.toml) is
written by tomlkit: any text reads back exactly, and bad text is refused before anything is
created."""

from __future__ import annotations

import tomllib
from pathlib import Path

from proposal_tui.domain.compliance import Requirement, parse_requirements
from proposal_tui.store.requirements import render_requirements
from tests.command import assert_clean_error, run

AWKWARD = 'Bid "Q4" \\ path\x7f\x01 tab\tline\u2028sep'


def test_init_writes_any_title_as_valid_toml(tmp_path: Path) -> None:
    target = tmp_path / "new"
    result = run("init", str(target), "--title", AWKWARD)
    assert result.code == 0, result.err
    text = (target / "proposal.toml").read_text("utf-8")
    assert tomllib.loads(text)["proposal"]["title"] == AWKWARD
    assert "# submission deadline, with its offset" in text  # the template's comments stay
    assert run("--repo", str(target), "status", "--json").code == 0


def test_init_refuses_a_title_that_is_not_utf8_before_creating_anything(tmp_path: Path) -> None:
    target = tmp_path / "new"
    # An argv byte that is not UTF-8 reaches Python as a lone surrogate.
    assert_clean_error(run("init", str(target), "--title", "Bid \udcff"), 2, "not valid UTF-8")
    assert not target.exists()


def test_requirements_import_origin_with_control_characters_reads_back() -> None:
    reqs = [Requirement(id="L.1", text=AWKWARD, source="p. 3", mandatory=True),
            Requirement(id="L.2", text="", source="", mandatory=False)]
    text = render_requirements(reqs, "export\r\x1b[31m.csv")
    again = parse_requirements(text)
    assert [(r.id, r.text, r.source, r.mandatory) for r in again] == \
        [(r.id, r.text, r.source, r.mandatory) for r in reqs]
    assert text.startswith("# The solicitation's requirements") and "\x1b" not in text
