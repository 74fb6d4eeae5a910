"""Therapist-facing pages that show the protocol library."""
