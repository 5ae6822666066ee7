"""Printing of official school documents (PDF) with full Vietnamese text, shared by the gradebook and transcripts."""

from edu_shared.pdf.document import (
    MOTTO,
    NATION,
    Column,
    SchoolDocument,
    Signatory,
    dated_line,
    print_date_label,
    vietnam_zone,
)

__all__ = [
    "MOTTO",
    "NATION",
    "Column",
    "SchoolDocument",
    "Signatory",
    "dated_line",
    "print_date_label",
    "vietnam_zone",
]
