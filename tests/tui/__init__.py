"""The Textual app: App.run_test() with a Pilot, snapshot SVGs (__snapshots__/), live
updates, costs of a move or a load. Fixtures in conftest.py, helpers in support.py and
live_support.py."""
