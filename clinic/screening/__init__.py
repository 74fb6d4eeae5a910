"""Intake screening pages: the generated form, the result, overrides and clearances."""
