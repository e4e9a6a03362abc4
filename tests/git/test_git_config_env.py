"""git config values set in the environment (GIT_CONFIG_COUNT, as `proposal serve` sets
user.email for each session) are read without a git process, and read as git reads them."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from proposal_tui.store.git import config_from_env

CASES = [
    {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "user.email",
     "GIT_CONFIG_VALUE_0": "ana@example.com"},
    {"GIT_CONFIG_COUNT": "3", "GIT_CONFIG_KEY_0": "user.email", "GIT_CONFIG_VALUE_0": "a@x",
     "GIT_CONFIG_KEY_1": "User.Email", "GIT_CONFIG_VALUE_1": " last@x ",
     "GIT_CONFIG_KEY_2": "user.name", "GIT_CONFIG_VALUE_2": "Ana"},
    {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "user.name", "GIT_CONFIG_VALUE_0": "Ana"},
]


@pytest.mark.parametrize("env", CASES)
def test_the_environments_value_is_gits_own(env: dict[str, str], tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(["git", "config", "user.email", "file@example.com"], cwd=tmp_path,
                   check=True)
    full = {**os.environ, **env}
    full.pop("GIT_CONFIG_PARAMETERS", None)
    said = subprocess.run(["git", "config", "--get", "user.email"], cwd=tmp_path, env=full,
                          capture_output=True, text=True).stdout.removesuffix("\n")
    read = config_from_env("user.email", full)
    assert (read if read is not None else "file@example.com") == said


def test_what_git_would_refuse_or_combine_is_left_to_git() -> None:
    assert config_from_env("user.email", {"GIT_CONFIG_COUNT": "1",
                                          "GIT_CONFIG_KEY_0": "user.email"}) is None
    assert config_from_env("user.email", {"GIT_CONFIG_COUNT": "x"}) is None
    assert config_from_env("user.email", {**CASES[0], "GIT_CONFIG_PARAMETERS": "'a.b=c'"}) \
        is None
    assert config_from_env("url.Ssh://host/.insteadof", CASES[0]) is None
