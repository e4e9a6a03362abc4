"""Screens: the dashboard, a section full screen, help, and the small edit dialogs."""
