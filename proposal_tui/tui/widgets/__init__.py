"""Dashboard widgets: each shows one slice of a :class:`~proposal_tui.tui.data.DashboardData`."""
