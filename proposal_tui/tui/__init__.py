"""The Textual dashboard. Everything here sits on top of the services; nothing below imports it.

Entry point: :func:`proposal_tui.tui.app.run` (the CLI imports it lazily so that
``proposal status`` never pays for loading Textual).
"""
