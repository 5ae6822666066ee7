"""EduRecords identity service."""
