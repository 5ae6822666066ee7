"""Settings of the Kafka bus, importable without importing aiokafka (the embedded mode never needs it)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, SecretStr


class KafkaSettings(BaseModel):
    """Where the brokers are and how topics are made; `None` in service settings means the embedded bus."""

    bootstrap_servers: str
    client_id: str = "edurecords"
    partitions: int = 6
    replication_factor: int = 1
    session_timeout_ms: int = 10000
    heartbeat_interval_ms: int = 3000
    request_timeout_ms: int = 30000
    max_poll_records: int = 500
    linger_ms: int = 5
    topic_prefix: str = ""
    # Topics are the log of record that projections are rebuilt from (a new service replays edu.identity from
    # the start), so by default they keep every event; -1 is Kafka's "never delete".
    retention_ms: int = -1
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
