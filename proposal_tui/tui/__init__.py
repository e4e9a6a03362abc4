"""The Textual dashboard. Everything here sits on top of the services; nothing below imports it.

Entry point: :func:`proposal_tui.tui.app.run` (the CLI imports it lazily so that
``proposal status`` never pays for loading Textual).

Textual draws a screen at most ``TEXTUAL_FPS`` times a second (60 unless set), on a fixed
grid of ticks: a key waited up to a tick for its frame, and the panes that follow the
cursor (drawn in the frame after the cursor's) a whole tick more. At 240 a tick is about
4 ms; the timer only ticks while something waits to be drawn.
"""

import os

os.environ.setdefault("TEXTUAL_FPS", "240")  # read once, when Textual is first imported
