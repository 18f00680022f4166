#!/usr/bin/env bash
# Package the VS Code extension (editors/vscode) as dist/specdsl-<version>.vsix with the official
# packager, @vscode/vsce. Needs node and npm (Debian: apt-get install nodejs npm) and, the first
# time, the npm registry.
#
#   bash scripts/package_vscode.sh            # -> dist/specdsl-0.1.0.vsix
#   bash scripts/package_vscode.sh OUT_DIR    # -> OUT_DIR/specdsl-0.1.0.vsix
#
# vsce is installed once, pinned, outside the checkout: in $SPECDSL_NPM_TOOLS (default
# ~/.cache/specdsl/npm-tools), so later runs and other clones reuse it. The extension's own
# runtime dependency (vscode-languageclient, from package-lock.json) goes to
# editors/vscode/node_modules (git ignores it) and into the .vsix, where extension.js needs it.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
OUT=${1:-dist}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
VSCE_VERSION=3.9.2 # the newest vsce that runs on node 20 (Debian's); 3.8.1 and 4.x need 22
TOOLS=${SPECDSL_NPM_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/specdsl/npm-tools}
VSCE=$TOOLS/node_modules/.bin/vsce

for tool in node npm; do
  command -v "$tool" >/dev/null || {
    echo "package_vscode.sh: $tool not found (Debian: apt-get install nodejs npm)" >&2
    exit 2
  }
done
if [ ! -x "$VSCE" ] || [ "$("$VSCE" --version)" != "$VSCE_VERSION" ]; then
  mkdir -p "$TOOLS"
  npm install --prefix "$TOOLS" --save-exact --no-audit --no-fund --loglevel=error \
    "@vscode/vsce@$VSCE_VERSION"
fi

cd "$ROOT/editors/vscode"
npm ci --omit=dev --no-audit --no-fund --prefer-offline --loglevel=error
VERSION=$(node -p "require('./package.json').version")
# No repository: the project has no public address yet (vsce would ask for one).
"$VSCE" package --allow-missing-repository --out "$OUT/specdsl-$VERSION.vsix"
