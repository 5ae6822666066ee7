"""EduRecords transcript service."""
