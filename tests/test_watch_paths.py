"""The pure parts of watching: the event filter, editor temp names, fingerprint diffs."""

from __future__ import annotations

from pathlib import Path

import pytest

from proposal_tui.store.comments import COMMENTS_REF
from proposal_tui.store.fingerprint import FileStat, Fingerprint, diff
from proposal_tui.watch.paths import EventFilter, is_editor_temp, network_fs_type

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
