"""SSH keys in proposal.toml: people's keys (who logs in to `proposal serve` as whom) and the
server's keys (whose signatures `proposal verify` trusts). Managers change them, one commit
each, keeping the manifest's own layout and comments (tomlkit)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import tomlkit
from tomlkit.items import Array, Table

from proposal_tui.domain.errors import ProposalError
from proposal_tui.domain.keys import PublicKey, parse_public_key
from proposal_tui.domain.manifest import MANIFEST_NAME
from proposal_tui.domain.model import Manifest, Person
from proposal_tui.domain.permissions import require
from proposal_tui.services.identity import identity_of
from proposal_tui.store.manifest_edit import Document, apply_edit, table_where
from proposal_tui.store.repo import ProposalRepo


def read_key_text(text: str, origin: str) -> PublicKey:
    """The one public key a file (or stdin) holds; blank lines and ``#`` lines are skipped."""
    lines = [line.strip() for line in text.splitlines()
             if line.strip() and not line.strip().startswith("#")]
    if any("PRIVATE KEY" in line for line in lines):
        raise ProposalError(f"{origin} holds a private key; give the public one (.pub)")
    if len(lines) != 1:
        raise ProposalError(f"{origin} must hold exactly one SSH public key line "
                            f"(found {len(lines)})")
    try:
        return parse_public_key(lines[0])
    except ProposalError as exc:
        raise ProposalError(f"{origin}: {exc.message}") from None


def _people_table(doc: Document, handle: str) -> Table:
    table = table_where(doc, "people", "handle", handle)
    if table is None:
        raise ProposalError(f"unknown person '{handle}' (not in {MANIFEST_NAME} [[people]])")
    return table


def _key_array(table: Table) -> Array:
    if "keys" not in table:
        table["keys"] = tomlkit.array()
    keys = table["keys"]
    if not isinstance(keys, Array):
        raise ProposalError(f"'keys' in {MANIFEST_NAME} must be a list")
    return keys


def _index_of(keys: Array, fingerprint: str) -> int | None:
    for i, line in enumerate(keys):
        try:
            if isinstance(line, str) and parse_public_key(line).fingerprint == fingerprint:
                return i
        except ProposalError:
            continue
    return None


def add_person_key(repo: ProposalRepo, manifest: Manifest, actor: Person, handle: str,
                   key: PublicKey) -> str:
    require(actor, "manage-keys")
    if manifest.person(handle) is None:
        raise ProposalError(f"unknown person '{handle}' (not in {manifest.path} [[people]])")
    holder = manifest.person_for_key(key.fingerprint)
    if holder is not None:
        whose = "already" if holder.handle == handle else f"{holder.handle}'s key, not"
        raise ProposalError(f"key {key.fingerprint} is {whose} {handle}'s: a key names "
                            "one person (nothing was changed)")
    if any(k.fingerprint == key.fingerprint for k in manifest.server_keys):
        raise ProposalError(f"key {key.fingerprint} is a [server] key, not a person's "
                            "(nothing was changed)")

    def edit(doc: Document) -> dict[str, bytes]:
        _key_array(_people_table(doc, handle)).append(key.line)
        return {}

    return apply_edit(repo, edit, f"Add SSH key {key.fingerprint} for {handle}",
                      identity_of(actor))


def remove_person_key(repo: ProposalRepo, manifest: Manifest, actor: Person, handle: str,
                      fingerprint: str) -> str:
    require(actor, "manage-keys")
    person = manifest.person(handle)
    if person is None:
        raise ProposalError(f"unknown person '{handle}' (not in {manifest.path} [[people]])")
    if all(k.fingerprint != fingerprint for k in person.keys):
        held = ", ".join(k.fingerprint for k in person.keys) or "none"
        raise ProposalError(f"{handle} has no key {fingerprint} (their keys: {held})")

    def edit(doc: Document) -> dict[str, bytes]:
        table = _people_table(doc, handle)
        keys = _key_array(table)
        while (index := _index_of(keys, fingerprint)) is not None:
            del keys[index]
        if not len(keys):
            del table["keys"]
        return {}

    return apply_edit(repo, edit, f"Remove SSH key {fingerprint} from {handle}",
                      identity_of(actor))


def add_server_key(repo: ProposalRepo, manifest: Manifest, actor: Person,
                   key: PublicKey) -> str:
    require(actor, "manage-keys")
    if any(k.fingerprint == key.fingerprint for k in manifest.server_keys):
        raise ProposalError(f"key {key.fingerprint} is already a [server] key "
                            "(nothing was changed)")
    holder = manifest.person_for_key(key.fingerprint)
    if holder is not None:
        raise ProposalError(f"key {key.fingerprint} is {holder.handle}'s: a person's key "
                            "cannot also sign for the server (nothing was changed)")

    def edit(doc: Document) -> dict[str, bytes]:
        if "server" not in doc:
            doc.append("server", tomlkit.table())
        server = doc["server"]
        if not isinstance(server, Table):
            raise ProposalError(f"'server' in {MANIFEST_NAME} must be a table")
        _key_array(server).append(key.line)
        return {}

    return apply_edit(repo, edit, f"Trust server key {key.fingerprint}", identity_of(actor))


def key_rows(manifest: Manifest, handle: str | None = None) -> list[dict[str, Any]]:
    """People's keys as `proposal person key list --json` prints them."""
    if handle is not None and manifest.person(handle) is None:
        raise ProposalError(f"unknown person '{handle}' (not in {manifest.path} [[people]])")
    return [{"handle": p.handle, "fingerprint": k.fingerprint, "type": k.algorithm,
             "comment": k.comment}
            for p in manifest.people if handle in (None, p.handle) for k in p.keys]


@dataclass(frozen=True)
class KeyEdits:
    """The key edits above, bound to one repository (``workspace.keys``)."""

    repo: ProposalRepo

    def add_person_key(self, manifest: Manifest, actor: Person, handle: str,
                       key: PublicKey) -> str:
        return add_person_key(self.repo, manifest, actor, handle, key)

    def remove_person_key(self, manifest: Manifest, actor: Person, handle: str,
                          fingerprint: str) -> str:
        return remove_person_key(self.repo, manifest, actor, handle, fingerprint)

    def add_server_key(self, manifest: Manifest, actor: Person, key: PublicKey) -> str:
        return add_server_key(self.repo, manifest, actor, key)
