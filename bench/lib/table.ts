import type { BenchSection } from '../section.js';

/** Formats a number with thousands separators, or `n/a` when it is not a number. */
export function formatNumber(value: number | string | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  if (!Number.isFinite(value)) return 'n/a';
  return value.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

function markdownTable(header: string[], rows: string[][]): string {
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => /^[\d.,-]*$|^n\/a$/.test(r[i] ?? '')));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    `| ${cells.map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (numeric[i] ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** Whether a ratio meets its target: `pass`, `FAIL`, or empty when it has none. */
export function verdict(value: number, target: number | undefined): string {
  if (target === undefined) return '';
  if (!Number.isFinite(value)) return 'n/a';
  return value >= target ? 'pass' : 'FAIL';
}

// Extras shown in their own columns rather than in `notes`.
const columns = new Set(['p50', 'p99', 'cpuUsPerReq']);

/**
 * One Markdown document for the whole run: per section, its rows (median value, p50, p99), its
 * ratios beside their targets, and its notices. The same text goes to stdout and docs/benchmarks.md.
 */
export function renderSections(sections: readonly BenchSection[]): string {
  const parts: string[] = [];
  for (const section of sections) {
    parts.push(`### ${section.title}`, '');
    if (section.rows.length > 0) {
      // Latency and CPU columns only where some row has them (the job sections have neither).
      const optional = [['p50', 'p50 ms'], ['p99', 'p99 ms'], ['cpuUsPerReq', 'CPU µs/req']].filter(([key]) =>
        section.rows.some((r) => r.extra?.[key] !== undefined));
      const rows = section.rows.map((r) => [
        r.system, r.case, formatNumber(r.value), r.unit,
        ...optional.map(([key]) => formatNumber(r.extra?.[key])),
        Object.entries(r.extra ?? {}).filter(([k]) => !columns.has(k)).map(([k, v]) => `${k}=${v}`).join(' '),
      ]);
      parts.push(markdownTable(['system', 'case', 'median', 'unit', ...optional.map(([, title]) => title), 'notes'], rows), '');
    }
    if (section.ratios.length > 0) {
      const rows = section.ratios.map((r) => [
        r.name, formatNumber(r.value), r.target === undefined ? '' : `≥ ${r.target}`, verdict(r.value, r.target),
      ]);
      parts.push(markdownTable(['ratio', 'value', 'target', 'result'], rows), '');
    }
    for (const notice of section.notices) parts.push(`- note: ${notice}`);
    if (section.notices.length > 0) parts.push('');
  }
  return parts.join('\n');
}
