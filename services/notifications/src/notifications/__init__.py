"""EduRecords notifications service."""
