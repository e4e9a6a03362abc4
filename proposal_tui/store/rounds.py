"""Review rounds as annotated git tags: ``round/<name>`` on the commit reviewers read,
``round-closed/<name>`` on the commit the round ended with. Tags travel with ``git push
--tags``, work in bare repositories, and say who started or closed the round (the tagger).

Two tag families rather than ``round/<name>/closed``: a ref cannot be both a file and a folder.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from proposal_tui.domain.errors import ProposalError
from proposal_tui.domain.identity import Identity
from proposal_tui.domain.rounds import CLOSE_PREFIX, START_PREFIX, Round, round_name
from proposal_tui.store import ref_files
from proposal_tui.store.git import git_failure, run_git, run_git_bytes
from proposal_tui.store.plumbing import resolve_ref
from proposal_tui.store.repo import ProposalRepo

_FIELDS = ("%(refname)", "%(*objectname)", "%(objectname)", "%(taggername)",
           "%(taggeremail)", "%(taggerdate:iso-strict)", "%(contents)")
_SEP = "%1f"  # unit separator between fields, NUL between records
_PREFIXES = ("refs/tags/" + START_PREFIX, "refs/tags/" + CLOSE_PREFIX)
# Git dir -> (the round tags' ids, the rounds they make): a tag object never changes, so the
# rounds change only with the tags. The fork server lists them before each fork.
_LISTED: dict[Path, tuple[tuple[tuple[str, str], ...], list[Round]]] = {}


def _tag_date(when: dt.datetime) -> str:
    offset = when.utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"@{int(when.timestamp())} {sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"


def resolve_commit(repo: ProposalRepo, rev: str) -> str:
    """A revision (HEAD, a sha, a branch, round/pink) to a commit id, or a clear error."""
    sha = resolve_ref(repo.root, rev)
    if sha is None:
        raise ProposalError(f"unknown revision '{rev}' (no such commit, branch or tag)")
    return sha


def create_tag(repo: ProposalRepo, tag: str, commit: str, message: str, tagger: Identity,
               when: dt.datetime) -> None:
    """An annotated tag by ``tagger``; refuses to move an existing tag."""
    env = {"GIT_COMMITTER_NAME": tagger.name, "GIT_COMMITTER_EMAIL": tagger.email,
           "GIT_COMMITTER_DATE": _tag_date(when)}
    text = message if message.endswith("\n") else message + "\n"
    proc = run_git_bytes(["-c", "tag.gpgSign=false", "tag", "-a", "--cleanup=verbatim",
                          "-F", "-", "--", tag, commit], repo.root, env=env,
                         input=text.encode("utf-8"), check=False)
    if proc.returncode != 0:
        said = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        if "already exists" in " ".join(said):
            raise ProposalError(f"tag '{tag}' already exists")
        raise git_failure(["tag"], repo.root, proc.returncode, "\n".join(said))


def list_rounds(repo: ProposalRepo) -> list[Round]:
    """Every round with its start (and close, if any), from one ``git for-each-ref``, or
    none when the round tags are those of the last listing."""
    tags = ref_files.values(repo.git_dir, _PREFIXES)
    kept = _LISTED.get(repo.git_dir)
    if tags is not None and kept is not None and kept[0] == tags:
        return list(kept[1])
    rounds = _read_rounds(repo)
    if tags is not None and ref_files.values(repo.git_dir, _PREFIXES) == tags:
        _LISTED[repo.git_dir] = tags, rounds  # unchanged while git listed them
    return list(rounds)


def _read_rounds(repo: ProposalRepo) -> list[Round]:
    out = run_git(["for-each-ref", "--format=" + _SEP.join(_FIELDS) + "%00", *_PREFIXES],
                  repo.root)
    starts: dict[str, dict[str, object]] = {}
    closes: dict[str, dict[str, object]] = {}
    for record in out.split("\0"):
        record = record.lstrip("\n")
        if not record:
            continue
        parts = record.split("\x1f")
        if len(parts) != len(_FIELDS):
            continue
        ref, peeled, obj, name, email, date, contents = parts
        if not date:  # a lightweight tag somebody made by hand: no tagger, no date
            continue
        for prefix, bucket in ((START_PREFIX, starts), (CLOSE_PREFIX, closes)):
            short = ref.removeprefix("refs/tags/")
            if short.startswith(prefix):
                try:
                    key = round_name(short[len(prefix):])
                except ProposalError:
                    continue
                bucket[key] = {"commit": peeled or obj, "by": f"{name} {email}".strip(),
                               "at": dt.datetime.fromisoformat(date),
                               "message": contents.strip()}
    rounds = []
    for key, s in starts.items():
        c = closes.get(key)
        rounds.append(Round(name=key, commit=str(s["commit"]),
                            started_at=s["at"], started_by=str(s["by"]),  # type: ignore[arg-type]
                            message=str(s["message"]),
                            closed_commit=str(c["commit"]) if c else None,
                            closed_at=c["at"] if c else None,  # type: ignore[arg-type]
                            closed_by=str(c["by"]) if c else None))
    return sorted(rounds, key=lambda r: (r.started_at, r.name))


def files_at(repo: ProposalRepo, commit: str, paths: list[str]) -> dict[str, bytes | None]:
    """The bytes of ``paths`` in ``commit``'s tree (None where absent), in two processes."""
    entries = repo.tree_entries(commit)
    wanted = {p: entries[p][1] for p in paths if p in entries and entries[p][0] in
              ("100644", "100755")}
    blobs = repo.read_blobs(list(wanted.values()))
    return {p: blobs.get(wanted[p]) if p in wanted else None for p in paths}
