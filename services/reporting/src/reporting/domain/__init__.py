"""Reporting domain: projections and reports for schools, units and the department; pure, no I/O."""
