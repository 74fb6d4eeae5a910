"""Staged plans: generate from a protocol and a screening, edit, approve, print, record sessions and progress."""
