#!/usr/bin/env bash
# Builds whatever is missing of the local Kubernetes control plane used by the tests and the demo, then prints on
# stdout one directory holding kube-apiserver, kube-controller-manager, kube-scheduler, etcd and kwok.
# Progress goes to stderr. A second run only checks versions (well under a second).
#
# Everything is built from Go modules (no Docker, no release downloads): the only network access is the Go module
# proxy. Binaries live under ${IMPALA_AUTOSCALER_CACHE:-$HOME/.cache/impala-autoscaler}/{k8s-,etcd-,kwok-}<version>;
# GOMODCACHE and GOCACHE stay the user's, so other Go builds share the downloaded modules.
set -euo pipefail

K8S_VERSION=v1.37.2
ETCD_VERSION=v3.7.0
KWOK_VERSION=v0.8.0

ROOT="${IMPALA_AUTOSCALER_CACHE:-$HOME/.cache/impala-autoscaler}"
K8S_DIR="$ROOT/k8s-$K8S_VERSION"
ETCD_DIR="$ROOT/etcd-$ETCD_VERSION"
KWOK_DIR="$ROOT/kwok-$KWOK_VERSION"

say() { echo "ensure-k8s: $*" >&2; }

# The output is captured before grep reads it: `cmd | grep -q` under pipefail fails when grep exits at the first
# match and cmd (etcd prints several lines) dies of SIGPIPE.
version_of() { [ -x "$1" ] && "$1" --version 2>/dev/null || true; }
kube_ok() { grep -qx "Kubernetes $K8S_VERSION" <<<"$(version_of "$K8S_DIR/$1")"; }
etcd_ok() { grep -qx "etcd Version: ${ETCD_VERSION#v}" <<<"$(version_of "$ETCD_DIR/etcd")"; }
kwok_ok() { grep -q "^kwok version $KWOK_VERSION " <<<"$(version_of "$KWOK_DIR/kwok")"; }
# In parallel: each large binary takes 0.2–0.6 s just to print its version.
all_ok() {
  local pids=() p ok=0
  kube_ok kube-apiserver & pids+=($!)
  kube_ok kube-controller-manager & pids+=($!)
  kube_ok kube-scheduler & pids+=($!)
  etcd_ok & pids+=($!)
  kwok_ok & pids+=($!)
  for p in "${pids[@]}"; do wait "$p" || ok=1; done
  return $ok
}

# The bin dir the callers use: the kube-* binaries next to links to etcd and kwok, so one path names the whole set.
link_bins() {
  ln -sfn "$ETCD_DIR/etcd" "$K8S_DIR/etcd"
  ln -sfn "$KWOK_DIR/kwok" "$K8S_DIR/kwok"
}

if all_ok; then link_bins; echo "$K8S_DIR"; exit 0; fi

command -v go >/dev/null 2>&1 || export PATH="$PATH:/usr/local/go/bin"
if ! command -v go >/dev/null 2>&1; then
  say "Go >= 1.26 is needed to build the local Kubernetes control plane (install it from https://go.dev/dl/ or put it on PATH)"
  exit 1
fi
GO_MINOR=$(go env GOVERSION | sed -n 's/^go1\.\([0-9]*\).*/\1/p')
if [ -z "$GO_MINOR" ] || [ "$GO_MINOR" -lt 26 ]; then
  say "found $(go env GOVERSION), but KWOK $KWOK_VERSION and Kubernetes $K8S_VERSION need Go >= 1.26; install a newer Go"
  exit 1
fi
export CGO_ENABLED=0

mkdir -p "$K8S_DIR" "$ETCD_DIR" "$KWOK_DIR"
# Two test runs (or a test run and `npm run cluster:up`) may start at once: one builds, the other waits for it.
exec 9>"$ROOT/.ensure-k8s.lock"
if ! flock -n 9; then
  say "another ensure-k8s is building in $ROOT; waiting for it"
  flock 9
  if all_ok; then link_bins; echo "$K8S_DIR"; exit 0; fi
fi

T_ALL=$(date +%s)

# Runs "$@" with `go -x` style output sent to a log, printing a progress line every 20 s (the apiserver's cold
# compile runs for many minutes, and its final link prints nothing for a while).
run_with_progress() {
  local label=$1 log=$2; shift 2
  local start; start=$(date +%s)
  "$@" >"$log" 2>&1 &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    if kill -0 "$pid" 2>/dev/null; then
      local pkgs mods
      pkgs=$(grep -c '^mkdir -p \$WORK/b[0-9]*/$' "$log" 2>/dev/null || true)
      mods=$(grep -c 'go: downloading' "$log" 2>/dev/null || true)
      say "$label: $(( $(date +%s) - start )) s, ${mods:-0} modules downloaded, ${pkgs:-0} packages compiled"
    fi
  done
  if ! wait "$pid"; then
    say "$label failed after $(( $(date +%s) - start )) s; last lines of $log:"
    grep -v '^\(mkdir\|cat\|cd\|EOF\|packagefile\|echo\|#\|mv\|rm\|cp\|/usr/local/go\|$WORK\)' "$log" | tail -20 >&2
    return 1
  fi
  say "$label: done in $(( $(date +%s) - start )) s"
}

# --- Kubernetes: a wrapper module that requires k8s.io/kubernetes and pins every staging module to its published tag.
build_kube() {
  local wrap="$K8S_DIR/wrap" staging="v0.${K8S_VERSION#v1.}"
  mkdir -p "$wrap"
  if [ ! -f "$wrap/go.sum" ]; then
    say "kubernetes $K8S_VERSION: generating the wrapper module"
    # Only the .mod file is fetched here (not the large source zip) to read which modules live in ./staging.
    local modfile; modfile=$(cd "$wrap" && GOFLAGS=-mod=mod go list -m -f '{{.GoMod}}' "k8s.io/kubernetes@$K8S_VERSION")
    local gover; gover=$(awk '/^go /{print $2; exit}' "$modfile")
    {
      printf 'module example.local/impala-autoscaler-k8s\n\ngo %s\n\nrequire k8s.io/kubernetes %s\n\nreplace (\n' "$gover" "$K8S_VERSION"
      grep -E '^\s+k8s\.io/[^ ]+ => \./staging/' "$modfile" | awk -v sv="$staging" '{print "\t" $1 " => " $1 " " sv}'
      printf ')\n'
    } >"$wrap/go.mod.new"
    local n; n=$(grep -c ' => ' "$wrap/go.mod.new")
    if [ "$n" -lt 20 ]; then say "found only $n staging modules in $modfile; the kubernetes go.mod layout changed"; return 1; fi
    mv "$wrap/go.mod.new" "$wrap/go.mod"
    # tools.go keeps the three commands (and so their dependencies) through `go mod tidy`.
    printf '//go:build tools\n\npackage tools\n\nimport (\n\t_ "k8s.io/kubernetes/cmd/kube-apiserver"\n\t_ "k8s.io/kubernetes/cmd/kube-controller-manager"\n\t_ "k8s.io/kubernetes/cmd/kube-scheduler"\n)\n' >"$wrap/tools.go"
    say "kubernetes $K8S_VERSION: $n staging modules pinned to $staging; downloading modules (cold: ~45 s, ~700 MB)"
    run_with_progress "go mod tidy (kubernetes)" "$K8S_DIR/tidy.log" bash -c "cd '$wrap' && go mod tidy -x" || { rm -f "$wrap/go.sum"; return 1; }
  fi
  local minor; minor=$(echo "$K8S_VERSION" | cut -d. -f2)
  # Without the version stamps the server reports v0.0.0-master+$Format:%H$, which clients fail to parse.
  local ldf="-s -w -X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
  local c
  for c in kube-apiserver kube-controller-manager kube-scheduler; do
    kube_ok "$c" && continue
    say "building $c $K8S_VERSION (cold, 2 cores: apiserver ~10 min, controller-manager ~3 min, scheduler <1 min)"
    run_with_progress "$c" "$K8S_DIR/build-$c.log" bash -c "cd '$wrap' && go build -x -trimpath -ldflags '$ldf' -o '$K8S_DIR/$c.tmp' k8s.io/kubernetes/cmd/$c"
    mv "$K8S_DIR/$c.tmp" "$K8S_DIR/$c"
    kube_ok "$c" || { say "$K8S_DIR/$c was built but does not report Kubernetes $K8S_VERSION"; return 1; }
  done
}

# --- etcd: `go install ...@v3.7.0` is refused (its go.mod has replace directives); build it from a wrapper module.
build_etcd() {
  local wrap="$ETCD_DIR/wrap"
  mkdir -p "$wrap"
  printf 'module example.local/impala-autoscaler-etcd\n\ngo 1.26\n\nrequire go.etcd.io/etcd/server/v3 %s\n' "$ETCD_VERSION" >"$wrap/go.mod"
  printf '//go:build tools\n\npackage tools\n\nimport _ "go.etcd.io/etcd/server/v3"\n' >"$wrap/tools.go"
  say "building etcd $ETCD_VERSION (cold: ~45 s)"
  run_with_progress "go mod tidy (etcd)" "$ETCD_DIR/tidy.log" bash -c "cd '$wrap' && go mod tidy -x"
  run_with_progress "etcd" "$ETCD_DIR/build.log" bash -c "cd '$wrap' && go build -x -trimpath -ldflags '-s -w' -o '$ETCD_DIR/etcd.tmp' go.etcd.io/etcd/server/v3"
  mv "$ETCD_DIR/etcd.tmp" "$ETCD_DIR/etcd"
  etcd_ok || { say "$ETCD_DIR/etcd was built but does not report $ETCD_VERSION"; return 1; }
}

# --- KWOK: a replace-free go.mod, so `go install` works.
build_kwok() {
  say "building kwok $KWOK_VERSION (cold: ~2.5 min)"
  run_with_progress "kwok" "$KWOK_DIR/build.log" env GOBIN="$KWOK_DIR" go install -x -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
  kwok_ok || { say "$KWOK_DIR/kwok was built but does not report $KWOK_VERSION"; return 1; }
}

etcd_ok || build_etcd
kwok_ok || build_kwok
build_kube
link_bins
all_ok || { say "the binaries in $K8S_DIR do not all report the expected versions"; exit 1; }
say "control plane ready in $K8S_DIR (took $(( $(date +%s) - T_ALL )) s)"
echo "$K8S_DIR"
