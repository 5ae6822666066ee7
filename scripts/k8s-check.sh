#!/usr/bin/env bash
# Render the Helm chart deploy/helm/edurecords and validate the manifests against the Kubernetes schemas and
# the operators' CRDs, without a cluster and without GitHub (kubeconform's default schema source).
#
#   scripts/k8s-check.sh           helm lint + helm template with each deploy/helm/edurecords/ci/*-values.yaml,
#                                  then kubeconform -strict on the rendered files (var/k8s-check/<name>.yaml)
#   scripts/k8s-check.sh FILE...   validate these manifest files only (no rendering)
#
# Everything comes from package registries and is cached (the first run takes a few minutes, later ones
# seconds): helm and kubeconform built with `go install` into .cache/bin; the Kubernetes OpenAPI spec from
# the Go module k8s.io/kubernetes; CloudNativePG's CRDs from its Go module; Strimzi's CRDs from the tests
# jar of io.strimzi:api on Maven Central. deploy/helm/tools/k8s_schemas.py turns them into JSON schemas
# under .cache/k8s-schemas/. Needs Go and Maven; a tool that cannot be fetched fails the check, with why.
set -euo pipefail
EDU_NAME=k8s-check.sh
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HELM_VERSION="v3.22.0"
KUBECONFORM_VERSION="v0.8.0"
# Schemas of this Kubernetes release (the chart asks for >= 1.30; 1.34 is a supported release then).
KUBERNETES_VERSION="1.34.3"
CNPG_VERSION="v1.29.0"
STRIMZI_VERSION="0.51.0"
MAVEN_DEPENDENCY_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:3.8.1"

CHART="$EDU_ROOT/deploy/helm/edurecords"
GENERATOR="$EDU_ROOT/deploy/helm/tools/k8s_schemas.py"
BIN_DIR="$EDU_CACHE/bin"
OUT_DIR="$EDU_ROOT/var/k8s-check"

if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then
  PATH="/usr/local/go/bin:$PATH"
fi

# go_tool NAME PACKAGE VERSION: build a Go command into .cache/bin once per version.
_go_tool_locked() {
  local name="$1" pkg="$2" version="$3" bin="$BIN_DIR/$1" stamp="$BIN_DIR/$1.version" tmp
  [[ -x "$bin" && "$(cat "$stamp" 2>/dev/null)" == "$version" ]] && return 0
  command -v go >/dev/null 2>&1 || die "Go is not installed; it is needed to build $name ($pkg@$version)"
  mkdir -p "$BIN_DIR"
  log "building $name $version with $(go version | awk '{print $3}') (once; helm takes a few minutes)"
  tmp="$(mktemp -d)"
  if ! (cd "$tmp" && GOWORK=off GO111MODULE=on CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -mod=mod" GOBIN="$tmp" \
    go install -p 2 -trimpath -ldflags "-s -w" "$pkg@$version" >&2); then
    rm -rf "$tmp"
    die "go install $pkg@$version failed (is the Go module proxy reachable?)"
  fi
  mv -f "$tmp/$name" "$bin"
  rm -rf "$tmp"
  echo "$version" >"$stamp"
}
go_tool() { with_lock "k8s-tool-$1" _go_tool_locked "$@"; }

# go_module_dir MODULE@VERSION: download a Go module (cached by Go) and print its directory.
go_module_dir() {
  local dir
  dir="$(cd / && GOWORK=off GOFLAGS=-mod=mod go mod download -json "$1" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')" ||
    die "go mod download $1 failed"
  [[ -n "$dir" && -d "$dir" ]] || die "go mod download $1 gave no module directory"
  echo "$dir"
}

_schemas_locked() {
  local dest="$1" tmp k8s cnpg jar crd_dir
  [[ -f "$dest/.complete" ]] && return 0
  command -v go >/dev/null 2>&1 || die "Go is not installed; it is needed to fetch the Kubernetes OpenAPI spec"
  command -v mvn >/dev/null 2>&1 || apt_install maven
  command -v mvn >/dev/null 2>&1 || die "Maven is not installed; it is needed to fetch Strimzi's CRDs"
  log "fetching the Kubernetes $KUBERNETES_VERSION OpenAPI spec, CloudNativePG $CNPG_VERSION and Strimzi $STRIMZI_VERSION CRDs"
  k8s="$(go_module_dir "k8s.io/kubernetes@v$KUBERNETES_VERSION")"
  cnpg="$(go_module_dir "github.com/cloudnative-pg/cloudnative-pg@$CNPG_VERSION")"
  tmp="$(mktemp -d)"
  # The released CRD YAMLs are not in the main jar; the tests jar carries the ones generated from the same
  # model classes (crds/v1/*: API kafka.strimzi.io/v1).
  if ! mvn -q -B -Dstyle.color=never "$MAVEN_DEPENDENCY_PLUGIN:copy" \
    -Dartifact="io.strimzi:api:$STRIMZI_VERSION:jar:tests" -DoutputDirectory="$tmp" >"$tmp/mvn.log" 2>&1; then
    cat "$tmp/mvn.log" >&2
    rm -rf "$tmp"
    die "Maven could not fetch io.strimzi:api:$STRIMZI_VERSION:jar:tests"
  fi
  jar="$tmp/api-$STRIMZI_VERSION-tests.jar"
  (cd "$tmp" && python3 -m zipfile -e "$jar" strimzi) ||
    { rm -rf "$tmp"; die "cannot unpack $jar"; }
  crd_dir="$tmp/strimzi/crds/v1"
  rm -rf "$dest.tmp"
  uv run --project "$EDU_ROOT" python "$GENERATOR" "$dest.tmp" \
    --swagger "$k8s/api/openapi-spec/swagger.json" \
    --crd "$crd_dir/040-Crd-kafka.yaml" --crd "$crd_dir/045-Crd-kafkanodepool.yaml" \
    --crd "$crd_dir/043-Crd-kafkatopic.yaml" --crd "$crd_dir/044-Crd-kafkauser.yaml" \
    --crd "$cnpg/config/crd/bases/postgresql.cnpg.io_clusters.yaml" \
    --crd "$cnpg/config/crd/bases/postgresql.cnpg.io_scheduledbackups.yaml" \
    --crd "$cnpg/config/crd/bases/postgresql.cnpg.io_backups.yaml" \
    --crd "$cnpg/config/crd/bases/postgresql.cnpg.io_databases.yaml" \
    --crd "$cnpg/config/crd/bases/postgresql.cnpg.io_poolers.yaml" ||
    { rm -rf "$tmp" "$dest.tmp"; die "schema generation failed"; }
  rm -rf "$tmp" "$dest"
  mv "$dest.tmp" "$dest"
  touch "$dest/.complete"
}

# The schema folder's name changes with every input, so a new version or generator regenerates it.
schemas_dir() {
  local key
  key="k8s$KUBERNETES_VERSION-cnpg$CNPG_VERSION-strimzi$STRIMZI_VERSION-$(sha256sum "$GENERATOR" | cut -c1-12)"
  echo "$EDU_CACHE/k8s-schemas/$key"
}

go_tool helm helm.sh/helm/v3/cmd/helm "$HELM_VERSION"
go_tool kubeconform github.com/yannh/kubeconform/cmd/kubeconform "$KUBECONFORM_VERSION"
SCHEMAS="$(schemas_dir)"
with_lock k8s-schemas _schemas_locked "$SCHEMAS"
HELM="$BIN_DIR/helm"
KUBECONFORM="$BIN_DIR/kubeconform"

files=("$@")
if ((${#files[@]} == 0)); then
  [[ -f "$CHART/Chart.yaml" ]] || die "$CHART/Chart.yaml not found"
  # One run at a time renders into var/k8s-check/ (parallel test runs share it); held until this script exits.
  mkdir -p "$OUT_DIR" "$EDU_CACHE/locks"
  exec 8>"$EDU_CACHE/locks/k8s-check-render.lock"
  flock -w 600 8 || die "another k8s-check.sh has been rendering for 10 minutes"
  shopt -s nullglob
  values=("$CHART"/ci/*-values.yaml)
  ((${#values[@]})) || die "no values files in $CHART/ci/"
  for v in "${values[@]}"; do
    name="$(basename "$v" -values.yaml)"
    # helm built from source reports Kubernetes v1.20 as its default target: name the one validated against.
    "$HELM" lint --strict --quiet --kube-version "$KUBERNETES_VERSION" "$CHART" -f "$v" >&2 ||
      die "helm lint fails with ci/$(basename "$v")"
    "$HELM" template edu "$CHART" --namespace edurecords --kube-version "$KUBERNETES_VERSION" -f "$v" \
      >"$OUT_DIR/$name.yaml" || die "helm template fails with ci/$(basename "$v")"
    log "rendered ci/$(basename "$v") -> var/k8s-check/$name.yaml ($(grep -c '^kind:' "$OUT_DIR/$name.yaml") resources)"
    files+=("$OUT_DIR/$name.yaml")
  done
fi

# -strict: unknown fields and duplicate keys are errors; a kind without a schema is an error too (no -ignore).
if ! "$KUBECONFORM" -strict -summary -output text \
  -schema-location "$SCHEMAS/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json" "${files[@]}" >&2; then
  die "kubeconform: the manifests do not match the Kubernetes $KUBERNETES_VERSION / CRD schemas"
fi

# The gateway's nginx config is text inside a ConfigMap, which no schema checks: let nginx itself parse it.
if (($# == 0)); then
  [[ ":$PATH:" == *:/usr/sbin:* ]] || PATH="$PATH:/usr/sbin"
  command -v nginx >/dev/null 2>&1 || apt_install nginx
  command -v nginx >/dev/null 2>&1 || die "nginx is not installed; it is needed to check the gateway config"
  gw="$OUT_DIR/gateway"
  rm -rf "$gw"
  uv run --project "$EDU_ROOT" python "$EDU_ROOT/deploy/helm/tools/gateway_conf.py" "$OUT_DIR/operators.yaml" "$gw" \
    >/dev/null || die "cannot extract the gateway config from var/k8s-check/operators.yaml"
  nginx -t -q -p "$gw" -c "$gw/nginx.conf" || die "nginx rejects the gateway config (var/k8s-check/gateway/)"
  log "nginx $(nginx -v 2>&1 | sed 's#.*/##') accepts the gateway config"
fi
log "OK: ${#files[@]} file(s) valid against Kubernetes $KUBERNETES_VERSION, Strimzi $STRIMZI_VERSION, CloudNativePG $CNPG_VERSION"
