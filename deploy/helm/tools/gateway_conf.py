"""Turn the rendered gateway ConfigMap into a standalone nginx config that runs on this machine.

    gateway_conf.py RENDERED.yaml OUT_DIR [--listen 127.0.0.1:18080] [--upstream 127.0.0.1:9] [--html DIR]

Writes OUT_DIR/nginx.conf (plus conf.d/default.conf and a temp folder) for `nginx -t -c` or for a test that
starts it: the cluster's Service names become `--upstream` (nginx resolves upstreams at start), the pod's
port becomes `--listen` and the portal root `--html`. Everything else (headers, rate limits, routes) is kept.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import yaml  # type: ignore[import-untyped]

MAIN = """worker_processes 1;
pid {out}/nginx.pid;
error_log {out}/error.log;
events {{}}
http {{
    include {mime};
    access_log off;
    client_body_temp_path {out}/tmp/body;
    proxy_temp_path {out}/tmp/proxy;
    fastcgi_temp_path {out}/tmp/fastcgi;
    uwsgi_temp_path {out}/tmp/uwsgi;
    scgi_temp_path {out}/tmp/scgi;
    include {out}/conf.d/*.conf;
}}
"""


def gateway_config(rendered: Path) -> str:
    """The nginx server config of the gateway ConfigMap in a rendered chart."""
    for doc in yaml.safe_load_all(rendered.read_text()):
        if doc and doc["kind"] == "ConfigMap" and doc["metadata"]["name"].endswith("-gateway"):
            return str(doc["data"]["default.conf"])
    raise SystemExit(f"no gateway ConfigMap in {rendered}")


def write(rendered: Path, out: Path, *, listen: str, upstream: str, html: Path | None) -> Path:
    """Write the standalone config; returns the path of nginx.conf."""
    conf = gateway_config(rendered)
    conf = re.sub(r"server [a-z0-9.-]+:8000;", f"server {upstream};", conf)
    conf = conf.replace("listen 8080;", f"listen {listen};")
    if html is not None:
        conf = conf.replace("root /usr/share/nginx/html;", f"root {html};")
    (out / "conf.d").mkdir(parents=True, exist_ok=True)
    (out / "tmp").mkdir(exist_ok=True)
    (out / "conf.d" / "default.conf").write_text(conf)
    mime = Path("/etc/nginx/mime.types")
    main = MAIN.format(out=out.resolve(), mime=mime if mime.exists() else "/dev/null")
    (out / "nginx.conf").write_text(main)
    return out / "nginx.conf"


def main(argv: list[str]) -> int:
    """Parse the arguments and write the config."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rendered", type=Path)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--listen", default="127.0.0.1:18080")
    parser.add_argument("--upstream", default="127.0.0.1:9")
    parser.add_argument("--html", type=Path)
    args = parser.parse_args(argv)
    path = write(args.rendered, args.out_dir, listen=args.listen, upstream=args.upstream, html=args.html)
    sys.stdout.write(f"{path}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
