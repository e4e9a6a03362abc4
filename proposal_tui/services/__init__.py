"""Use cases shared by the front ends (CLI, TUI, SSH server), each reached through one
:class:`proposal_tui.services.workspace.Workspace` built per repository, clock and person."""
