#!/usr/bin/env bash
# Builds and installs Citus 13.2.2 (the last release line that supports PostgreSQL 15) into
# the PostgreSQL that `pg_config` names, from the source archive beside this script.
# Production installs Citus from its own package repository; this machine cannot reach it.
# The configured tree is kept in $CITUS_BUILD_DIR (default: <repo>/build/citus-13.2.2) so a
# second install (a fresh PostgreSQL tree, a new CI step) only runs `make install`.
# Usage: bash third_party/citus/build.sh     (root for the apt step; FORCE=1 reinstalls)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
PG_CONFIG=${PG_CONFIG:-$(command -v pg_config || echo /usr/lib/postgresql/15/bin/pg_config)}
control="$("$PG_CONFIG" --sharedir)/extension/citus.control"
if [ -z "${FORCE:-}" ] && [ -f "$control" ] && grep -q "default_version = '13.2" "$control" \
   && [ -f "$("$PG_CONFIG" --pkglibdir)/citus.so" ]; then
  echo "citus 13.2 is already installed"; exit 0
fi
need=()
for p in liblz4-dev libzstd-dev libcurl4-openssl-dev libkrb5-dev libssl-dev postgresql-server-dev-15; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
build=${CITUS_BUILD_DIR:-$repo/build/citus-13.2.2}
# The build is tied to the server it was configured for: another pg_config, another build.
stamp="$build/.shopsync-pg-config"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$PG_CONFIG $("$PG_CONFIG" --version)" ]; then
  rm -rf "$build"; mkdir -p "$(dirname "$build")"
  tar xzf "$here/citus-13.2.2.tar.gz" -C "$(dirname "$build")"
  [ "$(dirname "$build")/citus-13.2.2" = "$build" ] || mv "$(dirname "$build")/citus-13.2.2" "$build"
  cd "$build"
  # Debian's PostgreSQL 15 minor releases (15.14 and later) export have_createdb_privilege(),
  # which Citus 13.2.2 still defines itself for PostgreSQL 15: keep the server's definition.
  python3 - <<'PY'
p = "src/include/pg_version_compat.h"
s = open(p).read()
head = "static inline bool\nhave_createdb_privilege(void)"
if head in s and "SHOPSYNC_COMPAT" not in s:
    i = s.index(head); j = s.index("\n}\n", i) + 3
    s = s[:i] + "#if !(PG_VERSION_NUM >= 150000 && PG_VERSION_NUM < 160000) /* SHOPSYNC_COMPAT */\n" + s[i:j] + "#endif\n" + s[j:]
    open(p, "w").write(s)
PY
  ./configure PG_CONFIG="$PG_CONFIG" >/dev/null
  echo "$PG_CONFIG $("$PG_CONFIG" --version)" > "$stamp"
fi
cd "$build"
echo "citus: building in $build (about a minute on 2 cores, once)"
make -s -j"$(nproc)" >/dev/null
if [ "$(id -u)" -eq 0 ]; then make -s install >/dev/null; else sudo make -s install >/dev/null; fi
echo "citus 13.2.2 installed into $("$PG_CONFIG" --pkglibdir)"
