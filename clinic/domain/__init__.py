"""Pure domain logic: protocols, screening, planning, outcomes.

Nothing in this package imports Flask or SQLAlchemy, reads the clock or does I/O beyond
reading the data files it is handed. Dataclasses in, dataclasses out.
"""
