#!/usr/bin/env bash
# Re-creates static/vendor/ from the npm registry: the front-end libraries we serve ourselves,
# so that no visitor's browser ever asks a CDN for them (no resident's IP goes to a third party).
#
# Every package is pinned to a version AND to the sha512 integrity the registry published for it;
# a tarball that does not match is refused. To upgrade: change the version, run
# `npm view <package>@<version> dist.integrity`, paste the new hash, run `make vendor`, read the diff.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/static/vendor"

# name | version | licence | sha512 integrity | files to copy: "from-in-package:to-under-vendor-dir" ...
PACKAGES=(
  "leaflet|1.9.4|BSD-2-Clause|sha512-nxS1ynzJOmOlHp+iL3FyWqK89GtNL8U8rvlMOsQdTTssxZwCXh8N2NB3GDQOL+YR3XnWyZAxwQixURb+FA74PA==|dist/leaflet.js:leaflet.js dist/leaflet.css:leaflet.css dist/images:images LICENSE:LICENSE"
  "leaflet.markercluster|1.5.3|MIT|sha512-vPTw/Bndq7eQHjLBVlWpnGeLa3t+3zGiuM7fJwCkiMFq+nmRuG3RI3f7f4N4TDX7T4NpbAXpR2+NTRSEGfCSeA==|dist/leaflet.markercluster.js:leaflet.markercluster.js dist/MarkerCluster.css:MarkerCluster.css dist/MarkerCluster.Default.css:MarkerCluster.Default.css MIT-LICENCE.txt:LICENSE"
  "axe-core|4.14.1|MPL-2.0|sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==|axe.min.js:axe.min.js LICENSE:LICENSE LICENSE-3RD-PARTY.txt:LICENSE-3RD-PARTY.txt"
)

command -v npm >/dev/null || { echo "vendor.sh: npm is needed (apt-get install npm)" >&2; exit 1; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
OUT="$WORK/vendor"
mkdir -p "$OUT"

README_ROWS=""
for spec in "${PACKAGES[@]}"; do
  IFS='|' read -r name version licence integrity files <<<"$spec"
  echo "vendor: $name@$version"
  pack="$WORK/pack-$name"
  mkdir -p "$pack"
  # `npm pack <name>@<version>` only downloads the registry tarball; nothing is installed or run.
  tarball="$(cd "$pack" && npm pack --silent --ignore-scripts "$name@$version" | tail -n 1)"
  actual="sha512-$(openssl dgst -sha512 -binary "$pack/$tarball" | base64 -w0)"
  if [ "$actual" != "$integrity" ]; then
    echo "vendor.sh: $name@$version does not match its pinned integrity" >&2
    echo "  expected $integrity" >&2
    echo "  got      $actual" >&2
    exit 1
  fi
  tar -xzf "$pack/$tarball" -C "$pack"
  mkdir -p "$OUT/$name"
  for pair in $files; do
    from="${pair%%:*}"
    to="${pair#*:}"
    cp -R "$pack/package/$from" "$OUT/$name/$to"
  done
  README_ROWS+="| [$name](https://www.npmjs.com/package/$name) | $version | $licence (\`$name/LICENSE\`) | npm registry, \`npm pack $name@$version\`, \`$integrity\` |"$'\n'
done

cat >"$OUT/README.md" <<README
# Vendored front-end libraries

Served from our own site, never from a CDN: no visitor's browser contacts a third party for code or
styles (the base-map tiles, configured with \`PARTICIPATIE_TILE_URL\`, are the only exception).

Do not edit these files by hand. They are re-created, unchanged from the published packages, by
\`make vendor\` (\`tools/vendor.sh\`), which pins each version and checks its sha512 integrity.

| package | version | licence (file) | source |
|---|---|---|---|
${README_ROWS}
axe-core is only used by the accessibility tests; it is never loaded by the site's own pages.
README

rm -rf "$DEST"
mkdir -p "$(dirname "$DEST")"
cp -R "$OUT" "$DEST"
echo "vendor: static/vendor re-created"
