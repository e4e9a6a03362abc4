"""Synthetic proposal repositories for benchmarks: N sections, M commits, K authors and C
comment events, deterministic from a seed, written with one `git fast-import` stream.

Usage: python benchmarks/synth.py DEST --sections 300 --commits 20000 [--authors 12]
       [--comments 0] [--seed 1]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import subprocess
import sys
import time
from pathlib import Path

WORDS = ("fare transit rider system tap validator latency gateway account-based audit "
         "reconciliation capping equity accessible operator deploy contract staffing risk "
         "quality transition schedule pilot vendor data privacy security uptime").split()
STATUSES = ("drafting", "ready-for-review", "in-review", "revising", "approved")
START = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)


def _paragraph(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words))


def manifest(sections: int, authors: int, due: dt.date) -> str:
    lines = ['[proposal]', 'title = "Synthetic Bid"', 'client = "Benchmark City"',
             f'due = {due.isoformat()}T17:00:00-05:00', 'timezone = "America/New_York"',
             'words_per_page = 500', '']
    for a in range(authors):
        role = "manager" if a == 0 else "reviewer" if a % 5 == 4 else "writer"
        lines += ['[[people]]', f'handle = "p{a}"', f'name = "Person {a}"',
                  f'email = "p{a}@example.com"', f'role = "{role}"', '']
    lines += ['[[milestones]]', 'name = "Pink Team"', f'date = {due - dt.timedelta(days=14)}',
              'kind = "review"', '']
    for s in range(sections):
        lines += ['[[sections]]', f'id = "s{s:05d}"', f'title = "Section {s}"',
                  f'file = "sections/s{s:05d}.md"', f'owner = "p{1 + s % max(1, authors - 1)}"',
                  f'due = {due - dt.timedelta(days=s % 20)}', 'word_limit = 1500',
                  f'requirements = ["L.{s % 40}"]', 'status = "not-started"',
                  f'order = {s * 10}', '']
    return "\n".join(lines)


def _blob(data: bytes) -> bytes:
    return b"data %d\n" % len(data) + data + b"\n"


def generate(dest: Path, sections: int, commits: int, authors: int = 12, comments: int = 0,
             seed: int = 1) -> Path:
    """Create the repository at dest (must not exist) and return it."""
    rng = random.Random(seed)
    subprocess.run(["git", "init", "-q", "-b", "main", str(dest)], check=True)
    due = (START + dt.timedelta(minutes=commits * 7 + 60 * 24 * 30)).date()
    stream: list[bytes] = []
    texts = [f"# Section {s}\n\n" for s in range(sections)]
    when = START

    def commit(ref: str, who: int, message: str, files: dict[str, bytes], mark: int,
               parent: int | None) -> None:
        stamp = f"{int(when.timestamp())} +0000"
        ident = f"Person {who} <p{who}@example.com> {stamp}"
        msg = message.encode()
        stream.append(f"commit {ref}\nmark :{mark}\nauthor {ident}\ncommitter {ident}\n"
                      .encode() + _blob(msg))
        if parent is not None:
            stream.append(f"from :{parent}\n".encode())
        for path, data in files.items():
            stream.append(f"M 100644 inline {path}\n".encode() + _blob(data))
        stream.append(b"\n")

    files = {"proposal.toml": manifest(sections, authors, due).encode()}
    files.update({f"sections/s{s:05d}.md": texts[s].encode() for s in range(sections)})
    commit("refs/heads/main", 0, "Scaffold the proposal", files, 1, None)
    for n in range(2, commits + 1):
        when += dt.timedelta(minutes=rng.randint(1, 12))
        s = rng.randrange(sections)
        texts[s] += _paragraph(rng, rng.randint(10, 60)) + "\n\n"
        if len(texts[s]) > 6000:  # realistic section sizes, and a fast fast-import
            texts[s] = f"# Section {s}\n\n" + _paragraph(rng, 200) + "\n"
        message = f"Edit section {s}: {rng.choice(WORDS)} {rng.choice(WORDS)}"
        if rng.random() < 0.05:
            message += f"\n\nProposal-Status: {rng.choice(STATUSES)}"
        commit("refs/heads/main", 1 + rng.randrange(max(1, authors - 1)), message,
               {f"sections/s{s:05d}.md": texts[s].encode()}, n, n - 1)
    last_root = ("", "")  # (thread, section) of the newest root; the first three are roots
    for c in range(comments):
        when += dt.timedelta(seconds=rng.randint(1, 90))
        s = rng.randrange(sections)
        event_id = f"{when:%Y%m%dT%H%M%S}{c:06d}-{rng.getrandbits(32):08x}"
        root = c < 3 or rng.random() < 0.6
        event = {"v": 1, "id": event_id, "action": "comment" if root else "reply",
                 "section": f"s{s:05d}", "thread": event_id if root else "unknown",
                 "author": f"p{rng.randrange(authors)}", "created": when.isoformat(),
                 "body": _paragraph(rng, rng.randint(5, 40)),
                 "kind": "comment" if root else None, "round": None, "anchor": None}
        if not root:
            event["section"] = last_root[1]
            event["thread"] = last_root[0]
        else:
            last_root = (event_id, event["section"])
        data = json.dumps(event, sort_keys=True).encode()
        mark = commits + 1 + c
        commit("refs/heads/proposal-comments", rng.randrange(authors),
               f"comment: {event['section']} {event['action']} {event_id}",
               {f"comments/{event['section']}/{event_id}.json": data}, mark,
               mark - 1 if c else None)
    proc = subprocess.run(["git", "fast-import", "--quiet"], cwd=dest, input=b"".join(stream),
                          capture_output=True)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.decode())
    subprocess.run(["git", "reset", "-q", "--hard", "main"], cwd=dest, check=True)
    return dest


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dest", type=Path)
    parser.add_argument("--sections", type=int, default=300)
    parser.add_argument("--commits", type=int, default=20000)
    parser.add_argument("--authors", type=int, default=12)
    parser.add_argument("--comments", type=int, default=0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    start = time.perf_counter()
    generate(args.dest, args.sections, args.commits, args.authors, args.comments, args.seed)
    print(f"generated {args.dest}: {args.sections} sections, {args.commits} commits, "
          f"{args.comments} comment events in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
