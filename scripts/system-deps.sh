#!/usr/bin/env bash
# Make sure the local fleet's system parts exist: PostgreSQL server binaries and HAProxy.
# Installs them with apt when running as root on a Debian-like machine; otherwise prints
# the exact command and exits 2. Used by `make demo`, `make test` and `make bench`.
set -euo pipefail

have_pg() {
  [ -n "${RSFLEET_PG_BIN:-}" ] && [ -x "${RSFLEET_PG_BIN}/initdb" ] && return 0
  command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1 && return 0
  command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ] && return 0
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null && return 0
  return 1
}
have_haproxy() { command -v haproxy >/dev/null 2>&1; }

missing=()
have_pg || missing+=(postgresql)
have_haproxy || missing+=(haproxy)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing ${missing[*]} with apt-get" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  # Debian's postgresql package starts a cluster on 5432; rsfleet does not need it.
  exit 0
fi
echo "error: missing ${missing[*]}: install with: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
exit 2
