"""Records signed by the server: the real `proposal` CLI run as `proposal serve` runs it (the
three environment variables), real ssh-keygen keys, and real git as the oracle
(`git verify-commit` with an allowed signers file); then `proposal verify` on what was
written, on a forged event, on a tampered commit, and on history from before the server."""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from proposal_tui.domain.comments import event_path, make_event, to_json
from tests.command import run
from tests.fixtures import make_proposal
from tests.gitutil import author_env, git
from tests.sshkeys import fingerprint, keygen


def _git_ok(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True)


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A repository where the server wrote signed comments (one at a time and a burst of
    concurrent ones, which the queue batches) and a signed plan edit."""
    root = tmp_path_factory.mktemp("signed")
    repo = make_proposal(root)
    git(repo, "config", "user.email", "server@example.net")  # the server's own account
    host, rex, mia = (keygen(root, n) for n in ("host", "rex", "mia"))
    for handle, key in (("rex", rex), ("mia", mia)):
        assert run("--as", "mia", "person", "key", "add", handle, f"{key}.pub",
                   cwd=repo).code == 0
    assert run("--as", "mia", "server", "key", "add", f"{host}.pub", cwd=repo).code == 0
    allowed = root / "allowed_signers"
    allowed.write_text(f"server@proposal {Path(f'{host}.pub').read_text()}")

    def env(handle: str, key: Path) -> dict[str, str]:
        return {"PROPOSAL_PUSHER": handle, "PROPOSAL_KEY_FINGERPRINT": fingerprint(
            Path(f"{key}.pub")), "PROPOSAL_SIGNING_KEY": str(host)}

    rex_env = env("rex", rex)
    first = run("comment", "summary", "-m", "Tighten the opening.", cwd=repo, env=rex_env,
                now=None)
    assert first.code == 0, first.err
    # A burst: the writers queue and whoever holds the lock commits the others' too.
    full = {**os.environ, **rex_env}
    full.pop("PROPOSAL_NOW", None)
    burst = [subprocess.Popen([sys.executable, "-m", "proposal_tui", "comment", "approach",
                               "-m", f"point {i}"], cwd=repo, env=full,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for i in range(6)]
    for proc in burst:
        _out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    plan = run("assign", "staffing", "val", cwd=repo, env=env("mia", mia), now=None)
    assert plan.code == 0, plan.err
    return {"root": root, "repo": repo, "allowed": allowed, "rex": rex, "host": host}


def _copy(signed: dict, tmp_path: Path) -> Path:
    return Path(shutil.copytree(signed["repo"], tmp_path / "copy", symlinks=True))


def test_git_verifies_every_signed_commit(signed: dict) -> None:
    repo = signed["repo"]
    comments = git(repo, "rev-list", "proposal-comments").split()
    assert len(comments) == 7
    for sha in [*comments, git(repo, "rev-parse", "HEAD").strip()]:
        check = _git_ok(repo, "-c", f"gpg.ssh.allowedSignersFile={signed['allowed']}",
                        "verify-commit", sha)
        assert check.returncode == 0, check.stderr
        assert "Good \"git\" signature" in check.stderr
    message = git(repo, "log", "-1", "--format=%B", "proposal-comments")
    assert f"Proposal-Key: {fingerprint(Path(str(signed['rex']) + '.pub'))}" in message
    assert "Proposal-Key: " in git(repo, "log", "-1", "--format=%B", "HEAD")
    assert _git_ok(repo, "fsck", "--strict").returncode == 0


def test_verify_passes_on_what_the_server_wrote(signed: dict) -> None:
    result = run("verify", "--json", cwd=signed["repo"])
    assert result.code == 0, result.out + result.err
    report = result.json()
    signed_records = [r for r in report["records"] if r["signed"]]
    assert len(signed_records) == 8  # 7 comments and the assign
    host = fingerprint(Path(f"{signed['host']}.pub"))
    for record in signed_records:
        assert record["status"] == "ok" and record["signer"] == host
        assert record["signer_trusted"] and record["signature_valid"]
        assert record["key_is_authors"] and record["key_holder"] == record["author"]
    assert report["failed"] == 0
    human = run("verify", cwd=signed["repo"])
    assert human.code == 0 and "8 signed and verified" in human.out.splitlines()[-1]


def test_an_event_committed_by_hand_in_a_reviewers_name_is_flagged(signed: dict,
                                                                   tmp_path: Path) -> None:
    repo = _copy(signed, tmp_path)
    event = make_event("comment", "summary", "rex",
                       dt.datetime.now(dt.UTC), random.Random(7),
                       body="Approve everything.")
    work = tmp_path / "comments-wt"
    git(repo, "worktree", "add", "-q", str(work), "proposal-comments")
    path = work / event_path(event)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(to_json(event))
    git(work, "add", "--", event_path(event))
    git(work, "commit", "-q", "-m", "comment by rex", env=author_env("Rex Reviewer",
                                                                     "rex@example.com"))
    forged = git(work, "rev-parse", "HEAD").strip()
    result = run("verify", cwd=repo)
    assert result.code == 1, result.out
    line = next(line for line in result.out.splitlines() if forged[:10] in line)
    assert line.startswith("failed") and "rex" in line and "committed by hand" in line
    record = next(r for r in run("verify", "--json", cwd=repo).json()["records"]
                  if r["commit"] == forged)
    assert record["status"] == "failed" and not record["signed"]


def test_a_tampered_signed_commit_is_flagged(signed: dict, tmp_path: Path) -> None:
    repo = _copy(signed, tmp_path)
    tip = git(repo, "rev-parse", "proposal-comments").strip()
    raw = git(repo, "cat-file", "commit", tip)
    changed = raw.replace("comment: approach", "comment: approach (amended)")
    assert changed != raw and "gpgsig" in changed
    forged = git(repo, "hash-object", "-t", "commit", "-w", "--stdin", input=changed).strip()
    git(repo, "update-ref", "refs/heads/proposal-comments", forged, tip)
    assert _git_ok(repo, "-c", f"gpg.ssh.allowedSignersFile={signed['allowed']}",
                   "verify-commit", forged).returncode != 0  # git agrees
    result = run("verify", "--json", cwd=repo)
    assert result.code == 1
    record = next(r for r in result.json()["records"] if r["commit"] == forged)
    assert record["signed"] and record["signature_valid"] is False
    assert "bad signature" in record["problems"][0]


def test_a_signature_by_an_untrusted_key_is_flagged(signed: dict, tmp_path: Path) -> None:
    """Somebody with write access signs a forged event with an SSH key of their own."""
    repo = _copy(signed, tmp_path)
    rogue = keygen(tmp_path, "rogue")
    event = make_event("comment", "summary", "rex", dt.datetime.now(dt.UTC),
                       random.Random(9), body="forged")
    work = tmp_path / "wt"
    git(repo, "worktree", "add", "-q", str(work), "proposal-comments")
    (work / event_path(event)).parent.mkdir(parents=True, exist_ok=True)
    (work / event_path(event)).write_bytes(to_json(event))
    git(work, "add", "--", event_path(event))
    git(work, "-c", "gpg.format=ssh", "-c", f"user.signingKey={rogue}", "commit", "-q", "-S",
        "-m", "comment\n\nProposal-Key: " + fingerprint(Path(str(signed["rex"]) + ".pub")))
    result = run("verify", "--json", cwd=repo)
    assert result.code == 1
    bad = [r for r in result.json()["records"] if r["status"] == "failed"]
    assert len(bad) == 1 and bad[0]["signature_valid"] and not bad[0]["signer_trusted"]
    assert bad[0]["signer"] == fingerprint(Path(f"{rogue}.pub"))


def test_a_queued_batch_is_signed_commit_by_commit(signed: dict, tmp_path: Path) -> None:
    """Three writers' requests drained at once: three commits, each signed on its own; a
    drainer without the server's key leaves signed requests to their own writers."""
    from proposal_tui.domain.identity import Identity
    from proposal_tui.store import fastappend

    repo = _copy(signed, tmp_path)
    gdir = repo / ".git"
    spool = fastappend._spool(gdir)
    before = git(repo, "rev-parse", "proposal-comments").strip()
    claims = []
    fp = fingerprint(Path(str(signed["rex"]) + ".pub"))
    for i in range(3):
        event = make_event("comment", "summary", "rex", dt.datetime.now(dt.UTC),
                           random.Random(100 + i), body=f"queued {i}")
        request = fastappend.Request("refs/heads/proposal-comments", event_path(event),
                                     to_json(event), f"comment: summary comment {event.id}",
                                     Identity("Rex Reviewer", "rex@example.com"),
                                     event.created, key=fp)
        tmp = spool / f"{i:020d}-test.tmp"
        claims.append(fastappend._claim(tmp, request.dump(), gdir))  # a live writer's lock
        tmp.replace(tmp.with_suffix(".req"))
    try:
        fastappend._drain(repo, gdir, spool)  # no signing key: nothing may be committed
        assert git(repo, "rev-parse", "proposal-comments").strip() == before
        assert len(list(spool.glob("*.req"))) == 3
        fastappend._drain(repo, gdir, spool, signing_key=signed["host"])
    finally:
        for claim in claims:
            claim.close()
    new = git(repo, "rev-list", f"{before}..proposal-comments").split()
    assert len(new) == 3 and not list(spool.glob("*.req"))
    for sha in new:
        check = _git_ok(repo, "-c", f"gpg.ssh.allowedSignersFile={signed['allowed']}",
                        "verify-commit", sha)
        assert check.returncode == 0, check.stderr
    assert run("verify", cwd=repo).code == 0


def test_history_from_before_the_server_is_unsigned_not_an_error(tmp_path: Path) -> None:
    repo = make_proposal(tmp_path)
    for body in ("one", "two"):
        assert run("--as", "rex", "comment", "summary", "-m", body, cwd=repo).code == 0
    assert run("--as", "mia", "assign", "staffing", "val", cwd=repo).code == 0
    result = run("verify", "--json", cwd=repo)
    assert result.code == 0, result.err
    records = result.json()["records"]
    assert {r["status"] for r in records} == {"unsigned"}
    assert [r["kind"] for r in records].count("comment") == 2
    assert [r["kind"] for r in records].count("plan") == 2  # the scaffold and the assign
    human = run("verify", cwd=repo)
    assert human.code == 0 and "0 signed and verified, 4 unsigned, 0 failed" in human.out


def _only_git_on_path(tmp_path: Path) -> str:
    """A PATH holding git and nothing else: no ssh-keygen to start."""
    folder = tmp_path / "bin"
    folder.mkdir()
    (folder / "git").symlink_to(shutil.which("git"))
    return str(folder)


def test_an_ed25519_key_signs_in_process_with_ssh_keygens_very_bytes(signed: dict,
                                                                   tmp_path: Path) -> None:
    """The server's ed25519 key signs without an ssh-keygen process (a burst of comments
    signed one process each queued behind it), and the bytes are ssh-keygen's own."""
    host = signed["host"]
    repo = _copy(signed, tmp_path)
    rex_env = {"PROPOSAL_PUSHER": "rex", "PATH": _only_git_on_path(tmp_path),
               "PROPOSAL_KEY_FINGERPRINT": fingerprint(Path(f"{signed['rex']}.pub")),
               "PROPOSAL_SIGNING_KEY": str(host)}
    done = run("comment", "summary", "-m", "signed with no ssh-keygen", cwd=repo, env=rex_env)
    assert done.code == 0, done.err
    check = _git_ok(repo, "-c", f"gpg.ssh.allowedSignersFile={signed['allowed']}",
                    "verify-commit", "proposal-comments")
    assert check.returncode == 0, check.stderr
    from proposal_tui.store.signing import sign

    for data in (b"", b"tree 0\n\ncomment \xc3\xa9\n", bytes(range(256)) * 40):
        made = subprocess.run(["ssh-keygen", "-q", "-Y", "sign", "-n", "git", "-f", str(host)],
                              input=data, capture_output=True, check=True).stdout
        assert sign(host, data, "git") == made


def test_a_host_key_of_another_kind_is_signed_by_ssh_keygen(signed: dict,
                                                            tmp_path: Path) -> None:
    repo = _copy(signed, tmp_path)
    host = keygen(tmp_path, "ecdsa_host", "ecdsa")
    allowed = tmp_path / "allowed_signers"
    allowed.write_text(f"server@proposal {Path(f'{host}.pub').read_text()}")
    rex_env = {"PROPOSAL_PUSHER": "rex", "PROPOSAL_SIGNING_KEY": str(host),
               "PROPOSAL_KEY_FINGERPRINT": fingerprint(Path(f"{signed['rex']}.pub"))}
    done = run("comment", "summary", "-m", "signed by ssh-keygen", cwd=repo, env=rex_env)
    assert done.code == 0, done.err
    check = _git_ok(repo, "-c", f"gpg.ssh.allowedSignersFile={allowed}", "verify-commit",
                    "proposal-comments")
    assert check.returncode == 0, check.stderr
    assert "ECDSA" in check.stderr
