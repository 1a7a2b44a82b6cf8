#!/usr/bin/env bash
# test/upgrade/check_release.sh — the version facts agree, and no released
# install script was edited. Prints TAP.
#  * Makefile's EXTVERSION is the one version: META.json (version, provides)
#    and the generated control file carry it;
#  * every release in sql/RELEASES has its committed script with the recorded
#    sha256, and a chain of upgrade steps leads from it to EXTVERSION.
set -uo pipefail
cd "$(dirname "$0")/../.."
source "$(dirname "$0")/../lib/tap.sh"

version=$(sed -n 's/^EXTVERSION *= *//p' Makefile)
meta=$(python3 -c 'import json; m=json.load(open("META.json")); p=m["provides"]["shopsync"]; print(m["version"], p["version"], p["file"])')
[ "$meta" = "$version $version sql/shopsync--$version.sql" ]
ok $? "META.json names version $version and its install script (got: $meta)"
grep -q "^default_version = '@EXTVERSION@'$" extension/shopsync.control.in
ok $? "the control file takes its default_version from the Makefile"
if [ -f extension/shopsync.control ]; then
    grep -q "^default_version = '$version'$" extension/shopsync.control
    ok $? "the generated control file says $version"
fi

while read -r rel sum commit; do
    case "$rel" in '#'* | '') continue ;; esac
    file="sql/shopsync--$rel.sql"
    [ -f "$file" ] && [ "$(sha256sum "$file" | cut -d' ' -f1)" = "$sum" ]
    ok $? "released $file is unchanged (sha256 $sum)"
    if git cat-file -e "$commit^{commit}" 2>/dev/null; then
        diff -q <(git show "$commit:sql/src" >/dev/null 2>&1 &&
            for f in $(git ls-tree --name-only "$commit" sql/src/ | sort); do git show "$commit:$f"; done) "$file" >/dev/null
        ok $? "released $file is what commit ${commit:0:10} generated"
    fi
    archive="test/upgrade/releases/$rel.tar.gz"
    [ -f "$archive" ]
    ok $? "the sources of $rel are kept in $archive (the upgrade test builds them)"
    if git cat-file -e "$commit^{commit}" 2>/dev/null && [ -f "$archive" ]; then
        [ "$(git archive --format=tar "$commit" Makefile extension sql | sha256sum)" = "$(gzip -dc "$archive" | sha256sum)" ]
        ok $? "$archive is exactly commit ${commit:0:10}'s Makefile, extension/ and sql/"
    fi
    # a chain of steps from rel to the current version
    at="$rel"
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        [ "$at" = "$version" ] && break
        next=$(ls -d sql/upgrade/"$at"--* 2>/dev/null | head -1 | sed 's/.*--//')
        [ -n "$next" ] || break
        at="$next"
    done
    [ "$at" = "$version" ]
    ok $? "upgrade steps lead from $rel to $version"
done < sql/RELEASES
echo "1..$n"
exit $fail
