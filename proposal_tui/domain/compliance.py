"""The compliance matrix: solicitation requirements against the sections that answer them.

Requirements live in the repository (``requirements.toml``) and sections name the ids they
answer in ``proposal.toml``, so the matrix is recomputed from the current tree every time and
cannot go stale the way a spreadsheet frozen at kickoff does. Pure: no git, no UI.
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
from dataclasses import dataclass, field
from typing import Any

from proposal_tui.domain.errors import ProposalError
from proposal_tui.domain.model import Manifest, Section, SectionState, Status
from proposal_tui.domain.nesting import TooDeep, loads_toml
from proposal_tui.domain.pages import PageCount, limit_point, over_limit
from proposal_tui.domain.tomllines import scan

REQUIREMENTS_NAME = "requirements.toml"
# L.3.2, M.2, II.D.2.d(iii), C-5/a: letters, digits and the punctuation solicitations use.
REQUIREMENT_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._()/:-]{0,63}$")
CSV_HEADER = ("id", "text", "source", "mandatory")
_YES = {"yes", "y", "true", "1", "mandatory", "x"}
_NO = {"no", "n", "false", "0", "optional", ""}


@dataclass(frozen=True)
class Requirement:
    id: str
    text: str = ""
    source: str = ""
    mandatory: bool = True
    line: int | None = None  # where its [[requirements]] table starts


@dataclass(frozen=True)
class Answer:
    """One section answering a requirement, with the status it has now."""

    section: str
    title: str
    status: Status
    owner: str | None = None


@dataclass(frozen=True)
class MatrixRow:
    requirement: Requirement
    answers: tuple[Answer, ...] = ()

    @property
    def answered(self) -> bool:
        return bool(self.answers)

    @property
    def only_not_started(self) -> bool:
        """Answered on paper only: every section meant to answer it is still not started."""
        return bool(self.answers) and all(a.status is Status.NOT_STARTED for a in self.answers)


@dataclass(frozen=True)
class UnknownReference:
    section: str
    requirement: str
    line: int | None = None  # the section's table in proposal.toml


@dataclass(frozen=True)
class Matrix:
    rows: tuple[MatrixRow, ...]
    unknown: tuple[UnknownReference, ...] = ()
    has_requirements_file: bool = True

    @property
    def unanswered(self) -> list[Requirement]:
        return [r.requirement for r in self.rows if not r.answered]

    @property
    def unanswered_mandatory(self) -> list[Requirement]:
        return [r for r in self.unanswered if r.mandatory]

    @property
    def mandatory_not_started(self) -> list[MatrixRow]:
        return [r for r in self.rows if r.requirement.mandatory and r.only_not_started]


def parse_mandatory(value: object) -> bool | None:
    """yes/no (and the usual spellings) to a bool, None when it is neither."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _YES:
        return True
    if isinstance(value, str) and value.strip().lower() in _NO:
        return False
    return None


def parse_requirements(text: str, path: str = REQUIREMENTS_NAME) -> list[Requirement]:
    """``requirements.toml`` to requirements in file order; the first problem is raised with
    its line, since a matrix built on half a file would be silently wrong."""
    try:
        raw = loads_toml(text)
    except TooDeep as exc:
        raise ProposalError(str(exc), path) from None
    except tomllib.TOMLDecodeError as exc:
        where = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        line, column = (int(where.group(1)), int(where.group(2))) if where else (None, None)
        raise ProposalError(f"TOML syntax error: {str(exc).split(' (at ')[0]}", path, line,
                            column) from None
    lines = scan(text)
    entries = raw.get("requirements", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ProposalError("'requirements' must be an array of tables ([[requirements]])",
                            path, lines.table("requirements", 0) or 1)
    result: list[Requirement] = []
    seen: dict[str, int | None] = {}
    for i, entry in enumerate(entries):
        start = lines.table("requirements", i)
        key_line = lambda key: lines.key("requirements", i, key)  # noqa: E731, B023 - used in this pass only
        rid = entry.get("id")
        if not isinstance(rid, str) or not rid.strip():
            raise ProposalError(f"[[requirements]] #{i + 1}: missing required key 'id'", path,
                                start)
        rid = rid.strip()
        if not REQUIREMENT_ID_RE.match(rid):
            raise ProposalError(f"requirement {rid!r}: id must be letters, digits and . _ ( ) / "
                                ": - (at most 64, e.g. L.3.2)", path, key_line("id"))
        if rid in seen:
            raise ProposalError(f"duplicate requirement id '{rid}' (first on line {seen[rid]})",
                                path, key_line("id"))
        seen[rid] = key_line("id")
        for key in ("text", "source"):
            if key in entry and not isinstance(entry[key], str):
                raise ProposalError(f"requirement '{rid}': '{key}' must be a string", path,
                                    key_line(key))
        mandatory = parse_mandatory(entry.get("mandatory", True))
        if mandatory is None:
            raise ProposalError(f"requirement '{rid}': 'mandatory' must be true/false or yes/no",
                                path, key_line("mandatory"))
        result.append(Requirement(id=rid, text=entry.get("text", ""),
                                  source=entry.get("source", ""), mandatory=mandatory,
                                  line=start))
    return result


# Header names a requirements spreadsheet uses, per column we read (compared lower-case,
# punctuation and extra spaces dropped); columns we do not know are skipped.
CSV_ALIASES = {
    "id": ("id", "req", "req id", "reqid", "req no", "req number", "requirement id",
           "requirement no", "requirement number", "requirement ref", "ref", "reference",
           "number", "no", "item", "item no"),
    "text": ("text", "requirement", "requirement text", "description", "statement",
             "requirement description", "shall statement"),
    "source": ("source", "section", "rfp section", "solicitation section", "location",
               "page", "paragraph", "origin", "rfp reference", "source section"),
    "mandatory": ("mandatory", "required", "must", "shall", "compulsory", "mandatory y n"),
}


def _csv_column(name: str) -> str | None:
    words = " ".join(re.sub(r"[^\w]+", " ", name.lower().replace("_", " ")).split())
    return next((key for key, names in CSV_ALIASES.items() if words in names), None)


def parse_requirements_csv(text: str, path: str) -> list[Requirement]:
    """The import format: a header row naming the columns in any order (``id,text,source,
    mandatory`` or common names such as ``Requirement ID``, ``Description``, ``Section``);
    problems name file:line."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise ProposalError("empty file (expected the header id,text,source,mandatory)", path,
                            1) from None
    except csv.Error as exc:
        raise ProposalError(f"CSV error: {exc}", path, 1) from None
    names = [_csv_column(h) or "" for h in header]
    for key in CSV_HEADER:
        if names.count(key) > 1:
            given = [h.strip() for h, n in zip(header, names) if n == key]
            raise ProposalError(f"columns {', '.join(given)} all read as '{key}'; keep one",
                                path, 1)
    if "id" not in names:
        raise ProposalError(f"no id column in the header (got {','.join(header)}; name one "
                            "id, Req or Requirement ID)", path, 1)
    result: list[Requirement] = []
    seen: dict[str, int] = {}
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise ProposalError(f"CSV error: {exc}", path, reader.line_num) from None
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(names):
            raise ProposalError(f"{len(row)} columns but the header has {len(names)}", path,
                                line)
        values = {n: c.strip() for n, c in zip(names, row) if n}
        rid = values.get("id", "")
        if not REQUIREMENT_ID_RE.match(rid):
            raise ProposalError(f"invalid requirement id {rid!r} (letters, digits and . _ ( ) "
                                "/ : -, e.g. L.3.2)", path, line)
        if rid in seen:
            raise ProposalError(f"duplicate requirement id '{rid}' (first on line {seen[rid]})",
                                path, line)
        seen[rid] = line
        mandatory = parse_mandatory(values.get("mandatory", "yes") or "no")
        if mandatory is None:
            raise ProposalError(f"requirement '{rid}': mandatory must be yes or no, not "
                                f"{values['mandatory']!r}", path, line)
        result.append(Requirement(id=rid, text=values.get("text", ""),
                                  source=values.get("source", ""), mandatory=mandatory))
    return result


def build_matrix(requirements: list[Requirement] | None, manifest: Manifest,
                 statuses: dict[str, Status] | None = None) -> Matrix:
    """Rows in requirement-file order; ``statuses`` are effective statuses by section id
    (declared ones are used where missing). ``requirements`` None: no requirements file."""
    statuses = statuses or {}
    sections = manifest.ordered_sections

    def answer(s: Section) -> Answer:
        return Answer(section=s.id, title=s.title, status=statuses.get(s.id, s.status),
                      owner=s.owner)

    known = {r.id for r in requirements or []}
    rows = tuple(MatrixRow(requirement=r, answers=tuple(answer(s) for s in sections
                                                        if r.id in s.requirements))
                 for r in requirements or [])
    unknown = tuple(UnknownReference(section=s.id, requirement=rid, line=s.line)
                    for s in sections for rid in s.requirements
                    if requirements is not None and rid not in known)
    return Matrix(rows=rows, unknown=unknown, has_requirements_file=requirements is not None)


def statuses_of(states: list[SectionState] | tuple[SectionState, ...]) -> dict[str, Status]:
    return {s.section.id: s.status for s in states}


# --- `proposal check` ------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One line of the check report: where, what, and whether it fails the check."""

    kind: str  # unanswered-mandatory, over-limit, manifest, requirements, unknown-requirement,
    #            section-file, not-started-only, no-requirements, status-trailer, pages,
    #            reused-name (warning)
    message: str
    path: str | None = None
    line: int | None = None
    fatal: bool = True

    def __str__(self) -> str:
        where = self.path or ""
        if where and self.line:
            where += f":{self.line}"
        return f"{where}: {self.message}" if where else self.message


@dataclass
class CheckReport:
    findings: list[Finding] = field(default_factory=list)
    sections: int = 0
    requirements: int = 0

    @property
    def failures(self) -> list[Finding]:
        return [f for f in self.findings if f.fatal]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if not f.fatal]

    @property
    def ok(self) -> bool:
        return not self.failures

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "sections": self.sections, "requirements": self.requirements,
                "failures": [_finding_json(f) for f in self.failures],
                "warnings": [_finding_json(f) for f in self.warnings]}


def _finding_json(f: Finding) -> dict[str, Any]:
    return {"kind": f.kind, "message": f.message, "path": f.path, "line": f.line}


def check_limits(manifest: Manifest, words: dict[str, int], manifest_path: str,
                 measured: dict[str, PageCount] | None = None) -> list[Finding]:
    """Over-limit sections, with the numbers a writer needs to fix them. A page limit is
    judged by the ``measured`` page count where there is one, else by the word estimate."""
    found = []
    wpp = manifest.proposal.words_per_page
    for s in manifest.ordered_sections:
        count = words.get(s.id)
        if count is None:
            continue
        if s.word_limit is not None and count > s.word_limit:
            found.append(Finding("over-limit", f"section '{s.id}' ({s.file}) has {count} words, "
                                 f"over its limit of {s.word_limit} by {count - s.word_limit}",
                                 manifest_path, s.line))
        typeset = (measured or {}).get(s.id)
        if s.page_limit is not None and typeset is not None:
            if over_limit(typeset, s.page_limit):
                how = "approximately, " if typeset.approximate else ""
                found.append(Finding(
                    "over-limit", f"section '{s.id}' ({s.file}) typesets to "
                    f"{typeset.measured:.1f} pages ({how}profile '{typeset.profile.name}'), "
                    f"over its limit of {s.page_limit:g}: "
                    f"{limit_point(typeset, s.page_limit).describe(s.page_limit)}",
                    manifest_path, s.line))
            continue
        pages = count / wpp
        if s.page_limit is not None and pages > s.page_limit:
            found.append(Finding("over-limit", f"section '{s.id}' ({s.file}) is about "
                                 f"{pages:.1f} pages ({count} words at {wpp}/page), over its "
                                 f"limit of {s.page_limit:g}", manifest_path, s.line))
    return found


def check_matrix(matrix: Matrix, manifest_path: str,
                 requirements_path: str = REQUIREMENTS_NAME) -> list[Finding]:
    if not matrix.has_requirements_file:
        return [Finding("no-requirements", f"no {requirements_path}: requirements not checked "
                        "(add one, or run 'proposal requirements import FILE.csv')",
                        fatal=False)]
    found = [Finding("unanswered-mandatory", f"mandatory requirement '{r.id}' is answered by "
                     f"no section{': ' + r.text if r.text else ''}", requirements_path, r.line)
             for r in matrix.unanswered_mandatory]
    found += [Finding("unknown-requirement", f"section '{u.section}' answers '{u.requirement}', "
                      f"which is not in {requirements_path}", manifest_path, u.line)
              for u in matrix.unknown]
    found += [Finding("not-started-only", f"mandatory requirement '{row.requirement.id}' is "
                      "answered only by sections not started yet: "
                      + ", ".join(a.section for a in row.answers), requirements_path,
                      row.requirement.line, fatal=False)
              for row in matrix.mandatory_not_started]
    found += [Finding("unanswered-optional", f"optional requirement '{r.id}' is answered by "
                      "no section", requirements_path, r.line, fatal=False)
              for r in matrix.unanswered if not r.mandatory]
    return found


def matrix_json(matrix: Matrix) -> dict[str, Any]:
    """The JSON of `proposal compliance --json` (a public contract: extend, never rename)."""
    return {
        "requirements_file": matrix.has_requirements_file,
        "requirements": [{
            "id": row.requirement.id, "text": row.requirement.text,
            "source": row.requirement.source, "mandatory": row.requirement.mandatory,
            "answered": row.answered, "only_not_started": row.only_not_started,
            "sections": [{"id": a.section, "title": a.title, "status": a.status.value,
                          "owner": a.owner} for a in row.answers],
        } for row in matrix.rows],
        "unanswered": [r.id for r in matrix.unanswered],
        "unanswered_mandatory": [r.id for r in matrix.unanswered_mandatory],
        "mandatory_not_started": [row.requirement.id for row in matrix.mandatory_not_started],
        "unknown_references": [{"section": u.section, "requirement": u.requirement}
                               for u in matrix.unknown],
    }
