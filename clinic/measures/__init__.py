"""Outcome measures: recording, correcting and withdrawing them (issue 13, WF-05)."""
