"""EduRecords reporting service."""
