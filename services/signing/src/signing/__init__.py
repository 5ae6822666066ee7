"""EduRecords signing service."""
