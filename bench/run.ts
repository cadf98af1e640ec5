import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs, wants, type BenchArgs } from './lib/args.js';
import { updateDocs } from './lib/docs.js';
import { machine, versions } from './lib/environment.js';
import { progress } from './lib/interleave.js';
import { loadGenerator, type LoadGenerator } from './lib/load.js';
import { pinning } from './lib/pinning.js';
import { renderSections } from './lib/table.js';
import type { BenchSection } from './section.js';

/*
 * `npm run bench`: every section in one run, one table on stdout, bench/results/latest.json, and
 * with --update-docs the generated block of docs/benchmarks.md. Progress goes to stderr.
 */

type SectionRunner = (args: BenchArgs, generator: LoadGenerator) => Promise<BenchSection>;

interface SectionEntry {
  name: string;
  /** Source file, relative to bench/; a section whose file is absent is skipped with a notice. */
  file: string;
}

const sections: SectionEntry[] = [
  { name: 'http', file: 'http/section.ts' },
  { name: 'tasks', file: 'tasks/section.ts' },
  { name: 'jobs-sqlite', file: 'jobs-sqlite.ts' },
  { name: 'jobs-redis', file: 'jobs-redis.ts' },
  { name: 'jobs-postgres', file: 'jobs-postgres.ts' },
  { name: 'fairness', file: 'fairness.ts' },
  { name: 'schedule-lateness', file: 'schedule-lateness.ts' },
  { name: 'rate-limit', file: 'rate-limit-accuracy.ts' },
];

function isSection(value: unknown): value is BenchSection {
  const v = value as Partial<BenchSection> | null;
  return typeof v === 'object' && v !== null && typeof v.title === 'string' && Array.isArray(v.rows) && Array.isArray(v.ratios);
}

async function runSection(entry: SectionEntry, args: BenchArgs, generator: LoadGenerator): Promise<BenchSection> {
  const failed = (notice: string): BenchSection => ({ title: entry.name, rows: [], ratios: [], notices: [notice] });
  if (!existsSync(fileURLToPath(new URL(entry.file, import.meta.url)))) {
    return failed(`section ${entry.name} skipped: bench/${entry.file} does not exist yet`);
  }
  try {
    // A computed specifier, so a section that has not landed yet does not break the typecheck.
    const specifier = `./${entry.file.replace(/\.ts$/, '.js')}`;
    const mod = (await import(specifier)) as { run?: SectionRunner };
    if (typeof mod.run !== 'function') return failed(`section ${entry.name} skipped: bench/${entry.file} exports no run()`);
    const result = await mod.run(args, generator);
    if (!isSection(result)) return failed(`section ${entry.name}: run() did not return a BenchSection`);
    return result;
  } catch (error) {
    return failed(`section ${entry.name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  // Sections written by others take run() with no arguments: the settings also travel by environment.
  process.env.ERRAND_BENCH_DURATION = String(args.duration);
  process.env.ERRAND_BENCH_ROUNDS = String(args.rounds);
  process.env.ERRAND_BENCH_WARMUP = String(args.warmup);
  const generator = loadGenerator(args.autocannon);
  const env = { date: new Date().toISOString(), machine: machine(), versions: versions(`${generator.name} ${generator.version}`) };
  progress(`${env.machine.cpu}, ${env.machine.cores} cores, load ${env.machine.loadAverageAtStart}; ${pinning().describe}`);
  if (generator.notice) progress(generator.notice);

  const results: BenchSection[] = [];
  for (const entry of sections.filter((s) => wants(args, s.name))) {
    progress(`section ${entry.name}`);
    const section = await runSection(entry, args, generator);
    if (generator.notice && !entry.name.startsWith('jobs-')) section.notices.unshift(generator.notice);
    for (const notice of section.notices) progress(`notice: ${notice}`);
    results.push(section);
  }

  const table = renderSections(results);
  process.stdout.write(`${table}\n`);
  const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(resultsDir, { recursive: true });
  const json = { ...env, pinning: pinning().describe, args, sections: results };
  writeFileSync(`${resultsDir}latest.json`, `${JSON.stringify(json, null, 2)}\n`);
  progress('wrote bench/results/latest.json');
  if (args.updateDocs) {
    const command = `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim();
    updateDocs(fileURLToPath(new URL('../docs/benchmarks.md', import.meta.url)), { ...env, command, pinning: pinning().describe, table });
    progress('updated docs/benchmarks.md');
  }
}

await main();
