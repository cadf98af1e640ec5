/**
 * `npm run mutation -- [folder ...]`: StrykerJS over each named core folder (all of folders.json
 * when none is named), one after the other at low priority, then a table of killed, timeout,
 * survived, no coverage, score and wall time, also appended to reports/mutation/summary.md.
 * The HTML report of a folder is reports/mutation/<folder>/index.html.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import folders from './folders.json' with { type: 'json' };

interface MutationReport {
  files: Record<string, { mutants: { status: string }[] }>;
}

const known = Object.keys(folders);
const names = process.argv.slice(2);
const unknown = names.filter((name) => !known.includes(name));
if (unknown.length > 0) {
  console.error(`unknown folder ${unknown.join(', ')}; choose from: ${known.join(', ')}`);
  process.exit(2);
}

/** Stryker's score: detected (killed + timeout) over every mutant that ran or could have run. */
function tally(name: string): string {
  const report = JSON.parse(readFileSync(`reports/mutation/${name}/mutation.json`, 'utf8')) as MutationReport;
  const counts = new Map<string, number>();
  for (const file of Object.values(report.files)) {
    for (const mutant of file.mutants) counts.set(mutant.status, (counts.get(mutant.status) ?? 0) + 1);
  }
  const [killed, timeout, survived, noCoverage] = ['Killed', 'Timeout', 'Survived', 'NoCoverage'].map((status) => counts.get(status) ?? 0) as [number, number, number, number];
  const valid = killed + timeout + survived + noCoverage;
  const score = valid === 0 ? 100 : (100 * (killed + timeout)) / valid;
  return `${killed} | ${timeout} | ${survived} | ${noCoverage} | ${score.toFixed(1)} %`;
}

const rows = ['| folder | killed | timeout | survived | no coverage | score | wall time |', '|---|---|---|---|---|---|---|'];
let failed = false;
for (const name of names.length > 0 ? names : known) {
  mkdirSync(`reports/mutation/${name}`, { recursive: true });
  const started = Date.now();
  const run = spawnSync('nice', ['-n', '15', 'npx', 'stryker', 'run', 'mutation/stryker.config.mjs'], {
    stdio: 'inherit',
    env: { ...process.env, ERRAND_MUTATE: name },
  });
  const seconds = Math.round((Date.now() - started) / 1000);
  const wall = `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  if (run.status === 0) {
    rows.push(`| src/${name} | ${tally(name)} | ${wall} |`);
  } else {
    failed = true;
    rows.push(`| src/${name} | stryker failed (${String(run.status ?? run.signal)}) | | | | | ${wall} |`);
  }
}
const table = rows.join('\n');
console.log(`\n${table}\n`);
appendFileSync('reports/mutation/summary.md', `\n${new Date().toISOString()}\n\n${table}\n`);
process.exit(failed ? 1 : 0);
