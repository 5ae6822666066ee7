"""EduRecords common library."""
