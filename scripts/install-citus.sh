#!/usr/bin/env bash
# scripts/install-citus.sh — makes Citus 13.2 available to the PostgreSQL that
# `pg_config` names (PG_CONFIG): the installed one when it is there, else built
# from the vendored source (third_party/citus, AGPL-3.0), else from
# ../shared/citus beside the checkout. With none of these it says so and fails:
# the Citus suite never passes without Citus.
set -euo pipefail
cd "$(dirname "$0")/.."
PG_CONFIG=${PG_CONFIG:-$(command -v pg_config || echo /usr/lib/postgresql/15/bin/pg_config)}
export PG_CONFIG
control="$("$PG_CONFIG" --sharedir)/extension/citus.control"
if [ -f "$control" ] && grep -q "default_version = '13.2" "$control" \
   && [ -f "$("$PG_CONFIG" --pkglibdir)/citus.so" ]; then
    exit 0
fi
for build in third_party/citus/build.sh ../shared/citus/build.sh; do
    if [ -f "$build" ] && [ -f "$(dirname "$build")/citus-13.2.2.tar.gz" ]; then
        echo "install-citus: Citus 13.2 is not installed in $("$PG_CONFIG" --pkglibdir); building it from $(dirname "$build")"
        exec bash "$build"
    fi
done
cat >&2 <<MSG
install-citus: ******************************************************************
install-citus: Citus 13.2 is NOT installed for $PG_CONFIG and no source to build
install-citus: it from (third_party/citus/citus-13.2.2.tar.gz, ../shared/citus).
install-citus: The Citus suite cannot run and FAILS. Install Citus 13.2 for
install-citus: PostgreSQL 15 (Citus' package repository) or restore the archive.
install-citus: ******************************************************************
MSG
exit 1
