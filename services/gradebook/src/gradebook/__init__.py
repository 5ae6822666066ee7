"""EduRecords gradebook service."""
