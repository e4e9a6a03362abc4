"""proposal.toml to a :class:`Manifest`, refusing bad input with file, line and reason."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from proposal_tui.domain.errors import ProposalError
from proposal_tui.domain.keys import PublicKey, parse_public_key
from proposal_tui.domain.model import (
    STATUS_VALUES,
    Manifest,
    Milestone,
    Person,
    ProposalInfo,
    Role,
    Section,
    parse_status,
)
from proposal_tui.domain.nesting import TooDeep, loads_toml
from proposal_tui.domain.pages import BUILTIN_PROFILES, DEFAULT_PROFILE, PageProfile, custom_profile
from proposal_tui.domain.tomllines import LineMap, scan

MANIFEST_NAME = "proposal.toml"
HANDLE_RE = re.compile(r"^[a-z][a-z0-9._-]{0,63}$")
SECTION_ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,127}$")
OUTCOMES = ("won", "lost", "withdrawn", "pending")  # the usual ones; any short word is kept
OUTCOME_RE = re.compile(r"^[a-z][a-z0-9-]{0,31}$")
MILESTONE_KINDS = ("kickoff", "review", "production", "deadline", "other")
# Every key format.md documents, per table. Anything else is kept and reported as a warning
# (a misspelt ``ownr`` would otherwise silently leave a section without an owner); a team's
# own keys start with ``x-`` or ``x_`` and are never reported.
KNOWN_KEYS: dict[str, frozenset[str]] = {
    "": frozenset({"proposal", "people", "server", "milestones", "sections", "pages"}),
    "proposal": frozenset({"title", "client", "solicitation", "due", "timezone",
                           "words_per_page", "kickoff", "stale_days", "outcome"}),
    "people": frozenset({"handle", "name", "email", "role", "keys"}),
    "server": frozenset({"keys"}),
    "milestones": frozenset({"name", "date", "kind"}),
    "sections": frozenset({"id", "title", "file", "owner", "due", "word_limit", "page_limit",
                           "requirements", "status", "order", "renamed_from",
                           "page_profile"}),
    "pages": frozenset({"profile", "profiles"}),
}
_CONFLICT_RE = re.compile(r"^(<{7}|={7}|>{7})(\s|$)", re.MULTILINE)


class ManifestErrors(ProposalError):
    """Every problem found in one manifest; str() is the first, .problems has them all."""

    def __init__(self, problems: list[ProposalError]) -> None:
        first = problems[0]
        super().__init__(first.message, first.path, first.line, first.column)
        self.problems = problems


def check_section_path(value: str) -> str | None:
    """Why a section path is unsafe, or None. Symlinks are checked by the store."""
    if not value or "\x00" in value:
        return "is empty or contains NUL"
    if "\\" in value:
        return "contains a backslash (use / between folders)"
    if value.startswith("/") or re.match(r"^[A-Za-z]:", value):
        return "is absolute (name a path inside the repository)"
    parts = value.split("/")
    if any(p == ".." for p in parts):
        return "contains '..' (it must stay inside the repository)"
    if any(p.lower() == ".git" for p in parts):
        return "names a .git folder"
    if any(p in ("", ".") for p in parts):
        return "has an empty or '.' component"
    if value.startswith("-"):
        return "starts with '-'"
    return None


class _Reader:
    """Carries the path and line map so each check can say where it failed."""

    def __init__(self, path: str, lines: LineMap) -> None:
        self.path = path
        self.lines = lines
        self.problems: list[ProposalError] = []

    def fail(self, message: str, line: int | None) -> None:
        self.problems.append(ProposalError(message, self.path, line))

    def table_key(self, table: str, index: int, key: str) -> int | None:
        return self.lines.key(table, index, key)

    def get(self, data: dict[str, Any], table: str, index: int, key: str, kind: type | tuple,
            what: str, required: bool = False) -> Any:
        value = data.get(key)
        if value is None:
            if required:
                self.fail(f"{what}: missing required key '{key}'",
                          self.lines.table(table, index))
            return None
        if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
            self.fail(f"{what}: '{key}' must not be true/false", self.table_key(table, index, key))
            return None
        if not isinstance(value, kind):
            names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
            self.fail(f"{what}: '{key}' must be a {_KIND_NAMES.get(names, names)}, "
                      f"not {type(value).__name__}", self.table_key(table, index, key))
            return None
        return value


_KIND_NAMES = {"str": "string", "int": "whole number", "list": "list", "int/float": "number",
               "date/datetime": "date or date-time", "datetime": "date-time"}


def _zone(reader: _Reader, raw: dict[str, Any]) -> dt.tzinfo:
    name = raw.get("timezone")
    due = raw.get("due")
    if isinstance(name, str):
        try:
            return zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            reader.fail(f"[proposal]: unknown time zone '{name}' (use an IANA name such as "
                        "'America/New_York')", reader.table_key("proposal", 0, "timezone"))
    elif name is not None:
        reader.fail("[proposal]: 'timezone' must be a string",
                    reader.table_key("proposal", 0, "timezone"))
    if isinstance(due, dt.datetime) and due.tzinfo is not None:
        return due.tzinfo
    return dt.UTC


def to_moment(value: dt.date | dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    """A manifest date as an aware moment: a bare date is the end of that day in the zone."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=zone)
    return dt.datetime.combine(value, dt.time(23, 59, 59), tzinfo=zone)


def _moment(reader: _Reader, data: dict[str, Any], table: str, index: int, key: str,
            what: str, zone: dt.tzinfo, required: bool = False) -> dt.datetime | None:
    value = data.get(key)
    if value is None and not required:
        return None
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value) if len(value) == 10 else \
                dt.datetime.fromisoformat(value)
        except ValueError:
            reader.fail(f"{what}: '{key}' is not a valid date ({value!r}); write it as "
                        "2026-12-18 or 2026-12-18T17:00:00-05:00 without quotes",
                        reader.table_key(table, index, key))
            return None
    if isinstance(value, (dt.date, dt.datetime)):
        return to_moment(value, zone)
    if value is None:
        reader.fail(f"{what}: missing required key '{key}'", reader.lines.table(table, index))
    else:
        reader.fail(f"{what}: '{key}' must be a date or date-time, not {type(value).__name__}",
                    reader.table_key(table, index, key))
    return None


def _list_of_tables(reader: _Reader, raw: dict[str, Any], name: str) -> list[dict[str, Any]]:
    value = raw.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        reader.fail(f"'{name}' must be written as [[{name}]] tables", reader.lines.table(name))
        return []
    return value


def _proposal(reader: _Reader, raw: dict[str, Any], zone: dt.tzinfo) -> ProposalInfo:
    table = raw.get("proposal")
    if not isinstance(table, dict):
        reader.fail("missing the [proposal] table (title, client, due, ...)", 1)
        return ProposalInfo(title="(untitled)", timezone=zone)
    what = "[proposal]"
    get: Callable[..., Any] = lambda key, kind, required=False: reader.get(  # noqa: E731
        table, "proposal", 0, key, kind, what, required)
    title = get("title", str, True) or "(untitled)"
    wpp = get("words_per_page", int)
    if wpp is not None and wpp <= 0:
        reader.fail(f"{what}: 'words_per_page' must be positive",
                    reader.table_key("proposal", 0, "words_per_page"))
        wpp = None
    stale = get("stale_days", int)
    if stale is not None and stale <= 0:
        reader.fail(f"{what}: 'stale_days' must be positive",
                    reader.table_key("proposal", 0, "stale_days"))
        stale = None
    kickoff = table.get("kickoff")
    if kickoff is not None and not isinstance(kickoff, dt.date):
        reader.fail(f"{what}: 'kickoff' must be a date",
                    reader.table_key("proposal", 0, "kickoff"))
        kickoff = None
    if isinstance(kickoff, dt.datetime):
        kickoff = kickoff.date()
    outcome = (get("outcome", str) or "").strip().lower()
    if outcome and not OUTCOME_RE.match(outcome):
        reader.fail(f"{what}: 'outcome' must be a word such as {', '.join(OUTCOMES)}",
                    reader.table_key("proposal", 0, "outcome"))
        outcome = ""
    return ProposalInfo(
        title=title,
        client=get("client", str) or "",
        solicitation=get("solicitation", str) or "",
        due=_moment(reader, table, "proposal", 0, "due", what, zone),
        timezone=zone,
        words_per_page=wpp or 500,
        kickoff=kickoff,
        stale_days=stale or 3,
        outcome=outcome,
    )


def _people(reader: _Reader, raw: dict[str, Any]) -> list[Person]:
    people: list[Person] = []
    seen: set[str] = set()
    holders: dict[str, str] = {}  # key fingerprint -> handle
    for i, entry in enumerate(_list_of_tables(reader, raw, "people")):
        what = f"[[people]] #{i + 1}"
        handle = reader.get(entry, "people", i, "handle", str, what, True)
        if handle is None:
            continue
        what = f"person '{handle}'"
        if not HANDLE_RE.match(handle):
            reader.fail(f"{what}: handle must be lower-case letters, digits, '.', '_' or '-', "
                        "starting with a letter", reader.table_key("people", i, "handle"))
            continue
        if handle in seen:
            reader.fail(f"duplicate person handle '{handle}'", reader.table_key("people", i,
                                                                               "handle"))
            continue
        seen.add(handle)
        role_text = reader.get(entry, "people", i, "role", str, what) or "writer"
        try:
            role = Role(role_text.strip().lower())
        except ValueError:
            reader.fail(f"{what}: unknown role '{role_text}' (use manager, writer or reviewer)",
                        reader.table_key("people", i, "role"))
            continue
        people.append(Person(handle=handle, name=reader.get(entry, "people", i, "name", str,
                                                            what) or handle,
                             email=reader.get(entry, "people", i, "email", str, what) or "",
                             role=role, keys=_keys(reader, entry, i, what, holders)))
    return people


def _key_list(reader: _Reader, lines: list[Any], what: str, where: int | None
              ) -> list[PublicKey]:
    """A ``keys = [...]`` array: each an OpenSSH public key line; repeats kept once."""
    keys: list[PublicKey] = []
    for n, line in enumerate(lines, 1):
        if not isinstance(line, str):
            reader.fail(f"{what}: keys #{n} must be a string like 'ssh-ed25519 AAAA... comment'",
                        where)
            continue
        try:
            key = parse_public_key(line)
        except ProposalError as exc:
            reader.fail(f"{what}: keys #{n}: {exc.message}", where)
            continue
        if all(k.fingerprint != key.fingerprint for k in keys):
            keys.append(key)
    return keys


def _keys(reader: _Reader, entry: dict[str, Any], i: int, what: str,
          holders: dict[str, str]) -> tuple[PublicKey, ...]:
    """A person's SSH keys; one key held by two people is refused, as it would name both."""
    where = reader.table_key("people", i, "keys")
    keys = _key_list(reader, reader.get(entry, "people", i, "keys", list, what) or [], what,
                     where)
    handle = entry.get("handle", "")
    for key in list(keys):
        other = holders.setdefault(key.fingerprint, handle)
        if other != handle:
            reader.fail(f"{what}: key {key.fingerprint} is also {other}'s: a key names one "
                        "person", where)
            keys.remove(key)
    return tuple(keys)


def _server_keys(reader: _Reader, raw: dict[str, Any]) -> tuple[PublicKey, ...]:
    """``[server] keys``: the public keys whose signatures on records `proposal verify`
    trusts (the host keys of the `proposal serve` processes that write this repository)."""
    table = raw.get("server")
    if table is None:
        return ()
    if not isinstance(table, dict):
        reader.fail("'server' must be a table: [server]", reader.lines.table("server"))
        return ()
    lines = reader.get(table, "server", 0, "keys", list, "[server]") or []
    return tuple(_key_list(reader, lines, "[server]", reader.table_key("server", 0, "keys")))


def _milestones(reader: _Reader, raw: dict[str, Any], zone: dt.tzinfo) -> list[Milestone]:
    result = []
    for i, entry in enumerate(_list_of_tables(reader, raw, "milestones")):
        name = reader.get(entry, "milestones", i, "name", str, f"[[milestones]] #{i + 1}", True)
        what = f"milestone '{name}'" if name else f"[[milestones]] #{i + 1}"
        date = _moment(reader, entry, "milestones", i, "date", what, zone, required=True)
        kind = reader.get(entry, "milestones", i, "kind", str, what) or "review"
        if kind not in MILESTONE_KINDS:
            reader.fail(f"{what}: unknown kind '{kind}' (use {', '.join(MILESTONE_KINDS)})",
                        reader.table_key("milestones", i, "kind"))
            continue
        if name and date:
            result.append(Milestone(name=name, date=date, kind=kind))
    return result


def _section(reader: _Reader, entry: dict[str, Any], i: int, zone: dt.tzinfo,
             handles: set[str], profiles: dict[str, PageProfile]) -> Section | None:
    sid = reader.get(entry, "sections", i, "id", str, f"[[sections]] #{i + 1}", True)
    if sid is None:
        return None
    what = f"section '{sid}'"
    key_line = lambda key: reader.table_key("sections", i, key)  # noqa: E731
    if not SECTION_ID_RE.match(sid):
        reader.fail(f"{what}: id must be lower-case letters, digits, '.', '_' or '-'",
                    key_line("id"))
        return None
    file = reader.get(entry, "sections", i, "file", str, what, True)
    if file is not None and (why := check_section_path(file)):
        reader.fail(f"{what}: file '{file}' {why}", key_line("file"))
        file = None
    owner = reader.get(entry, "sections", i, "owner", str, what)
    if owner is not None and owner not in handles:
        reader.fail(f"{what}: unknown owner '{owner}' (not in [[people]])", key_line("owner"))
    status_text = reader.get(entry, "sections", i, "status", str, what) or "not-started"
    status = parse_status(status_text)
    if status is None:
        reader.fail(f"{what}: unknown status '{status_text}' (use {', '.join(STATUS_VALUES)})",
                    key_line("status"))
    word_limit = reader.get(entry, "sections", i, "word_limit", int, what)
    page_limit = reader.get(entry, "sections", i, "page_limit", (int, float), what)
    for key, value in (("word_limit", word_limit), ("page_limit", page_limit)):
        if value is not None and value <= 0:
            reader.fail(f"{what}: '{key}' must be positive", key_line(key))
    requirements = reader.get(entry, "sections", i, "requirements", list, what) or []
    if not all(isinstance(r, str) and r.strip() for r in requirements):
        reader.fail(f"{what}: 'requirements' must be a list of non-empty strings",
                    key_line("requirements"))
        requirements = []
    order = reader.get(entry, "sections", i, "order", int, what)
    page_profile = reader.get(entry, "sections", i, "page_profile", str, what)
    if page_profile is not None and page_profile not in profiles:
        reader.fail(f"{what}: unknown page profile '{page_profile}' (use "
                    f"{', '.join(profiles)})", key_line("page_profile"))
        page_profile = None
    due = _moment(reader, entry, "sections", i, "due", what, zone)
    former = reader.get(entry, "sections", i, "renamed_from", list, what) or []
    if not all(isinstance(r, str) and SECTION_ID_RE.match(r) for r in former):
        reader.fail(f"{what}: 'renamed_from' must be a list of section ids",
                    key_line("renamed_from"))
        former = []
    if file is None or status is None:
        return None
    return Section(
        id=sid, title=reader.get(entry, "sections", i, "title", str, what) or sid, file=file,
        owner=owner if owner in handles else None, due=due,
        word_limit=word_limit if word_limit and word_limit > 0 else None,
        page_limit=float(page_limit) if page_limit and page_limit > 0 else None,
        requirements=tuple(r.strip() for r in requirements), status=status,
        order=order if order is not None else (i + 1) * 10, line=reader.lines.table("sections", i),
        page_profile=page_profile,
        renamed_from=tuple(former),
    )


@dataclass(frozen=True)
class TomlDocument:
    """A manifest's TOML as read, before any rule is checked: what the store may keep."""

    data: dict[str, Any]
    lines: LineMap


def parse_manifest(text: str, path: str = MANIFEST_NAME) -> Manifest:
    """Parse and validate; raise :class:`ManifestErrors` listing every problem found."""
    return build_manifest(read_toml(text, path), path)


def read_toml(text: str, path: str = MANIFEST_NAME) -> TomlDocument:
    """The TOML and where its tables and keys are; ManifestErrors for a conflict marker or
    a syntax error."""
    conflict = _CONFLICT_RE.search(text)
    if conflict:
        line = text.count("\n", 0, conflict.start()) + 1
        raise ManifestErrors([ProposalError(
            "unresolved merge-conflict marker; resolve the conflict and commit", path, line)])
    try:
        raw = loads_toml(text)
    except TooDeep as exc:
        raise ManifestErrors([ProposalError(str(exc), path)]) from None
    except tomllib.TOMLDecodeError as exc:
        where = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        line, column = (int(where.group(1)), int(where.group(2))) if where else (None, None)
        message = str(exc).split(" (at ")[0]
        raise ManifestErrors([ProposalError(f"TOML syntax error: {message}", path, line,
                                            column)]) from None
    return TomlDocument(raw, scan(text))


def build_manifest(document: TomlDocument, path: str = MANIFEST_NAME) -> Manifest:
    """Check every rule on TOML already read; raise :class:`ManifestErrors` listing every
    problem found."""
    raw = document.data
    reader = _Reader(path, document.lines)
    zone = _zone(reader, raw.get("proposal", {}) if isinstance(raw.get("proposal"), dict) else {})
    info = _proposal(reader, raw, zone)
    people = _people(reader, raw)
    server_keys = _server_keys(reader, raw)
    handles = {p.handle for p in people}
    milestones = _milestones(reader, raw, zone)
    default_profile, custom = _pages(reader, raw)
    profiles = {**BUILTIN_PROFILES, **{p.name: p for p in custom}}
    sections: list[Section] = []
    seen_ids: dict[str, int] = {}
    seen_files: dict[str, str] = {}
    for i, entry in enumerate(_list_of_tables(reader, raw, "sections")):
        section = _section(reader, entry, i, zone, handles, profiles)
        if section is None:
            continue
        if section.id in seen_ids:
            reader.fail(f"duplicate section id '{section.id}' (first defined on line "
                        f"{seen_ids[section.id]})", reader.table_key("sections", i, "id"))
            continue
        if section.file in seen_files:
            reader.fail(f"section '{section.id}': file '{section.file}' is already the file of "
                        f"section '{seen_files[section.file]}'",
                        reader.table_key("sections", i, "file"))
            continue
        seen_ids[section.id] = reader.table_key("sections", i, "id") or 0
        seen_files[section.file] = section.id
        sections.append(section)
    _check_former_ids(reader, sections)
    if reader.problems:
        raise ManifestErrors(reader.problems)
    return Manifest(proposal=info, people=tuple(people), milestones=tuple(milestones),
                    sections=tuple(sections), path=path, server_keys=server_keys,
                    page_profile=default_profile, page_profiles=custom,
                    warnings=tuple(str(e) for e in unknown_keys(document, path)))


def _pages(reader: _Reader, raw: dict[str, Any]) -> tuple[str, tuple[PageProfile, ...]]:
    """``[pages]``: the profile sections are typeset in, and ``[pages.profiles.NAME]``
    tables defining the proposal's own (each on a built-in ``base``)."""
    table = raw.get("pages", {})
    if not isinstance(table, dict):
        reader.fail("'pages' must be a table: [pages]", reader.lines.table("pages"))
        return DEFAULT_PROFILE, ()
    known = dict(BUILTIN_PROFILES)
    custom: list[PageProfile] = []
    tables = table.get("profiles", {})
    if not isinstance(tables, dict) or not all(isinstance(t, dict) for t in tables.values()):
        reader.fail("[pages]: 'profiles' must be tables: [pages.profiles.NAME]",
                    reader.table_key("pages", 0, "profiles") or reader.lines.table("pages"))
        tables = {}
    for name, entry in tables.items():
        where = f"pages.profiles.{name}"
        if name in BUILTIN_PROFILES or not SECTION_ID_RE.match(name):
            reader.fail(f"[{where}]: a profile name must be new and lower-case letters, "
                        f"digits, '.', '_' or '-'", reader.lines.table(where))
            continue
        profile, problems = custom_profile(name, entry, known)
        for key, why in problems:
            reader.fail(f"[{where}]: {why}", reader.table_key(where, 0, key)
                        or reader.lines.table(where))
        if profile is not None:
            known[name] = profile
            custom.append(profile)
    name = reader.get(table, "pages", 0, "profile", str, "[pages]") or DEFAULT_PROFILE
    if name not in known:
        reader.fail(f"[pages]: unknown page profile '{name}' (use {', '.join(known)})",
                    reader.table_key("pages", 0, "profile"))
        name = DEFAULT_PROFILE
    return name, tuple(custom)


def _check_former_ids(reader: _Reader, sections: list[Section]) -> None:
    """A former id names one section's past: not a section today, not two sections'."""
    ids = {s.id for s in sections}
    owners: dict[str, str] = {}
    for section in sections:
        for old in section.renamed_from:
            if old in ids:
                reader.fail(f"section '{section.id}': renamed_from '{old}' is the id of a "
                            "section today", section.line)
            elif owners.setdefault(old, section.id) != section.id:
                reader.fail(f"section '{section.id}': renamed_from '{old}' is also in "
                            f"section '{owners[old]}'", section.line)


def unknown_keys(document: TomlDocument, path: str = MANIFEST_NAME) -> list[ProposalError]:
    """Each key no table of the format knows, with its line and the nearest known key."""
    found: list[ProposalError] = []
    raw = document.data
    for key, value in raw.items():
        if key not in KNOWN_KEYS[""] and not _own(key):
            table = isinstance(value, dict | list)
            line = document.lines.table(key) if table else document.lines.key("", 0, key)
            found.append(_unknown(f"unknown {'table' if table else 'key'} '{key}'", key,
                                  KNOWN_KEYS[""], path, line))
    for table, known in KNOWN_KEYS.items():
        value = raw.get(table) if table else None
        entries = [value] if isinstance(value, dict) else value if isinstance(value, list) \
            else []
        for index, entry in enumerate(entries):
            if not isinstance(entry, dict):
                continue
            where = f"[{table}]" if isinstance(value, dict) else _entry_name(table, entry,
                                                                               index)
            for key in entry:
                if key not in known and not _own(key):
                    found.append(_unknown(f"{where}: unknown key '{key}'", key, known, path,
                                          document.lines.key(table, index, key)))
    return sorted(found, key=lambda e: e.line or 0)


def _entry_name(table: str, entry: dict[str, Any], index: int) -> str:
    """How messages name one [[table]]: ``section 'risk'``, else ``[[sections]] #3``."""
    noun, key = {"people": ("person", "handle"), "milestones": ("milestone", "name"),
                 "sections": ("section", "id")}.get(table, (table, ""))
    name = entry.get(key)
    return f"{noun} '{name}'" if isinstance(name, str) else f"[[{table}]] #{index + 1}"


def _own(key: str) -> bool:
    return key.startswith(("x-", "x_"))


def _unknown(message: str, key: str, known: frozenset[str], path: str,
             line: int | None) -> ProposalError:
    import difflib

    near = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.6)
    hint = f" (did you mean '{near[0]}'?)" if near else \
        " (ignored; name a key of your own x-...)"
    return ProposalError(message + hint, path, line)


def manifest_statuses(text: str) -> dict[str, str]:
    """Section id to declared status, tolerating an otherwise invalid manifest.

    Used on old versions from history, which need not satisfy today's validation.
    """
    try:
        raw = loads_toml(text)
    except (tomllib.TOMLDecodeError, TooDeep):
        return {}
    result: dict[str, str] = {}
    sections = raw.get("sections")
    if not isinstance(sections, list):
        return result
    for entry in sections:
        if isinstance(entry, dict) and isinstance(entry.get("id"), str):
            status = entry.get("status", "not-started")
            parsed = parse_status(status) if isinstance(status, str) else None
            result[entry["id"]] = parsed.value if parsed else "not-started"
    return result


@dataclass(frozen=True)
class KeyBook:
    """Who held which SSH key in one version of proposal.toml, read leniently (an old
    version from history need not pass today's validation): what `proposal verify` judges
    a signed record by."""

    holders: dict[str, str]  # key fingerprint -> handle
    server: frozenset[str]  # fingerprints of [server] keys
    emails: dict[str, str]  # lower-cased e-mail (or HANDLE@proposal.invalid) -> handle

    def has_keys(self, handle: str) -> bool:
        return handle in self.holders.values()


def manifest_keys(text: str) -> KeyBook:
    try:
        raw = loads_toml(text)
    except (tomllib.TOMLDecodeError, TooDeep):
        return KeyBook({}, frozenset(), {})
    holders: dict[str, str] = {}
    emails: dict[str, str] = {}
    people = raw.get("people")
    for entry in people if isinstance(people, list) else []:
        handle = entry.get("handle") if isinstance(entry, dict) else None
        if not isinstance(handle, str):
            continue
        emails[f"{handle}@proposal.invalid"] = handle
        if isinstance(entry.get("email"), str) and entry["email"]:
            emails.setdefault(entry["email"].lower(), handle)
        for fingerprint in _fingerprints(entry.get("keys")):
            holders.setdefault(fingerprint, handle)  # a key listed twice names its first
    server = raw.get("server")
    keys = server.get("keys") if isinstance(server, dict) else None
    return KeyBook(holders, frozenset(_fingerprints(keys)), emails)


def _fingerprints(lines: object) -> list[str]:
    found = []
    for line in lines if isinstance(lines, list) else []:
        if isinstance(line, str):
            try:
                found.append(parse_public_key(line).fingerprint)
            except ProposalError:
                continue
    return found
