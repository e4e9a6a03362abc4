"""Regenerate docs/screenshot.svg: the dashboard on a fresh demo, 120x40, at a pinned time.

    python -m proposal_tui.tui.screenshot [docs/screenshot.svg] [--light]

Same date, clock and size as the snapshot tests, so the picture is reproducible.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

from proposal_tui.domain.clock import FixedClock
from proposal_tui.services.setup import build_demo
from proposal_tui.services.workspace import Workspace
from proposal_tui.tui.app import ProposalApp
from proposal_tui.tui.themes import LIGHT

DEMO_DATE = dt.date(2026, 11, 27)
NOW = dt.datetime(2026, 11, 27, 10, 0, tzinfo=ZoneInfo("America/New_York"))
SIZE = (120, 40)


async def _capture(repo: Path, light: bool) -> str:
    app = ProposalApp(Workspace(repo, FixedClock(NOW), acting="ana", env={}),
                      refresh_every=None, measure_pages=False)  # the same picture each run
    app.animation_level = "none"
    async with app.run_test(size=SIZE) as pilot:
        while True:
            await app.workers.wait_for_complete()
            await pilot.pause()
            if app.data.snapshot is not None and not app.busy:
                break
        if light:
            app.theme = LIGHT.name
        await pilot.pause()
        await pilot.pause()
        return app.export_screenshot(title="proposal")


def main(argv: list[str]) -> int:
    target = Path(next((a for a in argv if not a.startswith("-")), "docs/screenshot.svg"))
    with tempfile.TemporaryDirectory() as tmp:
        repo = build_demo(Path(tmp) / "proposal", "transit-rfp", today=DEMO_DATE, now=NOW)
        svg = asyncio.run(_capture(repo, "--light" in argv))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(svg, encoding="utf-8", newline="\n")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
