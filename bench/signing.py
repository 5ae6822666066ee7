"""Benchmark of PDF signing: naive pyHanko per document vs. the signing service's batch path.

    uv run python bench/signing.py [--documents N] [--warmup N]

Prints one table with, side by side and from the same run, for PAdES B-B and B-T (RFC 3161 timestamp from a
local TSA):
  (a) naive pyHanko, the way a first integration does it: for every document `SimpleSigner.load_pkcs12` (decrypt
      and parse the PKCS#12 file), a new `HTTPTimeStamper` for B-T, then `signers.sign_pdf` with default
      options (pyHanko estimates the signature size with a dry-run signature, and for B-T a dry-run timestamp);
  (b) our batch path: `Pkcs12Backend.unlock` once (one PIN entry), then the same `PadesSigner` signs every
      document (`sign_pdf` with the service's PAdES profile: certification, FieldMDP lock of the field, a fixed
      signature reservation, one reused TSA client);
  (c) the same batch path with `--in-flight` documents signed concurrently by the one signer (a batch job's
      worker overlaps the TSA round trips; the CPU work per document is the same as in (b)).

Every document is the same one-page transcript printed by `edu_shared.pdf.SchoolDocument` (~23 kB, embedded
fonts), signed sequentially in one coroutine. The PKI is the tests' (services/signing/tests/pki/certomancer.yml):
certomancer issues a root, an issuing CA and the signer (RSA 2048), and its animator serves the TSA on a free
local port from a separate process (a TSA is someone else's server: its work is not counted as ours).
"docs/s per core" is documents ÷ CPU seconds of this process (user + system), i.e. what one core of the
signing service sustains; "docs/s" is wall clock. A warm-up of a few documents runs first. The
benchmark reports; it never asserts on timing. Figures depend on the machine: see docs/performance.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as `python bench/signing.py`, this folder is first on sys.path and this file's name would hide the
# `signing` package: drop the folder before importing it.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse  # noqa: E402
import asyncio  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Awaitable, Callable, Iterator  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from io import BytesIO  # noqa: E402

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter  # noqa: E402
from pyhanko.sign import fields, signers  # noqa: E402
from pyhanko.sign.timestamps import HTTPTimeStamper  # noqa: E402

from edu_shared.pdf import SchoolDocument, Signatory  # noqa: E402
from edu_shared.testing.processes import ManagedProcess, free_port, wait_for_http_sync  # noqa: E402
from signing.adapters.keys.pkcs12 import Pkcs12Backend  # noqa: E402
from signing.adapters.pades import TrustSettings  # noqa: E402
from signing.adapters.testpki import TestPki, load_pki  # noqa: E402
from signing.domain.ports import PadesLevel, PdfSignatureSpec  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
PKI_TEMPLATE = REPO / "services" / "signing" / "tests" / "pki" / "certomancer.yml"
PASSWORD = "bench-password"
SIGNER = "principal"
TARGET_RATIO = 10.0
TARGET_PER_CORE = 50.0


@dataclass
class Outcome:
    """One row of the result table."""

    path: str
    level: str
    documents: int
    wall_s: float
    cpu_s: float

    @property
    def rate(self) -> float:
        return self.documents / self.wall_s

    @property
    def per_core(self) -> float:
        return self.documents / self.cpu_s


@contextmanager
def pki_process(workdir: Path) -> Iterator[TestPki]:
    """The test PKI served by its own process (its TSA's work is not ours), loaded here from the same files."""
    port = free_port()
    process = ManagedProcess(
        name="test-pki",
        argv=[sys.executable, "-m", "signing.adapters.testpki", str(PKI_TEMPLATE), str(workdir), "--port", str(port)],
        log_path=workdir / "pki.log",
        port=port,
    )
    process.start()
    try:
        wait_for_http_sync(f"{process.url}/edu/crls/root/latest.crl", processes=[process])
        yield load_pki(workdir, base_url=process.url)
    finally:
        process.stop()


def transcript() -> bytes:
    """The document every run signs: a one-page transcript with two signature blocks."""
    doc = SchoolDocument(
        school_name="Trường THCS Hòa Lạc",
        printed_at=datetime(2026, 5, 30, 8, 0, tzinfo=UTC),
        title="Học bạ",
        authority="UBND xã Hòa Lạc",
    )
    doc.new_page()
    doc.national_header()
    doc.title("Học bạ", "Năm học 2025-2026")
    doc.fields([("Họ và tên", "Nguyễn Thị Ánh"), ("Lớp", "9A"), ("Kết quả học tập", "Tốt")])
    doc.signatures([Signatory("GIÁO VIÊN CHỦ NHIỆM"), Signatory("HIỆU TRƯỞNG")], place="Hòa Lạc")
    return doc.output()


async def measure(
    path: str,
    level: str,
    documents: int,
    warmup: int,
    sign_one: Callable[[], Awaitable[bytes]],
    *,
    in_flight: int = 1,
) -> Outcome:
    """Sign `documents` documents, `in_flight` at a time (each worker takes the next one when it is done)."""
    for _ in range(warmup):
        await sign_one()
    remaining = documents

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await sign_one()

    cpu0, wall0 = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(in_flight)))
    label = path if in_flight == 1 else f"{path}, {in_flight} in flight"
    return Outcome(label, level, documents, time.perf_counter() - wall0, time.process_time() - cpu0)


def naive(p12: Path, pdf: bytes, level: PadesLevel, tsa_url: str) -> Callable[[], Awaitable[bytes]]:
    async def sign_one() -> bytes:
        signer = signers.SimpleSigner.load_pkcs12(str(p12), passphrase=PASSWORD.encode())
        assert signer is not None
        timestamper = HTTPTimeStamper(tsa_url) if level == "B-T" else None
        meta = signers.PdfSignatureMetadata(field_name="Sig_HT", subfilter=fields.SigSeedSubFilter.PADES)
        writer = IncrementalPdfFileWriter(BytesIO(pdf))
        out = await signers.async_sign_pdf(writer, meta, signer=signer, timestamper=timestamper)
        return bytes(out.getvalue())

    return sign_one


async def ours(pki: TestPki, p12: Path, pdf: bytes, level: PadesLevel) -> Callable[[], Awaitable[bytes]]:
    trust = TrustSettings(trust_roots=[pki.root], other_certs=[pki.cert("issuing")], tsa_url=pki.tsa_url)
    signer = await Pkcs12Backend({SIGNER: p12}, trust).unlock(SIGNER, secret=PASSWORD)
    spec = PdfSignatureSpec(
        "Sig_HT", "Hiệu trưởng phê duyệt", "Trường THCS Hòa Lạc", certify=True, lock_fields=("Sig_HT",), level=level
    )

    async def sign_one() -> bytes:
        return await signer.sign_pdf(pdf, spec)

    return sign_one


def table(outcomes: list[Outcome]) -> str:
    by_level = {(o.path, o.level): o for o in outcomes}
    header = ["path", "level", "documents", "wall s", "docs/s", "docs/s per core", "× naive", "target", "met"]
    rows: list[list[str]] = []
    for o in outcomes:
        base = by_level[("(a) naive pyHanko", o.level)]
        ratio = o.per_core / base.per_core
        is_ours = not o.path.startswith("(a)")
        target = f"≥ {TARGET_RATIO:.0f}× and ≥ {TARGET_PER_CORE:.0f}/core" if is_ours else "baseline"
        met = ("yes" if ratio >= TARGET_RATIO and o.per_core >= TARGET_PER_CORE else "no") if is_ours else ""
        rows.append(
            [
                o.path,
                o.level,
                f"{o.documents:,}",
                f"{o.wall_s:.2f}",
                f"{o.rate:,.1f}",
                f"{o.per_core:,.1f}",
                f"{ratio:.1f}×",
                target,
                met,
            ]
        )
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [" | ".join(c.ljust(w) for c, w in zip(header, widths, strict=True))]
    lines.append("-+-".join("-" * w for w in widths))
    lines += [" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines)


async def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=200, help="documents per run of the batch path")
    parser.add_argument("--naive-documents", type=int, default=40, help="documents per naive run (it is slow)")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--in-flight", type=int, default=8, help="documents in flight in run (c); 1 skips it")
    args = parser.parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    pdf = transcript()
    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory(prefix="bench-signing-") as tmp, pki_process(Path(tmp)) as pki:
        p12 = Path(tmp) / "principal.p12"
        p12.write_bytes(pki.pkcs12(SIGNER, PASSWORD))
        levels: list[PadesLevel] = ["B-B", "B-T"]
        for level in levels:
            print(f"running (a) naive pyHanko {level} …", file=sys.stderr, flush=True)
            sign = naive(p12, pdf, level, pki.tsa_url)
            outcomes.append(await measure("(a) naive pyHanko", level, args.naive_documents, args.warmup, sign))
            print(f"running (b) batch path {level} …", file=sys.stderr, flush=True)
            sign = await ours(pki, p12, pdf, level)
            outcomes.append(await measure("(b) batch path", level, args.documents, args.warmup, sign))
            if args.in_flight > 1:
                outcomes.append(
                    await measure("(c) batch path", level, args.documents, 0, sign, in_flight=args.in_flight)
                )
    load = os.getloadavg()[0]
    print()
    print(
        f"Signing benchmark: one-page transcript ({len(pdf) / 1024:.0f} kB), RSA 2048 signer, local TSA; "
        f"{os.cpu_count()} CPUs, load average {load:.1f}"
    )
    print(table(outcomes))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
