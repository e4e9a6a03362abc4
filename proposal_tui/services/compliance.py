"""Compliance matrix, `proposal check` and the requirements import, for the CLI and the TUI.

The check reads one consistent view of the files (HEAD for CI, the work tree by default, the
index in a pre-commit hook) and costs a handful of git processes: the history index is cached,
comments are not read, nothing is written except the history cache.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from proposal_tui.domain.clock import Clock
from proposal_tui.domain.compliance import (
    REQUIREMENTS_NAME,
    CheckReport,
    Finding,
    Matrix,
    Requirement,
    build_matrix,
    check_limits,
    check_matrix,
    parse_requirements,
    parse_requirements_csv,
    statuses_of,
)
from proposal_tui.domain.errors import ProposalError
from proposal_tui.domain.library import foreign_names
from proposal_tui.domain.manifest import (
    MANIFEST_NAME,
    ManifestErrors,
    manifest_statuses,
    parse_manifest,
)
from proposal_tui.domain.model import Manifest, Person, Status
from proposal_tui.domain.pages import PageCount
from proposal_tui.domain.permissions import require
from proposal_tui.domain.status import UNCOMMITTED, bad_trailer_message, effective_status
from proposal_tui.domain.text import decode_text
from proposal_tui.domain.wordcount import count_words, format_for_path
from proposal_tui.services.identity import identity_of
from proposal_tui.services.pages import PageService
from proposal_tui.services.snapshot import ProposalService, Snapshot
from proposal_tui.store.repo import ProposalRepo
from proposal_tui.store.requirements import View, commit_requirements, render_requirements

if TYPE_CHECKING:
    from proposal_tui.services.library import LibraryService


def read_requirements(repo: ProposalRepo, view: str = "worktree") -> list[Requirement] | None:
    """The requirements as the view sees them; None when there is no requirements file."""
    data, problem = View(repo, view).read([REQUIREMENTS_NAME])[REQUIREMENTS_NAME]
    if problem:
        raise ProposalError(problem, REQUIREMENTS_NAME)
    if data is None:
        return None
    return parse_requirements(decode_text(data, REQUIREMENTS_NAME), REQUIREMENTS_NAME)


@dataclass
class ComplianceService:
    repo: ProposalRepo
    clock: Clock
    proposals: ProposalService
    pages: PageService | None = None  # page limits by measured pages (else the estimate)
    library: LibraryService | None = None  # names other proposals' clients (the check)

    def requirements(self, view: str = "worktree") -> list[Requirement] | None:
        return read_requirements(self.repo, view)

    # -- the matrix -----------------------------------------------------------------------
    def matrix(self, snapshot: Snapshot | None = None) -> tuple[Matrix, Snapshot]:
        """The matrix with each answering section's effective status, as the dashboard has it.

        Pass the TUI's current snapshot to avoid a second read of the repository.
        """
        snap = snapshot or self.proposals.snapshot()
        requirements = read_requirements(self.repo)
        return build_matrix(requirements, snap.manifest, statuses_of(snap.states)), snap

    # -- the check ------------------------------------------------------------------------
    def check(self, view: str = "worktree") -> CheckReport:
        """Every reason the proposal is not submittable now, each with file and line."""
        report = CheckReport()
        files = View(self.repo, view)
        raw, problem = files.read([MANIFEST_NAME])[MANIFEST_NAME]
        if problem or raw is None:
            report.findings.append(Finding("manifest", problem or f"no {MANIFEST_NAME} in the "
                                           f"{files.view}", MANIFEST_NAME))
            return report
        try:
            manifest = parse_manifest(decode_text(raw, MANIFEST_NAME), MANIFEST_NAME)
        except ManifestErrors as exc:
            report.findings += [Finding("manifest", p.message, p.path, p.line)
                                for p in exc.problems]
            return report
        except ProposalError as exc:
            report.findings.append(Finding("manifest", exc.message, exc.path, exc.line))
            return report
        report.sections = len(manifest.sections)
        paths = [s.file for s in manifest.sections] + [REQUIREMENTS_NAME]
        contents = files.read(paths)
        words: dict[str, int] = {}
        measured: dict[str, PageCount] = {}
        texts: dict[str, str] = {}
        for s in manifest.ordered_sections:
            data, why = contents[s.file]
            if why or data is None:
                report.findings.append(Finding(
                    "section-file", f"section '{s.id}': {s.file} "
                    f"{why or 'is missing from the ' + files.view}", MANIFEST_NAME, s.line))
                continue
            try:
                texts[s.id] = decode_text(data, s.file)
                words[s.id] = count_words(texts[s.id], format_for_path(s.file))
            except ProposalError as exc:
                report.findings.append(Finding("section-file", f"section '{s.id}': "
                                               f"{exc.message}", s.file, exc.line))
                continue
            if self.pages is not None and s.page_limit is not None:
                try:
                    measured[s.id] = self.pages.count(manifest, s, data)
                except ProposalError as exc:
                    report.findings.append(Finding(
                        "pages", f"section '{s.id}': pages not measured ({exc.message}); "
                        "its page limit is checked by the word estimate", s.file, fatal=False))
        if self.pages is not None:
            self.pages.cache.save()
        report.findings += check_limits(manifest, words, MANIFEST_NAME, measured)
        report.findings += self.reused_names(manifest, texts)
        requirements: list[Requirement] | None = None
        data, why = contents[REQUIREMENTS_NAME]
        try:
            if why:
                raise ProposalError(why, REQUIREMENTS_NAME)
            if data is not None:
                requirements = parse_requirements(decode_text(data, REQUIREMENTS_NAME),
                                                  REQUIREMENTS_NAME)
        except ProposalError as exc:
            report.findings.append(Finding("requirements", exc.message, exc.path, exc.line))
            return report
        report.requirements = len(requirements or [])
        matrix = build_matrix(requirements, manifest, self.statuses(manifest))
        report.findings += check_matrix(matrix, MANIFEST_NAME)
        report.findings += self._trailer_findings(manifest)
        return report

    def _trailer_findings(self, manifest: Manifest) -> list[Finding]:
        """A warning for each section whose newest Proposal-Status trailer is no status."""
        index = self.proposals.history_index(self.repo.head())
        return [Finding("status-trailer", f"section '{s.id}': {bad_trailer_message(bad)}",
                        s.file, fatal=False) for s in manifest.ordered_sections
                if (bad := index.section_history(s.file).bad_trailer) is not None]

    def reused_names(self, manifest: Manifest, texts: dict[str, str]) -> list[Finding]:
        """Text naming another proposal's client or solicitation from the library: reused
        boilerplate with the last client's name still in it (a warning, with its source)."""
        names = self.library.foreign_names(manifest.proposal) if self.library else []
        found = []
        for s in manifest.ordered_sections:
            for line, name, source in foreign_names(texts.get(s.id, ""), names):
                found.append(Finding("reused-name", f"section '{s.id}' names {name!r}, from "
                                     f"another proposal: {source}", s.file, line, fatal=False))
        return found

    def statuses(self, manifest: Manifest) -> dict[str, Status]:
        """Effective statuses from the cached history index (no comments, no file reads)."""
        index = self.proposals.history_index(self.repo.head())
        committed = self.repo.read_files([MANIFEST_NAME])[MANIFEST_NAME].committed
        # A declaration holds since the commit that made it, unless it differs from HEAD's
        # (an uncommitted edit): then it is the newest signal of all (see docs/format.md).
        at_head = manifest_statuses(committed.decode("utf-8", "replace")) if committed else {}
        declared = {s.id: index.status_since.get(s.id, UNCOMMITTED) for s in manifest.sections
                    if at_head.get(s.id) == s.status.value}
        return {s.id: effective_status(s.status, declared.get(s.id, UNCOMMITTED),
                                       index.section_history(s.file))[0]
                for s in manifest.sections}

    # -- import ---------------------------------------------------------------------------
    def import_csv(self, manifest: Manifest, actor: Person, csv_path: Path,
                   replace: bool = False) -> tuple[str, list[Requirement]]:
        """Turn a CSV export of the solicitation into ``requirements.toml`` and commit it."""
        require(actor, "edit-plan")
        try:
            raw = csv_path.read_bytes()
        except OSError as exc:
            raise ProposalError(f"cannot read: {exc.strerror}", str(csv_path)) from None
        requirements = parse_requirements_csv(decode_text(raw, str(csv_path)), str(csv_path))
        if not requirements:
            raise ProposalError("no requirements in the file (only a header?)", str(csv_path))
        if not replace and read_requirements(self.repo, "head") is not None:
            raise ProposalError(f"{REQUIREMENTS_NAME} already exists; edit it by hand, or pass "
                                "--replace to overwrite it with this import")
        text = render_requirements(requirements, csv_path.name)
        parse_requirements(text)  # never commit a file we would refuse to read
        stamp = self.clock.now().astimezone(dt.UTC).date().isoformat()
        sha = commit_requirements(self.repo, text.encode("utf-8"),
                                  f"Import {len(requirements)} requirements from "
                                  f"{csv_path.name} ({stamp})", identity_of(actor))
        return sha, requirements
