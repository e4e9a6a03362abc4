"""`proposal verify`: is each comment event and plan commit signed by a server we trust, for
a key its author held at the time?

Trust model. The server signs with its host key; the keys whose signatures count are the
``[server] keys`` of proposal.toml, and people's keys are its ``[[people]] keys``, both as
the default branch said at the time of the record (for a plan commit: just before it). A
record is then

- ``ok``: signed, the signature good, by a trusted server key, and its ``Proposal-Key``
  trailer names a key its author held;
- ``unsigned``: history from before the server, a clone's own commits, a manager's push;
- ``failed`` (exit 1): anything signed-looking that does not verify, or an unsigned event
  that claims an author who logs in with a key, made after signed records began (committed
  by hand in somebody's name), or an unsigned change to people's or the server's keys made
  after signed records began (key changes go through the server's `proposal person key`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from proposal_tui.domain.comments import from_json
from proposal_tui.domain.errors import ProposalError
from proposal_tui.domain.manifest import MANIFEST_NAME, KeyBook, manifest_keys
from proposal_tui.store.comments import COMMENTS_REF
from proposal_tui.store.records import (
    RawCommit,
    blobs,
    comment_commits,
    manifest_versions,
    plan_commits,
    raw_commits,
    signature_check,
)
from proposal_tui.store.repo import ProposalRepo
from proposal_tui.store.signing import trailer_fingerprints

_EMPTY = KeyBook({}, frozenset(), {})


@dataclass
class Record:
    kind: str  # "comment" or "plan"
    commit: str
    time: int
    subject: str
    author: str | None  # the handle the record claims (event author, commit author's person)
    events: list[str] = field(default_factory=list)
    signed: bool = False
    signature_valid: bool | None = None
    signer: str | None = None
    signer_trusted: bool | None = None
    key: str | None = None
    key_holder: str | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        return "failed" if self.problems else "ok" if self.signed else "unsigned"

    def line(self) -> str:
        what = ", ".join(self.events) if self.events else self.subject
        text = f"{self.status:<8} {self.kind:<7} {self.commit[:10]} {self.author or '?'}: {what}"
        if self.signed:
            text += f" (signed by {self.signer or '?'}, key {self.key or 'none'})"
        if self.problems:
            text += " -- " + "; ".join(self.problems)
        return text

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "commit": self.commit, "status": self.status,
                "date": dt.datetime.fromtimestamp(self.time, dt.UTC).isoformat(),
                "subject": self.subject, "author": self.author, "events": self.events,
                "signed": self.signed, "signature_valid": self.signature_valid,
                "signer": self.signer, "signer_trusted": self.signer_trusted,
                "key": self.key, "key_holder": self.key_holder,
                "key_is_authors": None if not self.signed else
                self.key is not None and self.key_holder == self.author,
                "problems": self.problems}


@dataclass
class Report:
    records: list[Record]

    @property
    def failures(self) -> list[Record]:
        return [r for r in self.records if r.problems]

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.records)

    def summary(self) -> str:
        return (f"{len(self.records)} records: {self.count('ok')} signed and verified, "
                f"{self.count('unsigned')} unsigned, {self.count('failed')} failed")

    def to_json(self) -> dict[str, Any]:
        return {"records": [r.to_json() for r in self.records], "ok": self.count("ok"),
                "unsigned": self.count("unsigned"), "failed": self.count("failed")}


class _Books:
    """The key book in force at a time, from the versions of proposal.toml on HEAD."""

    def __init__(self, versions: list[tuple[int, str]], texts: dict[str, bytes]) -> None:
        self.versions = versions
        self.books = {sha: manifest_keys(texts[f"{sha}:{MANIFEST_NAME}"].decode(
            "utf-8", "replace")) for _t, sha in versions if f"{sha}:{MANIFEST_NAME}" in texts}

    def at(self, time: int) -> KeyBook:
        chosen = None
        for when, sha in self.versions:
            if when <= time or chosen is None:
                chosen = sha
        return self.books.get(chosen, _EMPTY) if chosen else _EMPTY


def _check_signature(record: Record, commit: RawCommit, book: KeyBook) -> None:
    keys = trailer_fingerprints(commit.message)
    record.key = keys[0] if keys else None
    record.key_holder = book.holders.get(record.key) if record.key else None
    if commit.signature is None:
        if keys:
            record.problems.append("carries a Proposal-Key trailer but is not signed")
        return
    record.signed = True
    record.signer, record.signature_valid = signature_check(commit)
    record.signer_trusted = record.signer in book.server
    if not record.signature_valid:
        record.problems.append("bad signature (the commit was changed after signing, or the "
                               "signature is not an SSH signature)")
    elif not record.signer_trusted:
        record.problems.append(f"signed by {record.signer}, not a [server] key")
    if len(keys) != 1:
        record.problems.append("no Proposal-Key trailer" if not keys else
                               "more than one Proposal-Key trailer")
    elif record.key_holder is None:
        record.problems.append(f"key {record.key} belonged to nobody at the time")
    elif record.key_holder != record.author:
        record.problems.append(f"key {record.key} was {record.key_holder}'s, not "
                               f"{record.author or 'the author'}'s")


def verify(repo: ProposalRepo) -> Report:
    cwd = repo.root
    versions = manifest_versions(cwd)
    plans = plan_commits(cwd)
    comments = comment_commits(cwd, COMMENTS_REF)
    commits = raw_commits(cwd, list(dict.fromkeys(plans + [sha for sha, _ in comments])))
    names = [f"{sha}:{MANIFEST_NAME}" for _t, sha in versions]
    names += [f"{sha}^:{MANIFEST_NAME}" for sha in plans]
    names += [f"{sha}:{path}" for sha, paths in comments for path in paths]
    texts = blobs(cwd, names)
    books = _Books(versions, texts)

    def book_of(name: str, fallback: KeyBook) -> KeyBook:
        return manifest_keys(texts[name].decode("utf-8", "replace")) if name in texts \
            else fallback

    records: list[Record] = []
    changed_keys: dict[str, bool] = {}
    for sha in plans:
        commit = commits[sha]
        own = book_of(f"{sha}:{MANIFEST_NAME}", books.at(commit.time))
        before = book_of(f"{sha}^:{MANIFEST_NAME}", own)
        changed_keys[sha] = (own.holders, own.server) != (before.holders, before.server)
        record = Record("plan", sha, commit.time, commit.subject,
                        before.emails.get(commit.author_email.lower()))
        _check_signature(record, commit, before)
        records.append(record)
    for sha, paths in comments:
        commit = commits[sha]
        authors, events = set(), []
        for path in paths:
            try:
                event = from_json(texts.get(f"{sha}:{path}", b""), origin=path)
            except ProposalError:
                continue  # not an event (validate reports it): nothing to claim
            authors.add(event.author)
            events.append(event.id)
        if not events:
            continue
        record = Record("comment", sha, commit.time, commit.subject,
                        authors.pop() if len(authors) == 1 else None, events)
        if authors:  # more than one author in one commit: no single key can be theirs
            record.problems.append("one commit adds events by several authors")
        _check_signature(record, commit, books.at(commit.time))
        records.append(record)
    _flag_unsigned_after_signing(records, comments, books, changed_keys)
    return Report(records)


def _flag_unsigned_after_signing(records: list[Record], comments: list[tuple[str, list[str]]],
                                 books: _Books, changed_keys: dict[str, bool]) -> None:
    """Once the server signs, an unsigned event in the name of somebody who logs in with a
    key, or an unsigned key change, was not made through it."""
    signed = [r for r in records if r.signed]
    if not signed:
        return
    first_time = min(r.time for r in signed)
    order = {sha: i for i, (sha, _paths) in enumerate(comments)}
    signed_comments = [order[r.commit] for r in signed if r.kind == "comment"]
    first_position = min(signed_comments, default=len(comments))
    for record in records:
        if record.signed or record.problems:
            continue
        later = record.time > first_time or (record.kind == "comment" and
                                             order[record.commit] > first_position)
        if not later:
            continue
        if record.kind == "comment" and record.author and \
                books.at(record.time).has_keys(record.author):
            record.problems.append(f"unsigned, yet claims {record.author}, who logs in with a "
                                   "key, after signed records began (committed by hand?)")
        elif record.kind == "plan" and changed_keys.get(record.commit):
            record.problems.append("changes SSH keys without the server's signature, after "
                                   "signed records began")
