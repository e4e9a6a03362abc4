"""Build a live demo repository from a sample proposal in ``proposal_tui/samples/``.

A sample is a folder holding the proposal as it stands on its *anchor* day (``proposal.toml``,
the section files, any other files) plus ``demo.toml``, the git history that led there. The
build replays that history as real commits in a new repository, after moving every date by
``today - anchor`` days, so the dashboard always shows a proposal in flight: something overdue,
something at risk, something waiting for review, relative to the real today.

``demo.toml`` keys (all dates shift with the build):

``anchor``
    The date the sample's dates were written for.
``about``
    Optional text copied into the demo's README ("what to look at").
``[[commits]]``
    One commit each, in chronological order:

    ``day``       days relative to the anchor (``-21``);
    ``time``      ``"HH:MM"`` wall-clock time in the proposal's time zone;
    ``author``    a handle from ``[[people]]`` (name and email are taken from there);
    ``message``   subject line; ``body`` optional paragraph(s);
    ``trailers``  optional ``["Proposal-Status: ready-for-review", ...]`` lines;
    ``scaffold``  ``true`` on the first commit only: ``proposal.toml`` with every status
                  ``"not-started"``, one stub file (a heading line) per section, the README;
    ``initial``   (scaffold only) ``{section = {field = value}}`` where the scaffold differs from
                  the final ``proposal.toml`` (e.g. the owner before a reassignment, the file
                  name before a rename);
    ``write``     ``{section = fraction}``: the section file becomes the first ``fraction`` of its
                  final text, by words, in whole paragraphs (``1.0`` = the final text verbatim);
    ``set``       ``{section = {field = value}}``: a manager's edit of ``proposal.toml``;
    ``rename``    ``{section = "new/path"}``: ``git mv`` the file; the manifest's ``file`` follows;
    ``add``       ``["path", ...]``: copy those files verbatim from the sample folder.

After the replay the repository must equal the sample (shifted): a history that ends anywhere
else is a bug in ``demo.toml`` and is reported as a :class:`ProposalError`.

The samples ship inside the package (package data), so an installed wheel builds demos
without a checkout. This module imports neither textual nor watchdog: ``proposal demo`` must
work without the UI.
"""

from __future__ import annotations

import copy
import datetime as dt
import importlib.resources
import os
import re
import shutil
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import tomlkit

from proposal_tui.domain.errors import ProposalError
from proposal_tui.store.demo_comments import replay_comments
from proposal_tui.store.git import run_git, run_git_bytes

# Package data: a real folder once the wheel is installed (pip never runs us from a zip), and
# the demo copies files out of it with shutil, so a Path is what the code needs.
SAMPLES_DIR: Path = Path(str(importlib.resources.files("proposal_tui").joinpath("samples")))

MANIFEST = "proposal.toml"
DEMO_FILE = "demo.toml"
REQUIREMENTS = "requirements.toml"
_ENTRY_KEYS = frozenset(
    {"day", "time", "author", "message", "body", "trailers", "scaffold", "initial", "write",
     "set", "rename", "add"}
)
# Split a paragraph before each list item ("- x", "* x", "12. x"), keeping the item intact.
_LIST_ITEM_RE = re.compile(r"\n(?=[ \t]*(?:[-*+]|\d+[.)])[ \t])")
_TIME_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
# Commands that must not be affected by the user's hooks or signing setup.
_COMMIT_OPTS = ["-c", "core.hooksPath=/dev/null", "-c", "commit.gpgsign=false"]


def samples_dir() -> Path:
    """Where samples live; ``PROPOSAL_SAMPLES`` is read at call time so tests can redirect it."""
    override = os.environ.get("PROPOSAL_SAMPLES")
    return Path(override) if override else SAMPLES_DIR


def list_samples() -> list[str]:
    """Names of the folders that hold both a manifest and a demo history."""
    root = samples_dir()
    if not root.is_dir():
        return []
    return sorted(
        p.name for p in root.iterdir()
        if p.is_dir() and (p / MANIFEST).is_file() and (p / DEMO_FILE).is_file()
    )


# --------------------------------------------------------------------------- date shifting


def shift_value(value: Any, delta: dt.timedelta, zone: dt.tzinfo) -> Any:
    """Move a date or date-time by ``delta`` days, keeping aware times at the same wall clock.

    "5 p.m. Eastern" must stay 5 p.m. even when the shift crosses a DST change, so aware
    values are shifted in the proposal's zone and get that zone's offset for the new date.
    """
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            return dt.datetime.combine(value.date() + delta, value.time())
        local = value.astimezone(zone)
        moved = dt.datetime.combine(local.date() + delta, local.time().replace(tzinfo=None),
                                    tzinfo=zone)
        offset = moved.utcoffset() or dt.timedelta(0)
        return moved.replace(tzinfo=dt.timezone(offset))
    if isinstance(value, dt.date):
        return value + delta
    return value


def _shift_container(node: Any, delta: dt.timedelta, zone: dt.tzinfo) -> None:
    """Shift every date inside a tomlkit document in place (comments and layout survive)."""
    if isinstance(node, Mapping):
        for key in list(node.keys()):
            child = node[key]
            if isinstance(child, (dt.date, dt.datetime)):
                node[key] = shift_value(child, delta, zone)  # type: ignore[index]
            else:
                _shift_container(child, delta, zone)
    elif isinstance(node, list):
        for i, child in enumerate(node):
            if isinstance(child, (dt.date, dt.datetime)):
                node[i] = shift_value(child, delta, zone)
            else:
                _shift_container(child, delta, zone)


def _shift_plain(value: Any, delta: dt.timedelta, zone: dt.tzinfo) -> Any:
    """Shift dates inside plain (tomllib) values from demo.toml's ``set``/``initial``."""
    if isinstance(value, dict):
        return {k: _shift_plain(v, delta, zone) for k, v in value.items()}
    if isinstance(value, list):
        return [_shift_plain(v, delta, zone) for v in value]
    return shift_value(value, delta, zone)


# --------------------------------------------------------------------------- text helpers


def stub_text(title: str, file: str) -> str:
    """The one heading a scaffolded section file starts with, in the file's own markup."""
    suffix = PurePosixPath(file).suffix.lower()
    if suffix in (".md", ".markdown"):
        return f"# {title}\n"
    if suffix == ".tex":
        return f"\\section*{{{title}}}\n"
    if suffix == ".rst":
        return f"{title}\n{'=' * len(title)}\n"
    return f"{title}\n"


def partial_text(text: str, fraction: float) -> str:
    """The first ``fraction`` of ``text`` by words, cut at a paragraph or list-item boundary.

    Whole units keep intermediate drafts well formed (no half-open LaTeX environment or
    table), which is how real drafts grow anyway; list items count as units so a long
    bibliography grows entry by entry.
    """
    if fraction >= 1:
        return text
    units: list[tuple[int, str]] = []  # (paragraph number, text)
    for number, block in enumerate(re.split(r"\n[ \t]*\n", text.strip("\n"))):
        if block.strip():
            units += [(number, part) for part in _LIST_ITEM_RE.split(block) if part.strip()]
    total = sum(len(u.split()) for _, u in units)
    kept: list[tuple[int, str]] = []
    words = 0
    for unit in units:
        kept.append(unit)
        words += len(unit[1].split())
        if words >= fraction * total:
            break
    out: list[str] = []
    last: int | None = None
    for number, unit in kept:
        out.append(unit if last is None else ("\n" if number == last else "\n\n") + unit)
        last = number
    return "".join(out) + "\n"


def _safe_relpath(value: Any, what: str, source: str) -> str:
    """A repository-relative POSIX path that cannot escape the repository."""
    if not isinstance(value, str) or not value:
        raise ProposalError(f"{what}: expected a relative path, got {value!r}", path=source)
    path = PurePosixPath(value)
    if path.is_absolute() or ".." in path.parts or "\\" in value or path.parts[:1] == (".git",):
        raise ProposalError(f"{what}: unsafe path {value!r}", path=source)
    return str(path)


# --------------------------------------------------------------------------- the plan


@dataclass
class _Entry:
    """One validated ``[[commits]]`` entry with its timestamp resolved."""

    index: int
    when: dt.datetime
    author: str
    message: str
    body: str = ""
    trailers: list[str] = field(default_factory=list)
    scaffold: bool = False
    write: dict[str, float] = field(default_factory=dict)
    set: dict[str, dict[str, Any]] = field(default_factory=dict)
    rename: dict[str, str] = field(default_factory=dict)
    add: list[str] = field(default_factory=list)

    def label(self) -> str:
        return f"commit #{self.index + 1} ({self.message!r})"

    def text(self) -> str:
        parts = [self.message.strip()]
        if self.body.strip():
            parts.append(self.body.strip())
        if self.trailers:
            parts.append("\n".join(t.strip() for t in self.trailers))
        return "\n\n".join(parts) + "\n"


@dataclass
class _Sample:
    """Everything read from a sample folder, with dates already shifted."""

    root: Path
    name: str
    final_manifest: str  # shifted proposal.toml text, comments intact
    proposal: dict[str, Any]
    people: dict[str, dict[str, Any]]
    sections: dict[str, dict[str, Any]]  # id -> final fields
    zone: dt.tzinfo
    today: dt.date
    about: str
    initial: dict[str, dict[str, Any]]
    entries: list[_Entry]
    delta: dt.timedelta = dt.timedelta(0)
    now: dt.datetime = dt.datetime.now(dt.UTC)
    work_doc: Any = None  # the manifest being edited during the replay (tomlkit document)
    final_doc: Any = None  # the final manifest parsed, to restore end-of-line comments


def _load_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProposalError("file not found", path=str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ProposalError(f"invalid TOML: {exc}", path=str(path)) from None


def _load_sample(name: str, today: dt.date | None, now: dt.datetime | None = None) -> _Sample:
    """Read and validate a sample, shifting every date so ``anchor`` becomes ``today``."""
    available = list_samples()
    if name not in available:
        choices = ", ".join(available) or "none found"
        raise ProposalError(f"unknown sample {name!r} (available: {choices})")
    root = samples_dir() / name
    demo_path = root / DEMO_FILE
    demo_src = str(demo_path)
    demo = _load_toml(demo_path)
    plain = _load_toml(root / MANIFEST)

    anchor = demo.get("anchor")
    if not isinstance(anchor, dt.date) or isinstance(anchor, dt.datetime):
        raise ProposalError("'anchor' must be a date such as 2026-11-27", path=demo_src)
    tz_name = plain.get("proposal", {}).get("timezone", "UTC")
    try:
        zone: dt.tzinfo = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ProposalError(f"unknown time zone {tz_name!r}", path=str(root / MANIFEST)) from None
    if now is not None and now.tzinfo is None:
        raise ValueError("build_demo: 'now' must be an aware datetime")
    now = now or dt.datetime.now(dt.UTC)
    if today is None:  # the proposal's today, as the dashboard computes it
        today = now.astimezone(zone).date()
    delta = today - anchor

    doc = tomlkit.parse((root / MANIFEST).read_text(encoding="utf-8"))
    _shift_container(doc, delta, zone)
    final_manifest = tomlkit.dumps(doc)
    final = tomllib.loads(final_manifest)

    people = {p["handle"]: p for p in final.get("people", [])}
    sections: dict[str, dict[str, Any]] = {}
    for sec in final.get("sections", []):
        sec = dict(sec)
        sec["file"] = _safe_relpath(sec.get("file"), f"section {sec.get('id')!r}",
                                    str(root / MANIFEST))
        sections[sec["id"]] = sec
    if not any(p.get("role") == "manager" for p in people.values()):
        raise ProposalError("the sample needs a person with role 'manager'", path=str(root))

    raw = demo.get("commits", [])
    if not raw or not raw[0].get("scaffold"):
        raise ProposalError("the first [[commits]] entry must have scaffold = true", path=demo_src)
    initial = _shift_plain(raw[0].get("initial", {}), delta, zone)
    for sid, fields in initial.items():
        if sid not in sections:
            raise ProposalError(f"initial: unknown section {sid!r}", path=demo_src)
        if bad := {"id", "status"} & set(fields):
            raise ProposalError(f"initial: {sid}: cannot set {sorted(bad)}", path=demo_src)
        if "file" in fields:
            fields["file"] = _safe_relpath(fields["file"], f"initial: {sid}", demo_src)

    entries: list[_Entry] = []
    for i, item in enumerate(raw):
        entries.append(_parse_entry(i, item, anchor, delta, zone, people, sections, demo_src))
    for prev, cur in zip(entries, entries[1:]):
        if cur.when < prev.when:
            raise ProposalError(f"{cur.label()} is earlier than the one before it", path=demo_src)
    # Near the real today (one day of slack for a caller that used its machine's local date),
    # keep every commit in the past; a day further off is a what-if and keeps its history.
    if abs((today - now.astimezone(zone).date()).days) <= 1:
        _keep_in_past(entries, now)
    return _Sample(root=root, name=name, final_manifest=final_manifest,
                   proposal=final.get("proposal", {}), people=people, sections=sections,
                   zone=zone, today=today, about=str(demo.get("about", "")).strip(),
                   initial=initial, entries=entries, delta=delta, now=now)


def _parse_entry(i: int, item: dict[str, Any], anchor: dt.date, delta: dt.timedelta,
                 zone: dt.tzinfo, people: Mapping[str, Any], sections: Mapping[str, Any],
                 src: str) -> _Entry:
    """Validate one ``[[commits]]`` table so mistakes name the entry, not a traceback."""
    where = f"commit #{i + 1}"
    if unknown := set(item) - _ENTRY_KEYS:
        raise ProposalError(f"{where}: unknown keys {sorted(unknown)}", path=src)
    if item.get("scaffold") and i != 0:
        raise ProposalError(f"{where}: only the first commit may scaffold", path=src)
    if "initial" in item and i != 0:
        raise ProposalError(f"{where}: 'initial' belongs to the scaffold commit", path=src)
    day, time_s = item.get("day"), item.get("time", "")
    if not isinstance(day, int) or not isinstance(time_s, str) or not _TIME_RE.match(time_s):
        raise ProposalError(f"{where}: needs an integer 'day' and a 'time' like \"09:30\"",
                            path=src)
    hour, minute = (int(x) for x in time_s.split(":"))
    when = dt.datetime.combine(anchor + delta + dt.timedelta(days=day), dt.time(hour, minute),
                               tzinfo=zone)
    author = item.get("author")
    if author not in people:
        raise ProposalError(f"{where}: author {author!r} is not in [[people]]", path=src)
    message = item.get("message")
    if not isinstance(message, str) or not message.strip() or "\n" in message.strip():
        raise ProposalError(f"{where}: 'message' must be a one-line subject", path=src)

    def check_section(sid: str, key: str) -> None:
        if sid not in sections:
            raise ProposalError(f"{where}: {key}: unknown section {sid!r}", path=src)

    write = dict(item.get("write", {}))
    for sid, frac in write.items():
        check_section(sid, "write")
        if not isinstance(frac, (int, float)) or not 0 < frac <= 1:
            raise ProposalError(f"{where}: write: {sid}: fraction must be in (0, 1]", path=src)
    sets: dict[str, dict[str, Any]] = _shift_plain(dict(item.get("set", {})), delta, zone)
    for sid, fields in sets.items():
        check_section(sid, "set")
        if bad := {"id", "file"} & set(fields):
            raise ProposalError(f"{where}: set: {sid}: use 'rename' to change {sorted(bad)}",
                                path=src)
        if "owner" in fields and fields["owner"] not in people:
            raise ProposalError(f"{where}: set: {sid}: owner {fields['owner']!r} is not a person",
                                path=src)
    rename = dict(item.get("rename", {}))
    for sid, new in rename.items():
        check_section(sid, "rename")
        rename[sid] = _safe_relpath(new, f"{where}: rename {sid}", src)
    add = [_safe_relpath(p, f"{where}: add", src) for p in item.get("add", [])]
    trailers = item.get("trailers", [])
    if not all(isinstance(t, str) and ":" in t for t in trailers):
        raise ProposalError(f"{where}: trailers must be 'Key: value' strings", path=src)
    return _Entry(index=i, when=when, author=author, message=message, body=item.get("body", ""),
                  trailers=list(trailers), scaffold=bool(item.get("scaffold")), write=write,
                  set=sets, rename=rename, add=add)


def _keep_in_past(entries: list[_Entry], now: dt.datetime) -> None:
    """Pull commits that would lie in the future back to just before now, keeping their order.

    Day-0 commits are written for early morning; built earlier than that, they would be dated
    after the clock, which git accepts but which makes "last touched" nonsense.
    """
    cap = now - dt.timedelta(minutes=1)
    for entry in reversed(entries):
        if entry.when > cap:
            entry.when = cap.astimezone(entry.when.tzinfo)
        cap = entry.when - dt.timedelta(minutes=1)


# --------------------------------------------------------------------------- replay


def _git_date(when: dt.datetime) -> str:
    """Git's raw date format: exact seconds plus the local offset the commit was made in."""
    offset = when.utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{int(when.timestamp())} {sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"


def _render_manifest(sample: _Sample, state: Mapping[str, Mapping[str, Any]]) -> str:
    """proposal.toml as it stood at some commit: the final text with that moment's differences.

    A value that differs from the final one loses its end-of-line comment (the comment
    explains the final value, e.g. "moved from Dana at Blue Team"); a value back at its final
    state gets its comment back. One parsed document is edited in place from commit to
    commit, because tomlkit parsing costs more than all the git calls of a build together.
    """
    if all(sample.sections[sid].get(k) == v for sid, fields in state.items()
           for k, v in fields.items()):
        return sample.final_manifest
    if sample.work_doc is None:
        sample.work_doc = tomlkit.parse(sample.final_manifest)
        sample.final_doc = tomlkit.parse(sample.final_manifest)
    finals = {str(t["id"]): t for t in sample.final_doc["sections"]}
    for table in sample.work_doc["sections"]:
        sid = str(table["id"])
        for key, value in state[sid].items():
            current = table.get(key)
            if current is not None and _plain(current) == value:
                continue
            if sample.sections[sid].get(key) == value:
                table[key] = copy.copy(finals[sid].item(key))
            else:
                table[key] = value
                trivia = table.item(key).trivia
                trivia.comment = trivia.comment_ws = ""
    return tomlkit.dumps(sample.work_doc)


def _plain(value: Any) -> Any:
    """A tomlkit item as the plain Python value tomllib would give."""
    return value.unwrap() if hasattr(value, "unwrap") else value


def _readme(sample: _Sample) -> str:
    """A short orientation for whoever opens the demo folder."""
    p = sample.proposal
    due = p.get("due")
    lines = [
        f"# Demo: {p.get('title', sample.name)}",
        "",
        f"A practice proposal repository generated by proposal-tui from the sample "
        f"`{sample.name}`. Nothing here is real: people, companies and numbers are invented.",
        "",
        f"- Client: {p.get('client', '')}",
        f"- Solicitation: {p.get('solicitation', '')}",
        f"- Due: {due.isoformat() if isinstance(due, dt.date) else due}",
        f"- Built for: {sample.today.isoformat()} (every date was shifted so that the history "
        "ends today)",
        "",
        "`proposal.toml` is the manifest: people, milestones and one table per section. The "
        "history was replayed as real commits by the team, so `git log` shows who wrote what "
        "and when, including `Proposal-Status:` trailers that hand sections over for review.",
        "",
        "Run `proposal` in this folder to open the dashboard. It is an ordinary git "
        "repository: edit, commit, and watch the dashboard follow.",
    ]
    if sample.about:
        lines += ["", "## What to look at", "", sample.about]
    return "\n".join(lines) + "\n"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def build_demo(dest: Path, sample: str = "transit-rfp", today: dt.date | None = None, *,
               now: dt.datetime | None = None) -> Path:
    """Create a new git repository at ``dest`` holding ``sample`` with its history replayed.

    Dates move by ``today - anchor`` so overdue, at-risk and stale sections are overdue, at
    risk and stale relative to the day the demo is built. ``today`` defaults to the date of
    ``now`` (an aware instant, default: the system clock) in the proposal's time zone, which
    is the "today" the dashboard uses; pass ``now`` from an injected clock. Commits that would
    fall after ``now`` are pulled back to just before it. Returns the repository path.
    """
    dest = Path(dest)
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise ProposalError("refusing to build a demo here: it exists and is not an empty folder",
                            path=str(dest))
    plan = _load_sample(sample, today, now)
    existed = dest.exists()
    try:
        _replay(plan, dest)
        replay_comments(plan.root, dest, plan.people, plan.today - plan.delta, plan.today,
                        plan.zone, plan.now)
    except BaseException:
        # Leave nothing half-built behind: the folder was empty (or absent) when we started.
        if existed:
            for child in dest.iterdir():
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child)
                else:
                    child.unlink()
        else:
            shutil.rmtree(dest, ignore_errors=True)
        raise
    return dest


def _replay(plan: _Sample, dest: Path) -> None:
    """Scaffold, then one real commit per history entry, then check the end state."""
    demo_src = str(plan.root / DEMO_FILE)
    state: dict[str, dict[str, Any]] = {}
    for sid, sec in plan.sections.items():
        state[sid] = {**sec, "status": "not-started", **plan.initial.get(sid, {})}
    finals = {sid: (plan.root / sec["file"]).read_text(encoding="utf-8")
              for sid, sec in plan.sections.items()}

    dest.mkdir(parents=True, exist_ok=True)
    run_git(["init", "--quiet", "-b", "main"], dest)
    manager = next(p for p in plan.people.values() if p.get("role") == "manager")
    run_git(["config", "user.name", manager["name"]], dest)
    run_git(["config", "user.email", manager.get("email", "")], dest)

    for entry in plan.entries:
        if entry.scaffold:
            for fields in state.values():
                _write(dest / fields["file"], stub_text(str(fields["title"]), fields["file"]))
            _write(dest / "README.md", _readme(plan))
            if (plan.root / REQUIREMENTS).is_file():  # the compliance matrix, from kickoff
                shutil.copyfile(plan.root / REQUIREMENTS, dest / REQUIREMENTS)
        for sid, new in entry.rename.items():
            old = state[sid]["file"]
            (dest / new).parent.mkdir(parents=True, exist_ok=True)
            run_git(["mv", "--", old, new], dest)
            state[sid]["file"] = new
        for sid, frac in entry.write.items():
            _write(dest / state[sid]["file"], partial_text(finals[sid], frac))
        for sid, fields in entry.set.items():
            state[sid].update(fields)
        for rel in entry.add:
            source = plan.root / rel
            if not source.is_file():
                raise ProposalError(f"{entry.label()}: add: no such file {rel!r}", path=demo_src)
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, dest / rel)
        if entry.scaffold or entry.set or entry.rename:  # only these change the manifest
            _write(dest / MANIFEST, _render_manifest(plan, state))

        person = plan.people[entry.author]
        when = _git_date(entry.when)
        env = {"GIT_AUTHOR_NAME": person["name"], "GIT_AUTHOR_EMAIL": person.get("email", ""),
               "GIT_COMMITTER_NAME": person["name"],
               "GIT_COMMITTER_EMAIL": person.get("email", ""),
               "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
        # New paths need `git add`; edits of tracked files are staged by `commit -a`, which
        # saves a process per commit (git mv has already staged its rename).
        if entry.scaffold or entry.add:
            run_git(["add", "-A"], dest)
        proc = run_git_bytes([*_COMMIT_OPTS, "commit", "--all", "--quiet", "--no-verify",
                              "-F", "-"], dest, env=env, input=entry.text().encode("utf-8"),
                             check=False)
        if proc.returncode != 0:
            said = (proc.stderr or proc.stdout).decode("utf-8", "replace").strip()
            reason = said.splitlines()[0] if said else f"exit status {proc.returncode}"
            raise ProposalError(f"{entry.label()}: git commit failed: {reason}", path=demo_src)

    _check_end_state(plan, state, dest)


def _check_end_state(plan: _Sample, state: Mapping[str, Mapping[str, Any]], dest: Path) -> None:
    """The replay must land exactly on the sample, or the sample and its history disagree."""
    where = str(plan.root / DEMO_FILE)
    for sid, fields in state.items():
        for key, value in fields.items():
            if plan.sections[sid].get(key) != value:
                raise ProposalError(
                    f"history ends with {sid}.{key} = {value!r}, but proposal.toml says "
                    f"{plan.sections[sid].get(key)!r}", path=where)
        text = (dest / fields["file"]).read_text(encoding="utf-8")
        if text != (plan.root / fields["file"]).read_text(encoding="utf-8"):
            raise ProposalError(f"history leaves {fields['file']} different from the sample "
                                "(is its last write 1.0?)", path=where)
    if run_git(["status", "--porcelain"], dest).strip():
        raise ProposalError("demo repository has uncommitted changes after the replay",
                            path=str(dest))
