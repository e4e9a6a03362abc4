"""People's SSH keys in proposal.toml: parsed, fingerprinted like ssh-keygen, one person each."""

from __future__ import annotations

from pathlib import Path

import pytest

from proposal_tui.domain.errors import ProposalError
from proposal_tui.domain.keys import parse_public_key
from proposal_tui.domain.manifest import ManifestErrors, parse_manifest
from tests.sshkeys import fingerprint, keygen

HEAD = """\
[proposal]
title = "T"
due = 2026-12-18T17:00:00-05:00
"""


def _keygen(tmp_path: Path, name: str, kind: str = "ed25519") -> Path:
    return keygen(tmp_path, name, kind).with_suffix(".pub")


def _person(handle: str, keys: list[str]) -> str:
    listed = ", ".join(f'"{k}"' for k in keys)
    return f'\n[[people]]\nhandle = "{handle}"\nkeys = [{listed}]\n'


@pytest.mark.parametrize("kind", ["ed25519", "rsa", "ecdsa"])
def test_fingerprint_matches_ssh_keygen(tmp_path: Path, kind: str) -> None:
    pub = _keygen(tmp_path, f"k-{kind}", kind)
    key = parse_public_key(pub.read_text())
    assert key.fingerprint == fingerprint(pub)
    assert parse_public_key(key.line) == key


def test_a_person_is_found_by_key(tmp_path: Path) -> None:
    ana, max_ = (_keygen(tmp_path, n).read_text().strip() for n in ("ana", "max"))
    m = parse_manifest(HEAD + _person("ana", [ana]) + _person("max", [max_]))
    assert m.person_for_key(parse_public_key(ana).fingerprint).handle == "ana"
    assert m.person_for_key(parse_public_key(max_).fingerprint).handle == "max"
    assert m.person_for_key("SHA256:nobody") is None


def test_a_key_held_by_two_people_is_an_error(tmp_path: Path) -> None:
    key = _keygen(tmp_path, "shared").read_text().strip()
    with pytest.raises(ManifestErrors) as err:
        parse_manifest(HEAD + _person("ana", [key]) + _person("max", [key]))
    assert "is also ana's" in str(err.value) and ":11:" in f"{err.value.problems[0]}"


@pytest.mark.parametrize("line, reason", [
    ("ssh-ed25519", "not an SSH public key"),
    ("ssh-dss AAAAB3NzaC1kc3MAAACBAP", "unsupported SSH key type"),
    ("ssh-ed25519 not*base64", "not valid base64"),
    ("ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQABAAABAQ==", "not a ssh-ed25519 key"),
])
def test_bad_keys_say_why(line: str, reason: str) -> None:
    with pytest.raises(ProposalError, match=reason):
        parse_public_key(line)
    with pytest.raises(ManifestErrors, match=reason):
        parse_manifest(HEAD + _person("ana", [line]))
