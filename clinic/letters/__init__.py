"""Episodes of care and letters to the referring doctor (issue 13, OUT-07)."""
