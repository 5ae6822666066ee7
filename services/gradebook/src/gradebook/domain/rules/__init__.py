"""Versioned assessment rule sets (Thông tư 22/2021, …), selected by level, grade and school year."""
