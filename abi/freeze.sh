#!/usr/bin/env bash
# Freezes the current plugin API as minor N: copies plugin-api/ to
# abi/frozen/v1_N/, verbatim but for its manifest, which becomes standalone
# (no workspace inheritance) and gets the version `1.N.0+frozen`, so that the
# frozen copy and the current crate can share one lock file (abi/check).
#
#   bash abi/freeze.sh N
#
# Run it once, in the commit that releases minor N (docs/ABI.md, "Releasing a
# minor"); never run it again for the same N.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:?usage: abi/freeze.sh MINOR}
dest=abi/frozen/v1_$n
[ ! -e "$dest" ] || { echo "$dest exists: a frozen minor is never refrozen" >&2; exit 1; }
mkdir -p "$dest"
cp -r plugin-api/src "$dest/src"
abi_stable=$(sed -n 's/^abi_stable = \(.*\)$/\1/p' Cargo.toml)
serde_json=$(sed -n 's/^serde_json = \(.*\)$/\1/p' Cargo.toml)
{
  echo "# Frozen copy of weir-plugin-api as published at plugin API 1.$n: the"
  echo "# sources are verbatim; only this manifest differs (standalone, and the"
  echo "# build metadata +frozen). Never edit: see docs/ABI.md."
  sed -e "s/^version = \".*\"/version = \"1.$n.0+frozen\"/" \
      -e 's/^edition.workspace = true/edition = "2021"/' \
      -e 's/^rust-version.workspace = true/rust-version = "1.95"/' \
      -e 's/^license.workspace = true/license = "MIT OR Apache-2.0"/' \
      -e "s/^abi_stable.workspace = true/abi_stable = $abi_stable/" \
      -e "s/^serde_json.workspace = true/serde_json = $serde_json/" \
      plugin-api/Cargo.toml
} > "$dest/Cargo.toml"
grep -q workspace "$dest/Cargo.toml" && { echo "$dest/Cargo.toml still inherits from the workspace" >&2; exit 1; }
echo "froze plugin API 1.$n into $dest"
