"""Account administration for a clinic's administrators."""
