"""Clinic settings (WF-01): the administrator's page and ``clinic settings`` call the same operation."""
