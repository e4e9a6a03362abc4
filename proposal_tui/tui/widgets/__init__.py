"""Dashboard widgets: each shows one slice of a
:class:`~proposal_tui.services.dashboard_data.DashboardData`."""
