"""EduRecords runner: the `edu` CLI, the one-port gateway and demo data."""
