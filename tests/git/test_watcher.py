"""The repository watcher against real git processes: one callback per burst, never ours.

The pure parts (event filter, editor temp names, fingerprint diffs) come first."""

from __future__ import annotations

import errno
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from watchdog.observers import Observer

from proposal_tui.services.workspace import Workspace
from proposal_tui.store.comments import COMMENTS_REF, CommentStore
from proposal_tui.store.fingerprint import FileStat, Fingerprint, diff, fingerprint
from proposal_tui.store.git import run_git
from proposal_tui.store.repo import ProposalRepo
from proposal_tui.watch import Change, RepoWatcher
from proposal_tui.watch.paths import EventFilter, is_editor_temp, network_fs_type
from tests.git.watch_support import ANN, SECTION, commit, settle, wait_until
from tests.gitutil import git

# -- pure parts ---------------------------------------------------------------------------
A, B = "a" * 40, "b" * 40


@pytest.mark.parametrize("name", [".intro.md.swp", ".intro.md.swx", ".intro.md.swo", "4913",
                                  "intro.md~", ".#intro.md", "#intro.md#", "intro.md.tmp",
                                  "intro.md___jb_tmp___", "intro.md___jb_old___",
                                  ".goutputstream-X1Y2", ".~lock.intro.odt#", "HEAD.lock"])
def test_editor_temp_names(name: str) -> None:
    assert is_editor_temp(name)


@pytest.mark.parametrize("name", ["intro.md", "swp.md", "4913.md", "notes-tmp.md", "a#b.md"])
def test_real_names_are_not_temp(name: str) -> None:
    assert not is_editor_temp(name)


def test_event_filter_allow_list() -> None:
    f = EventFilter(["/r/.git", "/r/.git/worktrees/wt"], "/r")
    f.set_sections(["sections/intro.md", "deep/er/x.md"])
    yes = ["/r/.git/HEAD", "/r/.git/packed-refs", "/r/.git/refs/heads/main",
           "/r/.git/refs/remotes/origin/main", "/r/.git/reftable/tables.list",
           "/r/.git/worktrees/wt/HEAD", "/r/proposal.toml", "/r/sections/intro.md",
           "/r/deep/er/x.md"]
    no = ["/r/.git/index", "/r/.git/index.lock", "/r/.git/HEAD.lock",
          "/r/.git/refs/heads/main.lock", "/r/.git/packed-refs.lock", "/r/.git/FETCH_HEAD",
          "/r/.git/ORIG_HEAD", "/r/.git/logs/HEAD", "/r/.git/objects/ab/cdef",
          "/r/.git/COMMIT_EDITMSG", "/r/.git/proposal-tui/history.json",
          "/r/.git/worktrees/wt/index", "/r/sections/.intro.md.swp", "/r/sections/4913",
          "/r/sections/other.md", "/r/README.md", "/elsewhere/proposal.toml"]
    assert [p for p in yes if not f.relevant(p)] == []
    assert [p for p in no if f.relevant(p)] == []
    assert f.relevant("/r/deep", is_directory=True) and f.relevant("/r/deep/er", True)
    assert not f.relevant("/r/deep") and not f.relevant("/r/other", True)


def test_event_filter_bare() -> None:
    f = EventFilter(["/srv/p.git"], None)
    assert f.relevant("/srv/p.git/refs/heads/main") and f.relevant("/srv/p.git/HEAD")
    assert not f.relevant("/srv/p.git/objects/incoming-x/pack") \
        and not f.relevant("/srv/p.git/config")


def test_network_fs_detection(tmp_path: Path) -> None:
    mounts = tmp_path / "mounts"
    mounts.write_text("/dev/sda1 / ext4 rw 0 0\n"
                      "srv:/export /home/team nfs4 rw 0 0\n"
                      "tmpfs /home/team/tmp tmpfs rw 0 0\n"
                      "srv:/x /mnt/with\\040space nfs rw 0 0\n")
    assert network_fs_type("/home/team/p/.git", str(mounts)) == "nfs4"
    assert network_fs_type("/home/team/tmp/p", str(mounts)) is None
    assert network_fs_type("/home/teammate/p", str(mounts)) is None
    assert network_fs_type("/mnt/with space/p", str(mounts)) == "nfs"
    assert network_fs_type("/x", str(tmp_path / "missing")) is None


def test_diff_classifies_refs_and_files() -> None:
    stat = FileStat(1, 2, 3)
    old = Fingerprint("refs/heads/main", A, (("refs/heads/main", A), ("refs/tags/v1", A)),
                      manifest=stat, sections=(("s/a.md", stat), ("s/b.md", None)))
    new = Fingerprint("refs/heads/main", B,
                      (("refs/heads/main", B), (COMMENTS_REF, B),
                       ("refs/remotes/origin/main", B)),
                      manifest=FileStat(9, 2, 3),
                      sections=(("s/a.md", stat), ("s/b.md", stat), ("s/c.md", None)))
    change = diff(old, new)
    assert change and change.head_moved and not change.branch_switched and change.manifest
    assert [(m.name, m.old, m.new) for m in change.branches] == [("refs/heads/main", A, B)]
    assert change.comments is not None and change.comments.old is None
    assert [m.name for m in change.remotes] == ["refs/remotes/origin/main"]
    assert [(m.name, m.new) for m in change.other_refs] == [("refs/tags/v1", None)]
    assert change.sections == ("s/b.md", "s/c.md")
    assert not diff(new, new) and diff(new, new).refs_changed is False
    switched = diff(old, Fingerprint(None, A, old.refs, stat, old.sections))
    assert switched.branch_switched and not switched.head_moved and not switched.refs_changed


# -- commits and refs ---------------------------------------------------------------------
def test_commit_fires_one_change_with_head_moved(clone: Path, watchers) -> None:
    w, rec = watchers(clone)
    assert w.mode == "watching" and w.reason == ""
    sha = commit(clone)
    wait_until(lambda: rec.changes)
    settle(w)
    assert len(rec.changes) == 1
    change = rec.changes[0]
    assert change.head_moved and not change.branch_switched and not change.manifest
    assert [(m.name, m.new) for m in change.branches] == [("refs/heads/main", sha)]
    assert change.comments is None and change.remotes == () and change.sections == ()
    assert rec.threads == {"proposal-repo-watcher"} and not rec.overlapped
    assert w.fingerprint == change.new == fingerprint(w.repo, [SECTION])


def test_pack_refs_does_not_break_detection(clone: Path, watchers) -> None:
    w, rec = watchers(clone)
    git(clone, "pack-refs", "--all")
    assert not (clone / ".git/refs/heads/main").exists()  # the ref now lives in packed-refs
    settle(w)
    assert rec.changes == []  # same refs, same shas: nothing to show
    for n in range(2):
        sha = commit(clone, f"after pack {n}")
        wait_until(lambda sha=sha: rec.changes and rec.changes[-1].new.head == sha)
        git(clone, "pack-refs", "--all")
    settle(w)
    assert len(rec.changes) == 2


def test_push_into_watched_bare_repository(tmp_path: Path, watchers) -> None:
    bare = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", str(bare), str(work))
    commit(work, "first")
    git(work, "push", "-q", "origin", "HEAD:main")
    w, rec = watchers(bare)
    assert w.repo.bare
    sha = commit(work, "second")
    git(work, "push", "-q", "origin", "HEAD:main")
    wait_until(lambda: rec.changes)
    settle(w)
    assert len(rec.changes) == 1
    change = rec.changes[0]
    assert change.head_moved and [m.name for m in change.branches] == ["refs/heads/main"]
    assert change.new.head == sha and change.new.manifest is None and change.new.sections == ()


def test_comments_branch_written_with_plumbing(clone: Path, watchers) -> None:
    w, rec = watchers(clone)
    tree = git(clone, "rev-parse", "HEAD^{tree}").strip()
    new = git(clone, "commit-tree", tree, "-m", "comment: intro", env=ANN).strip()
    git(clone, "update-ref", COMMENTS_REF, new, "")
    wait_until(lambda: rec.changes)
    settle(w)
    (change,) = rec.changes
    assert change.comments is not None and change.comments.old is None
    assert change.comments.new == new
    assert not change.head_moved and change.branches == () and change.other_refs == ()


def test_fetch_updates_remote_tracking_refs(tmp_path: Path, watchers) -> None:
    bare = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    mine, theirs = tmp_path / "mine", tmp_path / "theirs"
    git(tmp_path, "clone", "-q", str(bare), str(theirs))
    commit(theirs, "first")
    git(theirs, "push", "-q", "origin", "HEAD:main")
    git(tmp_path, "clone", "-q", str(bare), str(mine))
    w, rec = watchers(mine, [])
    sha = commit(theirs, "theirs")
    git(theirs, "push", "-q", "origin", "HEAD:main")
    git(mine, "fetch", "-q")
    wait_until(lambda: rec.changes)
    settle(w)
    (change,) = rec.changes
    assert [(m.name, m.new) for m in change.remotes] == [("refs/remotes/origin/main", sha)]
    assert not change.head_moved and change.branches == ()


def test_switching_branch(clone: Path, watchers) -> None:
    w, rec = watchers(clone)
    git(clone, "switch", "-q", "-c", "draft")
    wait_until(lambda: rec.changes)
    settle(w)
    (change,) = rec.changes
    assert change.branch_switched and not change.head_moved
    assert change.new.head_ref == "refs/heads/draft"
    assert [(m.name, m.old) for m in change.branches] == [("refs/heads/draft", None)]


def test_linked_work_tree_sees_commits_in_the_common_dir(clone: Path, tmp_path: Path,
                                                         watchers) -> None:
    linked = tmp_path / "linked"
    git(clone, "worktree", "add", "-q", "-b", "draft", str(linked))
    w, rec = watchers(linked, [])
    sha = commit(linked, "in linked")
    wait_until(lambda sha=sha: rec.changes and rec.changes[-1].new.head == sha)
    git(clone, "branch", "-q", "other")  # a ref written from the main work tree
    wait_until(lambda: any(m.name == "refs/heads/other" for c in rec.changes
                           for m in c.branches))


# -- work tree files ----------------------------------------------------------------------
def test_manifest_edit_fires_manifest_changed(clone: Path, watchers) -> None:
    w, rec = watchers(clone)
    with open(clone / "proposal.toml", "a", encoding="utf-8") as fh:
        fh.write("# a comment\n")
    wait_until(lambda: rec.changes)
    settle(w)
    assert [(c.manifest, c.head_moved, c.sections) for c in rec.changes] == [(True, False, ())]


def _save_in_place(target: Path, text: str) -> None:
    target.write_text(text, encoding="utf-8")


def _save_atomic(target: Path, text: str) -> None:
    tmp = target.with_name(f".{target.name}.tmp{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, target)


def _save_vim(target: Path, text: str) -> None:
    swap = target.with_name(f".{target.name}.swp")
    swap.write_bytes(b"b0VIM 9.0" + b"\0" * 4096)
    probe = target.with_name("4913")
    probe.write_bytes(b"")
    probe.unlink()
    (target.parent / f"{target.name}~").write_text("backup", encoding="utf-8")
    target.write_text(text, encoding="utf-8")
    swap.unlink()


def _save_jetbrains(target: Path, text: str) -> None:
    tmp = target.with_name(target.name + "___jb_tmp___")
    tmp.write_text(text, encoding="utf-8")
    os.replace(target, target.with_name(target.name + "___jb_old___"))
    os.replace(tmp, target)
    target.with_name(target.name + "___jb_old___").unlink()


@pytest.mark.parametrize("save", [_save_in_place, _save_atomic, _save_vim, _save_jetbrains],
                         ids=["in-place", "write-temp-rename", "vim", "jetbrains"])
def test_section_save_reports_the_real_file_only(clone: Path, watchers,
                                                 save: Callable[[Path, str], None]) -> None:
    w, rec = watchers(clone)
    save(clone / SECTION, "# Executive Summary\n\nNew words here.\n")
    wait_until(lambda: rec.changes and rec.changes[-1].new == fingerprint(w.repo, [SECTION]))
    settle(w)
    assert rec.changes and all(c.sections == (SECTION,) for c in rec.changes)
    assert not any(c.head_moved or c.refs_changed for c in rec.changes)
    assert {p for c in rec.changes for p, _ in c.new.sections} == {SECTION}


def test_editor_junk_alone_wakes_nothing(clone: Path, watchers) -> None:
    w, rec = watchers(clone)
    folder = clone / "sections"
    for name in (".010-exec-summary.md.swp", ".010-exec-summary.md.swx", "4913",
                 "010-exec-summary.md~", ".#010-exec-summary.md", "draft.tmp",
                 "010-exec-summary.md___jb_tmp___", "unrelated.md"):
        (folder / name).write_text("junk", encoding="utf-8")
        (folder / name).unlink()
    settle(w)
    assert w.stats.raw_events >= 16 and w.stats.relevant_events == 0
    assert w.stats.checks == 0 and rec.changes == []


def test_section_in_a_folder_created_later(clone: Path, watchers) -> None:
    path = "chapters/part-1/new.md"
    w, rec = watchers(clone, [SECTION, path])
    (clone / "chapters/part-1").mkdir(parents=True)
    (clone / path).write_text("hello", encoding="utf-8")
    wait_until(lambda: rec.changes and dict(rec.changes[-1].new.sections)[path] is not None)
    settle(w)
    scheduled = set(w._scheduled)
    assert str((clone / "chapters/part-1").resolve()) in scheduled
    (clone / path).write_text("hello again", encoding="utf-8")
    wait_until(lambda: rec.changes[-1].new == fingerprint(w.repo, [SECTION, path]))


def test_only_the_needed_folders_are_watched(clone: Path, tmp_path: Path, watchers) -> None:
    w, _ = watchers(clone)
    root, gdir = clone.resolve(), (clone / ".git").resolve()
    plan = {p: (t.recursive, t.critical) for p, (_, t) in w._scheduled.items()}
    assert plan == {str(gdir): (False, True), str(gdir / "refs"): (True, True),
                    str(root): (False, False), str(root / "sections"): (False, False)}
    bare = tmp_path / "b.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    wb, _ = watchers(bare)
    assert {p: t.recursive for p, (_, t) in wb._scheduled.items()} == {
        str(bare.resolve()): False, str(bare.resolve() / "refs"): True}


# -- bursts, our own reads ----------------------------------------------------------------
def test_burst_of_50_commits_coalesces(clone: Path, watchers) -> None:
    w, rec = watchers(clone)
    script = ('for i in $(seq 50); do echo "$i" >> notes.txt && git add notes.txt && '
              'git commit -q -m "burst $i" || exit 1; done')
    start = time.monotonic()
    subprocess.run(["bash", "-c", script], cwd=clone, check=True, env={**os.environ, **ANN})
    took = time.monotonic() - start
    final = fingerprint(w.repo, [SECTION])
    wait_until(lambda: w.fingerprint == final)
    settle(w)
    print(f"\n50 commits in {took:.2f} s -> {len(rec.changes)} callbacks, "
          f"{w.stats.relevant_events} relevant of {w.stats.raw_events} raw events")
    assert 1 <= len(rec.changes) <= 3 and not rec.overlapped
    assert rec.changes[-1].new == final


def test_our_own_reads_wake_nothing(clone: Path, watchers) -> None:
    w, rec = watchers(clone)
    repo = ProposalRepo.open(clone)
    (clone / SECTION).write_text("# Exec\n\nUncommitted words.\n", encoding="utf-8")
    os.utime(clone / SECTION, ns=(0, 0))  # racily clean no more: plain `status` would refresh
    w.check_now(wait=5)
    settle(w)
    before = (w.stats.relevant_events, w.stats.checks, len(rec.changes))
    run_git(["status"], clone)
    run_git(["diff", "--stat"], clone)
    service = Workspace(repo).proposals
    snap = service.snapshot()
    assert snap.state("exec-summary") is not None
    service.snapshot()
    CommentStore(clone).threads()
    settle(w)
    assert (w.stats.relevant_events, w.stats.checks, len(rec.changes)) == before
    assert not any("index.lock" in p for p in list(w.stats.recent))


# -- fallback -----------------------------------------------------------------------------
def test_forced_polling_detects_a_commit(clone: Path, watchers) -> None:
    w, rec = watchers(clone, force_polling=True, poll_interval=0.3)
    assert w.mode == "polling" and w.reason == "file watching turned off; polling every 0.3 s"
    assert w._observer is None
    sha = commit(clone)
    start = time.monotonic()
    wait_until(lambda: rec.changes, timeout=0.3 + 1.0)
    assert rec.changes[0].new.head == sha
    print(f"\npolling detected the commit after {time.monotonic() - start:.2f} s")


@pytest.mark.parametrize("err, reason", [
    (errno.ENOSPC, "inotify watch limit reached; polling every 0.2 s"),
    (errno.EMFILE, "inotify instance limit reached; polling every 0.2 s")])
def test_inotify_limits_fall_back_to_polling(clone: Path, watchers, err: int,
                                             reason: str) -> None:
    def broken() -> Observer:
        raise OSError(err, os.strerror(err))

    w, rec = watchers(clone, poll_interval=0.2, observer_factory=broken)
    assert (w.mode, w.reason) == ("polling", reason)
    sha = commit(clone)
    wait_until(lambda: rec.changes and rec.changes[-1].new.head == sha, timeout=2)


def test_watch_limit_hit_while_scheduling(clone: Path, watchers) -> None:
    class Exhausted(Observer):  # type: ignore[misc, valid-type]
        def schedule(self, *args: object, **kw: object) -> object:
            raise OSError(errno.ENOSPC, "inotify watch limit reached")

    made: list[Observer] = []
    w, rec = watchers(clone, poll_interval=0.2,
                      observer_factory=lambda: made.append(Exhausted()) or made[-1])
    assert w.mode == "polling" and w.reason.startswith("inotify watch limit reached")
    wait_until(lambda: not made[0].is_alive())  # the half-started observer was stopped
    sha = commit(clone)
    wait_until(lambda: rec.changes and rec.changes[-1].new.head == sha, timeout=2)


def test_observer_dying_switches_to_polling(clone: Path, watchers) -> None:
    modes: list[tuple[str, str, str]] = []
    w, rec = watchers(clone, poll_interval=0.2, health_interval=0.05,
                      on_mode_change=lambda m, r: modes.append(
                          (m, r, threading.current_thread().name)))
    assert w.mode == "watching"
    w._observer.stop()
    wait_until(lambda: w.mode == "polling")
    assert w.reason == "file watcher stopped; polling every 0.2 s"
    assert modes == [("polling", w.reason, "proposal-repo-watcher")]
    sha = commit(clone)
    wait_until(lambda: rec.changes and rec.changes[-1].new.head == sha, timeout=2)


def test_network_file_system_starts_in_polling(clone: Path, watchers,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import proposal_tui.watch.watcher as watcher_mod
    monkeypatch.setattr(watcher_mod, "network_fs_type", lambda path: "nfs4")
    w, _ = watchers(clone)
    assert w.mode == "polling" and w.reason.startswith("repository on nfs4")


# -- check_now, stop ----------------------------------------------------------------------
def test_check_now_reads_without_waiting_for_events(clone: Path, watchers) -> None:
    w, rec = watchers(clone, force_polling=True, poll_interval=3600)
    sha = commit(clone)
    assert w.check_now(wait=5) is True
    assert [c.new.head for c in rec.changes] == [sha]
    assert w.check_now(wait=5) is True and len(rec.changes) == 1  # unchanged: no callback


def test_stop_is_quick_idempotent_and_final(clone: Path, watchers) -> None:
    w, rec = watchers(clone)
    worker = w._worker
    start = time.monotonic()
    w.stop()
    w.stop()
    assert time.monotonic() - start < 1.0
    assert worker is not None and not worker.is_alive()
    assert threading.active_count() < 50
    commit(clone)
    assert w.check_now(wait=1) is False
    time.sleep(0.3)  # proving a negative: give a (wrong) callback time to happen
    assert rec.changes == []
    with pytest.raises(RuntimeError):
        w.start()


def test_stop_from_inside_the_callback(clone: Path) -> None:
    holder: list[RepoWatcher] = []
    done = threading.Event()

    def on_change(change: Change) -> None:
        holder[0].stop()
        done.set()

    w = RepoWatcher(ProposalRepo.open(clone), None, on_change)
    holder.append(w)
    w.start()
    commit(clone)
    assert done.wait(5)
    wait_until(lambda: not w._worker.is_alive())


def test_a_failing_callback_does_not_kill_the_watcher(clone: Path, watchers,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    calls: list[Change] = []

    def flaky(change: Change) -> None:
        calls.append(change)
        if len(calls) == 1:
            raise RuntimeError("boom")

    w = RepoWatcher(ProposalRepo.open(clone), None, flaky)
    w.start()
    try:
        commit(clone, "one")
        wait_until(lambda: calls)
        sha = commit(clone, "two")
        wait_until(lambda: len(calls) == 2 and calls[-1].new.head == sha)
    finally:
        w.stop()
    assert "on_change failed" in caplog.text


# -- latency ------------------------------------------------------------------------------
def test_commit_to_callback_latency(clone: Path, watchers) -> None:
    """Not a benchmark: prints median and p95 over 30 commits (run with -s)."""
    w, rec = watchers(clone)
    latencies: list[float] = []
    for i in range(30):
        count = len(rec.changes)
        proc = subprocess.run(["git", "commit", "-q", "--allow-empty", "-m", f"lat {i}"],
                              cwd=clone, env={**os.environ, **ANN}, check=True)
        returned = time.monotonic()
        assert proc.returncode == 0
        wait_until(lambda count=count: len(rec.changes) > count)
        latencies.append(rec.times[count] - returned)
        settle(w)
        time.sleep(w.max_latency + 0.05)  # independent commits, not a stream (which backs off)
    latencies.sort()
    median = statistics.median(latencies)
    p95 = latencies[int(0.95 * len(latencies)) - 1]
    print(f"\ncommit -> on_change over 30 commits: median {median * 1000:.0f} ms, "
          f"p95 {p95 * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms "
          f"(debounce {w.debounce * 1000:.0f} ms, python {sys.version_info[:2]})")
    assert p95 < 1.0
