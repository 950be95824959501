"""Offline portals that behave like Chinese county government portals (for tests and `make demo`)."""
from .server import Portal, running_portals, write_portals_csv

__all__ = ["Portal", "running_portals", "write_portals_csv"]
