"""The Helm chart renders, its manifests match the Kubernetes and operator schemas, and they wire the platform up."""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]

from edu_shared.db.migrations import upgrade_to_head
from edu_shared.testing.processes import free_port
from edu_shared.testing.servers import RealServers, fresh_postgres_database

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "k8s-check.sh"
GATEWAY_CONF = REPO / "deploy" / "helm" / "tools" / "gateway_conf.py"
WAIT_FOR_SCHEMA = REPO / "deploy" / "helm" / "edurecords" / "files" / "wait_for_schema.py"
RENDERED = REPO / "var" / "k8s-check"
SERVICES = ("identity", "gradebook", "transcript", "signing", "reporting", "notifications")
TOPICS = ("edu.identity", "edu.gradebook", "edu.transcript", "edu.signing", "edu.notifications")

# The first run on a machine builds helm from source and fetches the schemas' sources (minutes on 2 cores);
# later runs take seconds.
pytestmark = pytest.mark.timeout(1800)


def _run(*files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SCRIPT), *map(str, files)], capture_output=True, text=True, timeout=1800, cwd=REPO
    )


@pytest.fixture(scope="module")
def checked() -> str:
    """Run the whole check once for the module: render every ci/ values file and validate it."""
    result = _run()
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stderr


@functools.cache
def _docs(name: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all((RENDERED / f"{name}.yaml").read_text()) if d]


def _by_kind(docs: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def _env(container: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for item in container.get("env", []):
        yield item["name"], item


def test_every_rendered_manifest_is_valid_against_the_schemas(checked: str) -> None:
    ok_line = next(line for line in checked.splitlines() if "OK:" in line)
    assert "2 file(s) valid" in ok_line
    assert "Invalid: 0, Errors: 0, Skipped: 0" in checked


def test_a_manifest_with_a_wrong_field_or_an_unknown_kind_fails_the_check(checked: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n"
        "spec:\n  replicas: two\n  selector: {matchLabels: {a: b}}\n"
        "  template:\n    metadata: {labels: {a: b}}\n"
        "    spec: {containers: [{name: c, image: i, readinessProbe: {periodSecond: 5}}]}\n"
        "---\napiVersion: kafka.strimzi.io/v1\nkind: KafkaTopic\nmetadata: {name: t}\nspec: {partitions: many}\n"
        "---\napiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata: {name: c}\n"
        "spec: {instances: 3, storge: {size: 1Gi}}\n"
        "---\napiVersion: example.com/v1\nkind: Unknown\nmetadata: {name: u}\n"
    )
    result = _run(bad)
    assert result.returncode != 0
    for complaint in ("'periodSecond' not allowed", "/spec/replicas", "/spec/partitions", "'storge' not allowed"):
        assert complaint in result.stderr
    assert "could not find schema for Unknown" in result.stderr


def test_each_service_runs_with_probes_limits_autoscaling_disruption_budget_and_a_migration_job(checked: str) -> None:
    docs = _docs("operators")
    deployments, hpas = _by_kind(docs, "Deployment"), _by_kind(docs, "HorizontalPodAutoscaler")
    pdbs, jobs, services = _by_kind(docs, "PodDisruptionBudget"), _by_kind(docs, "Job"), _by_kind(docs, "Service")
    for name in SERVICES:
        full = f"edu-edurecords-{name}"
        pod = deployments[full]["spec"]["template"]
        container = pod["spec"]["containers"][0]
        assert container["args"] == [
            "serve",
            name,
            "--host",
            "0.0.0.0",
            "--port",
            "8000",
            "--root-path",
            f"/api/{name}",
        ]
        for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
            assert container[probe]["httpGet"]["path"] == "/healthz"
        assert {"cpu", "memory"} <= container["resources"]["requests"].keys()
        assert {"cpu", "memory"} <= container["resources"]["limits"].keys()
        assert pod["spec"]["securityContext"]["runAsNonRoot"] is True
        assert pod["spec"]["initContainers"][0]["name"] == "wait-for-schema"
        labels = pod["metadata"]["labels"]
        assert pdbs[full]["spec"]["selector"]["matchLabels"] == labels
        assert services[full]["spec"]["selector"] == labels
        assert hpas[full]["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": full}
        job = jobs[f"edu-edurecords-migrate-{name}"]
        assert job["metadata"]["annotations"]["helm.sh/hook"] == "post-install,pre-upgrade"
        assert job["spec"]["template"]["spec"]["containers"][0]["args"] == ["migrate", name]
        # Secrets only by reference; the database URL is assembled from CloudNativePG's secret.
        env = dict(_env(container))
        assert env[f"{name.upper()}_OBJECT_STORE__SECRET_KEY"]["valueFrom"]["secretKeyRef"]["key"] == "secret-key"
        assert env["EDU_DB_PASSWORD"]["valueFrom"]["secretKeyRef"]["name"] == f"edu-edurecords-pg-{name}-app"
        url = env[f"{name.upper()}_DATABASE_URL"]["value"]
        assert (
            url == f"postgresql+asyncpg://$(EDU_DB_USER):$(EDU_DB_PASSWORD)@edu-edurecords-pg-{name}-rw:5432/edu_{name}"
        )


def test_kafka_is_a_kraft_strimzi_cluster_with_every_topic_and_its_dead_letter_topic(checked: str) -> None:
    docs = _docs("operators")
    pool = next(iter(_by_kind(docs, "KafkaNodePool").values()))
    assert set(pool["spec"]["roles"]) == {"controller", "broker"} and pool["spec"]["replicas"] == 3
    topics = {t["spec"]["topicName"]: t for t in _by_kind(docs, "KafkaTopic").values()}
    expected = {f"prod.{t}{suffix}" for t in TOPICS for suffix in ("", ".dlq")}
    assert set(topics) == expected
    config = _by_kind(docs, "ConfigMap")["edu-edurecords-gradebook"]["data"]
    for topic in topics.values():
        assert topic["metadata"]["labels"]["strimzi.io/cluster"] == "edu-edurecords-kafka"
        assert topic["spec"]["config"]["retention.ms"] == -1
        # The services create topics with the same partition count as the operator, so neither is refused.
        assert str(topic["spec"]["partitions"]) == config["GRADEBOOK_KAFKA__PARTITIONS"]
    assert config["GRADEBOOK_KAFKA__BOOTSTRAP_SERVERS"] == "edu-edurecords-kafka-kafka-bootstrap:9092"
    assert config["GRADEBOOK_KAFKA__TOPIC_PREFIX"] == "prod."
    # Each service signs in with its own SCRAM user, allowed the edu topics and its own consumer groups.
    kafka = next(iter(_by_kind(docs, "Kafka").values()))["spec"]["kafka"]
    assert kafka["listeners"][0]["authentication"] == {"type": "scram-sha-512"}
    users = _by_kind(docs, "KafkaUser")
    assert set(users) == {f"edu-edurecords-{name}" for name in SERVICES}
    acls = users["edu-edurecords-gradebook"]["spec"]["authorization"]["acls"]
    assert {"type": "group", "name": "prod.gradebook.", "patternType": "prefix"} in [a["resource"] for a in acls]
    assert config["GRADEBOOK_KAFKA__SECURITY_PROTOCOL"] == "SASL_PLAINTEXT"
    assert config["GRADEBOOK_KAFKA__SASL_USERNAME"] == "edu-edurecords-gradebook"
    pod = _by_kind(docs, "Deployment")["edu-edurecords-gradebook"]["spec"]["template"]["spec"]
    password = dict(_env(pod["containers"][0]))["GRADEBOOK_KAFKA__SASL_PASSWORD"]["valueFrom"]["secretKeyRef"]
    assert password == {"name": "edu-edurecords-gradebook", "key": "password"}


def test_postgres_is_a_cloudnativepg_cluster_per_service_backed_up_to_s3(checked: str) -> None:
    docs = _docs("operators")
    clusters, scheduled = _by_kind(docs, "Cluster"), _by_kind(docs, "ScheduledBackup")
    assert set(clusters) == {f"edu-edurecords-pg-{name}" for name in SERVICES}
    for name, cluster in clusters.items():
        store = cluster["spec"]["backup"]["barmanObjectStore"]
        assert store["destinationPath"].startswith("s3://") and store["serverName"] == name
        assert cluster["spec"]["bootstrap"]["initdb"]["database"] == name.replace("edu-edurecords-pg-", "edu_")
        assert scheduled[f"{name}-nightly"]["spec"]["cluster"] == {"name": name}
    assert clusters["edu-edurecords-pg-gradebook"]["spec"]["storage"]["size"] == "100Gi"


def test_service_specific_secrets_settings_and_volumes_reach_their_pods(checked: str) -> None:
    docs = _docs("operators")
    deployments, configs = _by_kind(docs, "Deployment"), _by_kind(docs, "ConfigMap")
    identity = dict(_env(deployments["edu-edurecords-identity"]["spec"]["template"]["spec"]["containers"][0]))
    # Production identity refuses to start without its credentials key: it comes from a Secret.
    assert identity["IDENTITY_CREDENTIALS_KEY"]["valueFrom"]["secretKeyRef"] == {
        "name": "edurecords-identity",
        "key": "credentials-key",
    }
    assert configs["edu-edurecords-identity"]["data"]["IDENTITY_ENVIRONMENT"] == "production"
    transcript = configs["edu-edurecords-transcript"]["data"]
    assert transcript["TRANSCRIPT_PUBLIC_BASE_URL"] == "https://edurecords.example.vn"
    assert transcript["TRANSCRIPT_SIGNING_VERIFY_URL"] == "http://edu-edurecords-signing:8000/verify"
    signing = deployments["edu-edurecords-signing"]["spec"]["template"]["spec"]
    mounts = signing["containers"][0]["volumeMounts"]
    assert {"name": "trust", "mountPath": "/etc/edurecords/trust", "readOnly": True} in mounts
    assert {"name": "trust", "configMap": {"name": "edurecords-trust-roots"}} in signing["volumes"]
    secrets = _by_kind(docs, "Secret")
    assert set(secrets) == {"edu-edurecords-object-store", "edu-edurecords-pg-backup", "edurecords-identity"}


def test_the_gateway_serves_the_portal_with_security_headers_and_rate_limits_public_endpoints(checked: str) -> None:
    docs = _docs("operators")
    conf = _by_kind(docs, "ConfigMap")["edu-edurecords-gateway"]["data"]["default.conf"]
    for header in ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Strict-Transport-Security"):
        assert f"add_header {header}" in conf
    assert re.search(r"location \^~ /api/identity/auth/ \{\s+limit_req zone=login ", conf)
    assert re.search(
        r"\(\?<service>signing\|transcript\)\(\?<rest>/verify\(/\.\*\)\?\)\$ \{\s+limit_req zone=verify ", conf
    )
    gateway = _by_kind(docs, "Deployment")["edu-edurecords-gateway"]["spec"]["template"]["spec"]
    assert gateway["initContainers"][0]["command"][:3] == ["cp", "-R", "/app/src/edurecords/portal/static/."]
    ingress = _by_kind(docs, "Ingress")["edu-edurecords"]
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend["name"] == "edu-edurecords-gateway"
    policies = _by_kind(docs, "NetworkPolicy")
    only_from = policies["edu-edurecords-gateway"]["spec"]["ingress"][0]["from"][0]["namespaceSelector"]
    assert only_from == {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}
    services = policies["edu-edurecords-services"]["spec"]["podSelector"]["matchExpressions"][1]["values"]
    assert sorted(services) == sorted(SERVICES)


def test_existing_postgres_kafka_and_s3_need_no_operator_resources(checked: str) -> None:
    docs = _docs("external")
    kinds = {d["kind"] for d in docs}
    assert not kinds & {"Kafka", "KafkaNodePool", "KafkaTopic", "Cluster", "ScheduledBackup", "Secret", "Ingress"}
    assert "HorizontalPodAutoscaler" not in kinds
    container = _by_kind(docs, "Deployment")["edu-edurecords-signing"]["spec"]["template"]["spec"]["containers"][0]
    url = dict(_env(container))["SIGNING_DATABASE_URL"]["valueFrom"]["secretKeyRef"]
    assert url == {"name": "edurecords-database-urls", "key": "signing"}
    identity = _by_kind(docs, "ConfigMap")["edu-edurecords-identity"]["data"]
    assert identity["IDENTITY_KAFKA__CLIENT_ID"] == "edu-identity-dc2"
    assert identity["IDENTITY_OBSERVABILITY__OTLP_ENDPOINT"] == "http://otel-collector.observability:4318"
    assert identity["IDENTITY_KAFKA__BOOTSTRAP_SERVERS"].startswith("kafka-0.kafka.data.svc:9092")


def _wait_for_schema(url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GRADEBOOK_DATABASE_URL": url, "EDU_APP_ROOT": str(REPO), "EDU_SCHEMA_WAIT_S": "0"}
    return subprocess.run(
        [sys.executable, str(WAIT_FOR_SCHEMA), "gradebook"], capture_output=True, text=True, timeout=120, env=env
    )


@pytest.mark.postgres
async def test_a_service_pod_waits_until_the_migration_job_has_brought_its_schema_to_head(
    real_servers: RealServers,
) -> None:
    async with fresh_postgres_database(real_servers.postgres_url) as url:
        before = _wait_for_schema(url)
        assert before.returncode == 1 and "schema not at head yet" in before.stderr
        await upgrade_to_head(migrations_dir=REPO / "services" / "gradebook" / "migrations", url=url)
        after = _wait_for_schema(url)
        assert after.returncode == 0, after.stderr
        assert "gradebook: schema at" in after.stderr


class _Upstream(BaseHTTPRequestHandler):
    """Stands in for every service behind the gateway: answers with the path and prefix it was given."""

    def _answer(self) -> None:
        body = json.dumps({"path": self.path, "prefix": self.headers.get("X-Forwarded-Prefix")}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, format: str, *args: Any) -> None:
        return


def _request(url: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, method=method, data=b"{}" if method == "POST" else None)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture
def gateway(checked: str, tmp_path: Path) -> Iterator[str]:
    """The rendered gateway config run by a real nginx on loopback, every upstream a stand-in service."""
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), _Upstream)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    port = free_port()
    html = REPO / "src" / "edurecords" / "portal" / "static"
    subprocess.run(
        [
            sys.executable,
            str(GATEWAY_CONF),
            str(RENDERED / "operators.yaml"),
            str(tmp_path),
            "--listen",
            f"127.0.0.1:{port}",
            "--upstream",
            f"127.0.0.1:{upstream.server_address[1]}",
            "--html",
            str(html),
        ],
        check=True,
        capture_output=True,
    )
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    proc = subprocess.Popen([nginx, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-g", "daemon off;"])
    try:
        for _ in range(300):
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert proc.poll() is None, (tmp_path / "error.log").read_text()
            time.sleep(0.05)
        else:
            pytest.fail(f"nginx did not listen on port {port}: {(tmp_path / 'error.log').read_text()}")
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        upstream.shutdown()


def test_the_gateway_serves_the_portal_and_routes_each_service_under_its_prefix(gateway: str) -> None:
    status, headers, body = _request(gateway + "/")
    assert status == 200 and body.lower().startswith(b"<!doctype html>") and b"/js/app.js" in body
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff" and headers["X-Frame-Options"] == "DENY"
    status, headers, body = _request(gateway + "/js/app.js")
    assert (
        status == 200
        and headers["X-Content-Type-Options"] == "nosniff"
        and "script-src 'self'" in headers["Content-Security-Policy"]
    )
    status, _, body = _request(gateway + "/api/gradebook/classes/c1/sheets?term=1")
    assert status == 200 and json.loads(body) == {"path": "/classes/c1/sheets?term=1", "prefix": "/api/gradebook"}
    status, _, body = _request(gateway + "/api/signing/verify/req-1")
    assert json.loads(body) == {"path": "/verify/req-1", "prefix": "/api/signing"}
    status, headers, body = _request(gateway + "/api/nowhere/x")
    assert status == 404 and json.loads(body)["detail"].startswith("Đường dẫn phải có dạng")
    assert headers["X-Frame-Options"] == "DENY"


def test_the_gateway_refuses_a_flood_of_sign_in_attempts_from_one_address(gateway: str) -> None:
    codes = [_request(gateway + "/api/identity/auth/login", "POST")[0] for _ in range(100)]
    # 5 requests a second with a burst of 20: a hundred in a row cannot all pass, and the first ones do.
    assert codes[:10] == [200] * 10
    assert 429 in codes and set(codes) == {200, 429}
