"""Shared fixtures: every test runs git for real, in temp folders, with a known identity."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True, scope="session")
def _git_identity(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Give git a private global config so tests never depend on (or touch) the machine's."""
    home = tmp_path_factory.mktemp("gitconfig")
    config = home / "gitconfig"
    config.write_text(
        "[user]\n\tname = Test Runner\n\temail = runner@example.com\n"
        "[init]\n\tdefaultBranch = main\n"
        "[safe]\n\tdirectory = *\n"
        "[commit]\n\tgpgsign = false\n",
        encoding="utf-8",
    )
    os.environ["GIT_CONFIG_GLOBAL"] = str(config)
    os.environ["GIT_CONFIG_NOSYSTEM"] = "1"
    os.environ.pop("PROPOSAL_USER", None)
