"""Logging in and out, password changes."""
