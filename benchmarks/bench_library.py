"""The library of past proposals (issue 19): index, re-index, search, experts, retrieval.

Generates P synthetic past proposals (S sections of about W words each, written by several
people over several commits, with a .mailmap and round/pink and round/red tags), then prints:
the full index build (target <= 60 s for 50 x 40 x 2,000), a re-index with nothing moved, a
re-index after one commit in one repository (target <= 2 s; it must read exactly one text),
the database size, search p95 (target <= 50 ms) and experts p95 (target <= 200 ms).
Retrieval quality: a library of the two shipped samples; each requirement's text is the query
and the section answering it must rank first or second (mean reciprocal rank printed).

Usage: python benchmarks/bench_library.py [--small] [--proposals P] [--sections S] [--words W]
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

from common import CACHE, git, percentile, row

from proposal_tui.domain.clock import SystemClock
from proposal_tui.services.library import LibraryService, open_library
from proposal_tui.store.demo import samples_dir

TOPICS = {
    "technical approach": "architecture sensors platform integration pipeline model latency",
    "staffing plan": "personnel manager engineer experience certification hours roles",
    "quality assurance": "testing defects inspection metrics acceptance audit review",
    "risk management": "mitigation likelihood impact contingency register owner escalation",
    "data management": "metadata repository archive sharing privacy retention formats",
    "past performance": "contract reference delivered budget schedule customer outcome",
    "training": "curriculum workshops operators manuals sessions competency onboarding",
    "security": "encryption access authentication vulnerability incident compliance logging",
    "transition": "cutover migration legacy parallel rollout handover decommission",
    "accessibility": "disability screen reader contrast equitable language inclusive",
}
COMMON = ("the project team will deliver provide ensure support each phase with clear "
          "measurable results for all stakeholders during every stage of work").split()
_SYLLABLES = "ba co di fe gu ha ji ko lu ma ne pi qua ro su ti vo wa xe zu".split()
# A long tail of rarer words, as real prose has: pseudo-words drawn with Zipf weights.
FILLER = COMMON + [a + b + c for a in _SYLLABLES[:12] for b in _SYLLABLES[6:18]
                   for c in ("n", "l", "r")]
_FILLER_WEIGHTS = list(itertools.accumulate(1 / (rank + 1) for rank in
                                                           range(len(FILLER))))
CLIENTS = ["City of Springfield", "Shelbyville Transit", "Ogdenville Water", "Capital County",
           "North Haverbrook Schools", "State Department of Roads", "Lakeview University"]


def _text(rng: random.Random, topic: str, words: int) -> list[str]:
    """Paragraphs (each a list of wrapped lines) about ``topic``."""
    vocab = TOPICS[topic].split()
    paragraphs = []
    left = words
    while left > 0:
        n = min(left, rng.randint(60, 140))
        filler = rng.choices(FILLER, cum_weights=_FILLER_WEIGHTS, k=n)
        chosen = [rng.choice(vocab) if rng.random() < 0.15 else filler[k] for k in range(n)]
        lines, line = [], ""
        for word in chosen:
            if len(line) + len(word) > 78:
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}".strip()
        lines.append(line)
        paragraphs.append("\n".join(lines))
        left -= n
    return paragraphs


def _blob(data: bytes) -> bytes:
    return b"data %d\n" % len(data) + data + b"\n"


def make_proposal(dest: Path, index: int, sections: int, words: int) -> None:
    """One past proposal with a realistic history, by one `git fast-import` stream."""
    rng = random.Random(index)
    subprocess.run(["git", "init", "-q", "-b", "main", str(dest)], check=True)
    topics = list(TOPICS)
    people = [(f"Writer {index % 7}-{k}", f"w{(index + k) % 12}@example.com") for k in range(5)]
    client = CLIENTS[index % len(CLIENTS)]
    outcome = ("won", "lost", "")[index % 3]
    manifest = ['[proposal]', f'title = "Past bid {index}"', f'client = "{client} {index}"',
                f'solicitation = "RFP {2020 + index % 6}-{index:03d}"',
                'due = 2025-06-01T17:00:00-05:00'] + ([f'outcome = "{outcome}"'] if outcome
                                                        else []) + ['']
    for s in range(sections):
        manifest += ['[[sections]]', f'id = "s{s}"',
                     f'title = "{topics[s % len(topics)].title()} {s}"',
                     f'file = "sections/s{s:03d}.md"', f'requirements = ["L.{s}"]', '']
    stream: list[bytes] = []
    when = dt.datetime(2025, 1, 6, 9, tzinfo=dt.UTC) - dt.timedelta(days=30 * (index % 24))
    mark = 0

    def commit(who: tuple[str, str], files: dict[str, str], message: str) -> None:
        nonlocal mark, when
        mark += 1
        when += dt.timedelta(minutes=rng.randint(5, 600))
        ident = f"{who[0]} <{who[1]}> {int(when.timestamp())} +0000"
        stream.append(f"commit refs/heads/main\nmark :{mark}\nauthor {ident}\n"
                      f"committer {ident}\n".encode() + _blob(message.encode()))
        if mark > 1:
            stream.append(f"from :{mark - 1}\n".encode())
        for path, text in files.items():
            stream.append(f"M 100644 inline {path}\n".encode() + _blob(text.encode()))
        stream.append(b"\n")

    mailmap = f"{people[0][0]} <{people[0][1]}> <old-{people[0][1]}>\n"
    commit(people[0], {"proposal.toml": "\n".join(manifest), ".mailmap": mailmap}, "Scaffold")
    drafts: dict[int, list[str]] = {}
    for s in range(sections):  # first drafts: half the text, by the owner
        topic = topics[s % len(topics)]
        drafts[s] = _text(rng, topic, words)
        owner = people[s % len(people)] if s % 9 else ("Old Name", f"old-{people[0][1]}")
        half = drafts[s][:len(drafts[s]) // 2]
        commit(owner, {f"sections/s{s:03d}.md": _render(topic, s, half)}, f"Draft s{s}")
    pink = mark
    for s in range(sections):  # the rest, then a reviewer's revision of two paragraphs
        topic = topics[s % len(topics)]
        commit(people[(s + 1) % len(people)], {f"sections/s{s:03d}.md":
                                               _render(topic, s, drafts[s])}, f"Finish s{s}")
        if s % 2 == 0:
            for k in rng.sample(range(len(drafts[s])), min(2, len(drafts[s]))):
                drafts[s][k] = "\n".join(_text(rng, topic, 80))
            commit(people[(s + 2) % len(people)], {f"sections/s{s:03d}.md":
                                                   _render(topic, s, drafts[s])}, f"Revise s{s}")
    stream.append(f"reset refs/tags/round/pink\nfrom :{pink}\n\n".encode())
    stream.append(f"reset refs/tags/round/red\nfrom :{mark}\n\n".encode())
    subprocess.run(["git", "fast-import", "--quiet"], cwd=dest, input=b"".join(stream),
                   check=True, capture_output=True)
    subprocess.run(["git", "reset", "-q", "--hard", "main"], cwd=dest, check=True)


def _render(topic: str, s: int, paragraphs: list[str]) -> str:
    out = [f"# {topic.title()} {s}", ""]
    for n, paragraph in enumerate(paragraphs):
        if n and n % 4 == 0:
            out += [f"## {topic.title()}: part {n // 4}", ""]
        out += [paragraph, ""]
    return "\n".join(out)


def library_of(folder: Path, repos: list[Path]) -> LibraryService:
    env = {"HOME": str(folder), "XDG_CACHE_HOME": str(folder / "cache"),
           "XDG_CONFIG_HOME": str(folder / "config"), "XDG_DATA_HOME": str(folder / "data")}
    library = open_library(str(folder / "library.toml"), env, SystemClock())
    for repo in repos:
        library.add(str(repo), repo.name)
    return library


def timed(fn):  # noqa: ANN001, ANN201 - a tiny helper
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def cpu_seconds() -> float:
    """CPU used by this process and the git processes it waited for: what the build costs
    whatever else the machine runs (wall time on a shared machine is not)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), \
        resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def bench_scale(args: argparse.Namespace, work: Path) -> None:
    base = CACHE / f"library-v2-p{args.proposals}-s{args.sections}-w{args.words}"
    repos = [base / f"past-{i:03d}" for i in range(args.proposals)]
    if not all((r / ".git" / "HEAD").exists() for r in repos):
        shutil.rmtree(base, ignore_errors=True)
        base.mkdir(parents=True)
        seconds, _ = timed(lambda: [make_proposal(r, i, args.sections, args.words)
                                    for i, r in enumerate(repos)])
        row("generated (not part of any figure)", f"{seconds:.1f} s")
    library = library_of(work / "scale", repos)
    print(f"library: {args.proposals} proposals x {args.sections} sections x ~{args.words} "
          "words, tip + round/pink + round/red")
    cpu = cpu_seconds()
    seconds, stats = timed(library.index)
    cpu = cpu_seconds() - cpu
    row("full build", f"{seconds:.2f} s ({stats.texts_read} texts, {stats.passages} passages)")
    row("full build, CPU time (ours and git's)", f"{cpu:.1f} s; load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    size = sum(p.stat().st_size for p in library.index_path.parent.glob("library-*"))
    row("database size", f"{size / 1e6:.1f} MB")
    seconds, stats = timed(library.index)
    row("re-index, nothing moved", f"{seconds * 1000:.0f} ms ({stats.texts_read} texts read)")
    target = repos[0]
    section = target / "sections" / "s000.md"
    section.write_text(section.read_text() + "\nOne more paragraph about escalation.\n")
    git(target, "commit", "-qam", "One more paragraph",
        env={"GIT_AUTHOR_NAME": "Late Writer", "GIT_AUTHOR_EMAIL": "late@example.com",
             "GIT_COMMITTER_NAME": "Late Writer", "GIT_COMMITTER_EMAIL": "late@example.com"})
    try:
        seconds, stats = timed(library.index)
    finally:
        git(target, "reset", "-q", "--hard", "HEAD~1")
    row("re-index after one commit in one repository",
        f"{seconds * 1000:.0f} ms ({stats.texts_read} text read, {stats.texts_reused} reused)")
    if stats.texts_read != 1:
        raise SystemExit(f"one commit should re-read one text, not {stats.texts_read}")
    rng = random.Random(7)
    vocab = sorted({w for words in TOPICS.values() for w in words.split()})
    queries = [rng.choice(vocab) for _ in range(40)] + \
        [f"{rng.choice(vocab)} {rng.choice(vocab)}" for _ in range(40)] + \
        [f'"{rng.choice(COMMON)} {rng.choice(FILLER)}"' for _ in range(20)] + \
        [rng.choice(vocab)[:4] + "*" for _ in range(20)]
    library.search(queries[0])  # warm the page cache once
    for label, run, asked in (("search (10 hits)", lambda q: library.search(q, 10), queries),
                              ("experts", library.experts, queries[:60])):
        wall, cpu = [], []
        for q in asked:
            start, started = time.perf_counter(), time.process_time()
            run(q)
            wall.append(time.perf_counter() - start)
            cpu.append(time.process_time() - started)
        row(f"{label} p50 / p95", f"{percentile(wall, 0.5) * 1000:.1f} / "
            f"{percentile(wall, 0.95) * 1000:.1f} ms over {len(wall)} queries (CPU "
            f"{percentile(cpu, 0.5) * 1000:.1f} / {percentile(cpu, 0.95) * 1000:.1f} ms)")
    library.index_store.close()


def bench_retrieval(work: Path) -> None:
    repos = []
    for sample in ("nsf-grant", "transit-rfp"):
        dest = work / "samples" / sample
        shutil.copytree(samples_dir() / sample, dest)
        git(dest, "init", "-q", "-b", "main")
        git(dest, "add", "-A")
        git(dest, "commit", "-qm", "The sample")
        repos.append(dest)
    library = library_of(work / "retrieval", repos)
    library.index()
    ranks: list[int | None] = []
    misses = []
    for repo in repos:
        plan = tomllib.loads((repo / "proposal.toml").read_text())
        answers: dict[str, set[str]] = {}
        for s in plan["sections"]:
            for r in s.get("requirements", []):
                answers.setdefault(r, set()).add(s["id"])
        requirements = tomllib.loads((repo / "requirements.toml").read_text())["requirements"]
        for req in requirements:
            if req["id"] not in answers:
                continue
            seen: list[tuple[str, str]] = []
            rank = None
            for hit in library.search(req["text"], 60):
                key = (hit.passage.proposal.name, hit.passage.placement.section)
                if key not in seen:
                    seen.append(key)
                if key[0] == repo.name and key[1] in answers[req["id"]]:
                    rank = len(seen)
                    break
            ranks.append(rank)
            if rank is None or rank > 2:
                misses.append(f"{repo.name} {req['id']} (rank {rank})")
    mrr = sum(1 / r for r in ranks if r) / len(ranks)
    top2 = sum(1 for r in ranks if r and r <= 2)
    print("retrieval on the two samples (requirement text as the query):")
    row("answering section 1st or 2nd", f"{top2} of {len(ranks)} requirements")
    row("mean reciprocal rank", f"{mrr:.3f}")
    if misses:
        row("ranked lower", ", ".join(misses))
    library.index_store.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="3 x 6 x 300, for the tests")
    parser.add_argument("--proposals", type=int)
    parser.add_argument("--sections", type=int)
    parser.add_argument("--words", type=int)
    args = parser.parse_args()
    small = (3, 6, 300) if args.small else (50, 40, 2000)
    args.proposals = args.proposals or small[0]
    args.sections = args.sections or small[1]
    args.words = args.words or small[2]
    with tempfile.TemporaryDirectory(prefix="bench-library-") as tmp:
        bench_scale(args, Path(tmp))
        bench_retrieval(Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
