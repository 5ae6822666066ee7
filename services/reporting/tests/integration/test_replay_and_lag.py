"""Rebuilding the projections from the retained event log (embedded log and real Kafka), and the lag metric."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from edu_shared.bus.kafka import KafkaBus
from edu_shared.bus.kafka_settings import KafkaSettings
from edu_shared.testing.processes import eventually
from edu_shared.testing.province import ProvinceSpec, Truth, histogram, province_events, recount
from edu_shared.testing.servers import RealServers
from reporting.adapters import orm
from reporting.testing import Reporting, envelopes, publish_to_bus, reporting_on, running_reporting

SPEC = ProvinceSpec(schools=3, students=150, seed=11)
YEAR = SPEC.school_year


async def _enrolment_by_grade(rp: Reporting) -> dict[str, int]:
    r = await rp.report("enrolment", school_year=YEAR)
    assert r.status_code == 200, r.text
    return {row["grade"]: row["students"] for row in r.json()["rows"]}


def _truth_by_grade(truth: Truth) -> dict[str, int]:
    return {f"Khối {g}": n for g, n in Counter(truth.classes[truth.placed[s]].grade for s in truth.enrolled()).items()}


async def _lag(rp: Reporting) -> dict[str, Any]:
    r = await rp.client.get("/projections")
    assert r.status_code == 200, r.text
    return {t["topic"]: t for t in r.json()["topics"]}


async def test_replay_rebuilds_from_the_embedded_log_and_live_consumers_skip_what_it_applied(
    backend: str, tmp_path: Path, real_servers: RealServers
) -> None:
    generated = list(province_events(SPEC))
    truth = recount(generated)
    async with reporting_on(backend, tmp_path, real_servers.postgres_url) as rp:
        published = Counter(topic for topic, _ in envelopes(generated))
        await publish_to_bus(rp.service.runtime.bus, envelopes(generated))
        lag = await _lag(rp)
        assert lag["edu.identity"]["events_behind"] == published["edu.identity"]
        assert lag["edu.gradebook"]["events_in_log"] == published["edu.gradebook"]
        assert lag["edu.gradebook"]["events_applied"] == 0

        result = await rp.service.replay()
        assert (result.events, result.failed) == (sum(published.values()), 0)
        assert await _enrolment_by_grade(rp) == _truth_by_grade(truth)
        lag = await _lag(rp)
        assert lag["edu.identity"]["events_applied"] == published["edu.identity"]
        # Replaying again starts from nothing and lands on the same figures.
        await rp.service.replay()
        assert await _enrolment_by_grade(rp) == _truth_by_grade(truth)
        scores = await rp.report("scores", school_year=YEAR, subject_code="toan", semester=1)
        counted = {r["bucket"]: r["count"] for r in scores.json()["rows"] if r["count"]}
        assert sum(counted.values()) == sum(histogram(truth, subject="toan", semester=1).values())

        # The live consumers now read the whole log too; the shared inbox makes every event a no-op.
        await rp.service.runtime.start()

        async def caught_up() -> bool | None:
            lag = await _lag(rp)
            return True if all(t["events_behind"] == 0 for t in lag.values()) else None

        await eventually(caught_up, timeout_s=120, what="the live consumer group caught up")
        assert await _enrolment_by_grade(rp) == _truth_by_grade(truth)
        lag = await _lag(rp)
        assert lag["edu.identity"]["seconds_behind"] == 0


@pytest.mark.kafka
async def test_replay_reads_the_whole_kafka_topic(tmp_path: Path, kafka_bootstrap: str, unique_name: str) -> None:
    generated = list(province_events(SPEC))
    truth = recount(generated)
    bus = KafkaBus(KafkaSettings(bootstrap_servers=kafka_bootstrap, partitions=3, topic_prefix=f"t{unique_name}."))
    async with running_reporting(tmp_path, bus=bus) as rp:
        count = await publish_to_bus(bus, envelopes(generated))
        lag = await _lag(rp)
        assert lag["edu.identity"]["events_in_log"] + lag["edu.gradebook"]["events_in_log"] == count
        assert lag["edu.gradebook"]["events_behind"] == lag["edu.gradebook"]["events_in_log"]
        result = await rp.service.replay()
        assert (result.events, result.failed) == (count, 0)
        assert await _enrolment_by_grade(rp) == _truth_by_grade(truth)
        r = await rp.report("dropouts", school_year=YEAR)
        assert sum(row["total"] for row in r.json()["rows"]) == len(truth.dropped)


async def test_gradebook_events_read_before_identity_wait_for_their_class(reporting: Reporting) -> None:
    generated = list(province_events(SPEC))
    truth = recount(generated)
    await reporting.feed(envelopes(generated), identity_first=False)
    scores = await reporting.report("scores", school_year=YEAR, subject_code="toan", semester=2)
    counted = {r["bucket"]: r["count"] for r in scores.json()["rows"] if r["count"]}
    assert sum(counted.values()) == sum(histogram(truth, subject="toan", semester=2).values())
    quality = await reporting.report("quality", school_year=YEAR, level="thcs")
    thcs = [s for c, s in truth.results if truth.classes[c].level == "thcs"]
    assert sum(r["students"] for r in quality.json()["rows"]) == len(thcs)
    async with reporting.service.runtime.engine.connect() as conn:
        assert await conn.scalar(sa.select(sa.func.count()).select_from(orm.parked)) == 0
