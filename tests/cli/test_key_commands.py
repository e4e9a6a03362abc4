"""`proposal person key add/remove/list` and `proposal server key add`: one commit each, by
managers, keeping the manifest's comments; refusals are one line with exit 2 (3 for roles)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.command import assert_clean_error, run
from tests.fixtures import make_proposal
from tests.gitutil import git
from tests.sshkeys import fingerprint, keygen


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_proposal(tmp_path)


def test_add_list_remove(repo: Path, tmp_path: Path) -> None:
    pub = keygen(tmp_path, "rex").with_suffix(".pub")
    before = git(repo, "rev-parse", "HEAD").strip()
    result = run("person", "key", "add", "rex", str(pub), cwd=repo)
    assert result.code == 0, result.err
    assert git(repo, "rev-list", "--count", f"{before}..HEAD").strip() == "1"
    text = (repo / "proposal.toml").read_text()
    assert "# keep this comment" in text and pub.read_text().strip() in text
    assert git(repo, "status", "--porcelain").strip() == ""
    listed = run("person", "key", "list", "--json", cwd=repo).json()
    assert listed == [{"handle": "rex", "fingerprint": fingerprint(pub), "type": "ssh-ed25519",
                       "comment": "rex@laptop"}]
    human = run("person", "key", "list", "rex", cwd=repo)
    assert human.code == 0 and fingerprint(pub) in human.out
    # Stdin works too, and a second key lands in the same list.
    pub2 = keygen(tmp_path, "rex2").with_suffix(".pub")
    assert run("person", "key", "add", "rex", "-", cwd=repo, input=pub2.read_text()).code == 0
    assert len(run("person", "key", "list", "--json", cwd=repo).json()) == 2
    gone = run("person", "key", "remove", "rex", fingerprint(pub), cwd=repo)
    assert gone.code == 0, gone.err
    assert [r["fingerprint"] for r in run("person", "key", "list", "--json", cwd=repo).json()] \
        == [fingerprint(pub2)]
    assert run("validate", cwd=repo).code == 0


def test_refusals(repo: Path, tmp_path: Path) -> None:
    pub = keygen(tmp_path, "k").with_suffix(".pub")
    assert run("person", "key", "add", "rex", str(pub), cwd=repo).code == 0
    head = git(repo, "rev-parse", "HEAD").strip()
    assert_clean_error(run("person", "key", "add", "wes", str(pub), cwd=repo), 2, "rex")
    assert_clean_error(run("person", "key", "add", "nobody", str(pub), cwd=repo), 2,
                       "unknown person")
    assert_clean_error(run("person", "key", "remove", "wes", fingerprint(pub), cwd=repo), 2,
                       "no key")
    assert_clean_error(run("person", "key", "add", "rex", str(tmp_path / "k"), cwd=repo), 2,
                       "private key")
    assert_clean_error(run("person", "key", "add", "rex", "-", cwd=repo, input="hello\n"), 2)
    other = keygen(tmp_path, "o").with_suffix(".pub")
    assert_clean_error(run("--as", "wes", "person", "key", "add", "wes", str(other),
                           cwd=repo), 3)
    assert_clean_error(run("--as", "rex", "server", "key", "add", str(other), cwd=repo), 3)
    assert git(repo, "rev-parse", "HEAD").strip() == head


def test_server_key_add(repo: Path, tmp_path: Path) -> None:
    pub = keygen(tmp_path, "host").with_suffix(".pub")
    result = run("server", "key", "add", str(pub), cwd=repo)
    assert result.code == 0, result.err
    assert "[server]" in (repo / "proposal.toml").read_text()
    assert_clean_error(run("server", "key", "add", str(pub), cwd=repo), 2, "already")
    assert_clean_error(run("person", "key", "add", "rex", str(pub), cwd=repo), 2, "[server]")


def test_removing_a_person_says_their_keys_go_too(repo: Path, tmp_path: Path) -> None:
    """`person remove` takes the person's [[people]] keys with the entry: the output says how
    many went and that they no longer log in to `proposal serve`."""
    for name in ("rex1", "rex2"):
        pub = keygen(tmp_path, name).with_suffix(".pub")
        assert run("person", "key", "add", "rex", str(pub), cwd=repo).code == 0
    result = run("person", "remove", "rex", cwd=repo)
    assert result.code == 0, result.err
    assert "rex's 2 SSH keys went with them: they can no longer log in to `proposal serve`" \
        in result.out
    assert run("person", "key", "list", "--json", cwd=repo).json() == []
    keyless = run("person", "remove", "val", "--force", cwd=repo)
    assert keyless.code == 0 and "SSH key" not in keyless.out
