#!/usr/bin/env bash
# Installs the storage emulators the tests start, into .tools/ (ignored by git). Idempotent: does
# nothing when the pinned versions are there. Needs node and npm (Debian: apt-get install nodejs npm).
#   Azurite (Azure Blob Storage emulator), from npm.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$here/.tools"
azurite_version=3.37.0

installed="$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$tools/node_modules/azurite/package.json" 2>/dev/null | head -n1 || true)"
if [ "$installed" = "$azurite_version" ] && [ -x "$tools/node_modules/.bin/azurite-blob" ]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "install-test-tools: npm is not installed; the Azure storage tests need it for Azurite" >&2
  exit 1
fi
echo "install-test-tools: installing azurite@$azurite_version into $tools" >&2
mkdir -p "$tools"
[ -f "$tools/package.json" ] || echo '{"name":"berth-test-tools","private":true}' > "$tools/package.json"
npm install --prefix "$tools" --no-audit --no-fund --loglevel=error "azurite@$azurite_version" >&2
