"""Reporting domain: projections and reports for schools, units and the department (pure functions and dataclasses, no I/O)."""
