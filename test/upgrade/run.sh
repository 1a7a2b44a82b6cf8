#!/usr/bin/env bash
# test/upgrade/run.sh — the upgrade path: every released version, filled with
# data through api.sync_push, updated with ALTER EXTENSION shopsync UPDATE,
# must keep its data, keep serving a device synced before the update, pass the
# whole pgTAP suite, and end with the same catalog as a fresh install.
#
# The test runs PostgreSQL from a private copy of its installation (bin, lib,
# share) under a temp dir, so the old and the new library can be installed in
# turn, as a package upgrade does, without touching the system's. The old
# version's library is built from test/upgrade/releases/<version>.tar.gz, the
# sources of the commit sql/RELEASES records (cached in build/upgrade/<version>-<commit>/).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$PWD"

bash test/upgrade/check_release.sh

PKGLIB="$(pg_config --pkglibdir)"
SHAREDIR="$(pg_config --sharedir)"
BINDIR="$(pg_config --bindir)"
TREE="$(mktemp -d /tmp/shopsync-upgrade.XXXXXX)"
chmod 755 "$TREE"
cleanup_tree() { rm -rf "$TREE"; }
trap cleanup_tree EXIT

# A private PostgreSQL installation: the server finds share/ and lib/ relative
# to its own binary, so a copy of the three directories is a full install.
copy_pg_tree() {
    local d
    for d in "$(dirname "$BINDIR")" "$SHAREDIR"; do
        mkdir -p "$TREE$(dirname "$d")"
        cp -a "$d" "$TREE$(dirname "$d")/"
    done
    chmod -R a+rX "$TREE"
}

# Builds (once) the library and install script of a released version.
build_release() {
    local version="$1" commit="$2" out="$ROOT/build/upgrade/$1-$2"
    if [ ! -f "$out/shopsync.so" ]; then
        rm -rf "$out.src"
        mkdir -p "$out.src"
        # The sources come from the committed archive, so a shallow clone
        # without the release's commit still runs this test.
        tar -xzf "$ROOT/test/upgrade/releases/$version.tar.gz" -C "$out.src"
        make -s -C "$out.src" -j2 shopsync.so >/dev/null
        mkdir -p "$out"
        cp "$out.src/shopsync.so" "$out/"
        rm -rf "$out.src"
    fi
    echo "$out"
}

install_release() {
    local version="$1" built="$2"
    cp "$built/shopsync.so" "$TREE$PKGLIB/shopsync.so"
    cp "sql/shopsync--$version.sql" "$TREE$SHAREDIR/extension/"
    sed "s/@EXTVERSION@/$version/" extension/shopsync.control.in > "$TREE$SHAREDIR/extension/shopsync.control"
}

source test/lib/pgcluster.sh
stop_all() { pgcluster_stop; cleanup_tree; }
q() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }

version=$(sed -n 's/^EXTVERSION *= *//p' Makefile)
make -s -j2 ext >/dev/null

while read -r rel sum commit; do
    case "$rel" in '#'* | '') continue ;; esac
    echo "# upgrade from $rel to $version"
    copy_pg_tree
    install_release "$rel" "$(build_release "$rel" "$commit")"
    PG_BINDIR="$TREE$BINDIR" pgcluster_start
    trap stop_all EXIT
    q -f sql/roles.sql >/dev/null
    q -c "CREATE EXTENSION pgtap; CREATE EXTENSION shopsync VERSION '$rel'"
    q -f test/upgrade/fill.sql >/dev/null
    before=$(q -f test/upgrade/state.sql)

    # The package upgrade: new library and scripts, a restart, then the update.
    _pgcluster_as_owner "$TREE$BINDIR/pg_ctl" -D "$PGCLUSTER_DIR/data" -m fast -w stop >/dev/null
    make -s install DESTDIR="$TREE" >/dev/null
    _pgcluster_as_owner "$TREE$BINDIR/pg_ctl" -D "$PGCLUSTER_DIR/data" -l "$PGCLUSTER_DIR/server.log" \
        -w -t 60 start >/dev/null
    q -c "ALTER EXTENSION shopsync UPDATE"
    got=$(q -c "SELECT extversion FROM pg_extension WHERE extname = 'shopsync'")
    [ "$got" = "$version" ] || { echo "not ok - extension is at $got after the update, not $version"; exit 1; }
    echo "ok - ALTER EXTENSION shopsync UPDATE brings $rel to $version"

    fk=$(q -c "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'public.order_notes'::regclass AND contype = 'f'")
    [ "$fk" = "FOREIGN KEY (shop_id, order_id) REFERENCES shopsync.orders(shop_id, id)" ] ||
        { echo "not ok - an application's foreign key to orders survives the update (got: $fk)"; exit 1; }
    echo "ok - an application's foreign key to orders (shop_id, id) survives the update"
    q -c "DROP TABLE public.order_notes"   # it would hold DROP EXTENSION in 11_drop.sql

    after=$(q -f test/upgrade/state.sql)
    if [ "$before" != "$after" ]; then
        echo "not ok - rows, log and keys are the same after the update"
        diff <(echo "$before") <(echo "$after") | head -40
        exit 1
    fi
    echo "ok - rows, log and keys are the same after the update"

    # A device synced before the update goes on from its cursor and versions.
    q -f test/upgrade/after.sql >/dev/null
    echo "ok - a device synced before the update keeps syncing without a rebuild"

    # The whole suite on the updated database.
    pg_prove --failures -d "$PGDATABASE" test/pgtap/[0-9]*.sql test/pgtap/commit_guard.sh

    # The catalog of the updated database equals a fresh install's.
    q -d postgres -c "CREATE DATABASE fresh"
    q -d fresh -c "CREATE EXTENSION shopsync"
    q -f test/upgrade/catalog.sql >"$TREE/updated.catalog"
    q -d fresh -f test/upgrade/catalog.sql >"$TREE/fresh.catalog"
    [ "$(wc -l <"$TREE/fresh.catalog")" -gt 200 ] || { echo "not ok - the catalog query found too little"; exit 1; }
    diff "$TREE/updated.catalog" "$TREE/fresh.catalog" >"$TREE/catalog.diff" || {
        echo "not ok - the updated catalog equals a fresh $version install (< updated, > fresh):"
        cat "$TREE/catalog.diff"
        exit 1
    }
    echo "ok - the updated catalog (functions, policies, indexes, columns, constraints, triggers) equals a fresh install's ($(wc -l <"$TREE/fresh.catalog") lines)"
    pgcluster_stop
    rm -rf "$TREE"/*
done < sql/RELEASES
