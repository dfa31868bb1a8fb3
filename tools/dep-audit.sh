#!/usr/bin/env bash
# Dependency audit with cargo-deny, fully offline:
#   - advisories: RustSec snapshot at ../shared/rustsec-advisory-db (beside
#     the repository; read-only), copied into a temporary git repository
#     where cargo-deny expects its database, checked with
#   - licenses, duplicate versions, wildcards, sources: deny.toml
# Installs cargo-deny (`cargo install --locked cargo-deny`) when missing.
#
#   WARD_ADVISORY_DB=DIR   another advisory-db checkout (default: ../shared/rustsec-advisory-db)
#   DEP_AUDIT_CHECKS="advisories licenses bans sources"   which checks to run
#   DEP_AUDIT_MANIFESTS="Cargo.toml fuzz/Cargo.toml"   workspaces to audit
#     (fuzz/ is its own workspace; its libFuzzer licence exception in
#     deny.toml shows as "not encountered" in the main one, which is fine)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
db_src="${WARD_ADVISORY_DB:-$root/../shared/rustsec-advisory-db}"
checks="${DEP_AUDIT_CHECKS:-advisories licenses bans sources}"
manifests="${DEP_AUDIT_MANIFESTS:-Cargo.toml fuzz/Cargo.toml}"
manifest="${manifests%% *}"

if ! cargo deny --version >/dev/null 2>&1; then
    echo "dep-audit: installing cargo-deny (cargo install --locked cargo-deny)"
    start=$(date +%s)
    cargo install --locked cargo-deny
    echo "dep-audit: cargo-deny installed in $(( $(date +%s) - start ))s"
fi
echo "dep-audit: $(cargo deny --version)"

[ -d "$db_src/crates" ] || { echo "dep-audit: no advisory database at $db_src" >&2; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# deny.toml with db-path pointing into the temporary directory.
sed "s|^\[advisories\]$|[advisories]\ndb-path = \"$tmp/db\"|" deny.toml > "$tmp/deny.toml"
grep -q "^db-path = \"$tmp/db\"" "$tmp/deny.toml" || { echo "dep-audit: deny.toml has no [advisories]" >&2; exit 1; }

# cargo-deny keeps each database under <db-path>/<name>-<hash of its URL>;
# ask it where (its debug log names the directory it opens), rather than
# re-implementing the hash.
mkdir -p "$tmp/db"
db_dir="$(cargo deny -L debug --offline --manifest-path "$manifest" --config "$tmp/deny.toml" check \
    advisories 2>&1 | sed -n "s/.*Opening advisory database at '\(.*\)'.*/\1/p" | head -1 || true)"
[ -n "$db_dir" ] || { echo "dep-audit: could not find where cargo-deny opens its database" >&2; exit 1; }

# A git repository, as cargo-deny wants one (it reads HEAD's commit time),
# committed at the snapshot's own date.
cp -r "$db_src" "$db_dir"
chmod -R u+w "$db_dir"
snapshot="$(cat "$db_src/SNAPSHOT.txt" 2>/dev/null || echo 'unknown snapshot')"
date_of_snapshot="$(grep -o '[0-9]\{4\}-[0-9]\{2\}-[0-9]\{2\}' <<<"$snapshot" | tail -1 || true)"
(
    cd "$db_dir"
    git init -q -b main
    git add -A
    GIT_AUTHOR_DATE="${date_of_snapshot:-now}T00:00:00Z" GIT_COMMITTER_DATE="${date_of_snapshot:-now}T00:00:00Z" \
        git -c user.name=dep-audit -c user.email=dep-audit@localhost -c commit.gpgsign=false \
        commit -q -m "$snapshot"
)
echo "dep-audit: advisory db: $snapshot ($(find "$db_dir/crates" -name '*.md' | wc -l) advisories)"

for m in $manifests; do
    echo "dep-audit: $m"
    # The crate graph needs every dependency's manifest: fetch what a fresh
    # machine lacks (crates.io only; a no-op when cached). The advisory
    # database itself is never fetched.
    cargo fetch --manifest-path "$m" -q || true
    # shellcheck disable=SC2086
    cargo deny --offline --manifest-path "$m" --config "$tmp/deny.toml" check \
        --show-stats $checks
done
echo "dep-audit: OK ($checks; $manifests)"
