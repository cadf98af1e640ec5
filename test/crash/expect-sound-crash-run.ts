import { expect } from 'vitest';
import type { CrashReport } from './crash-run.js';

/**
 * Slack added to a crash run's lease for the re-run bound. By design a killed job runs again about
 * one lease (or liveness validity) plus a poll after the kill; the rest is a busy two-core machine:
 * 5.6 s seen at load 20 beside other test runs, 10.3 s at load 37 (two 1,000-kill chaos runs beside
 * the suite). What the bound guards is that a killed job comes back well before the 30 s default
 * lease, through the mechanism under test, not that a starved machine is fast; a job that never comes
 * back fails `unrecovered` whatever the bound.
 */
export const recoverySlackMs = 14_000;

function summary(values: number[]): { min: number; median: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { min: Math.round(sorted[0] ?? NaN), median: Math.round(sorted[Math.floor(sorted.length / 2)] ?? NaN), max: Math.round(sorted.at(-1) ?? NaN) };
}

/**
 * The promises of a crash run, the same for every backend: each kill interrupted a job, no job was
 * lost or completed twice, every interrupted job either ran again or had stored its result just
 * before the kill, and the re-runs came within `maxRecoveryMs`. Prints the figures the closing
 * notes quote.
 */
export function expectSoundCrashRun(report: CrashReport, options: { label: string; kills: number; maxRecoveryMs: number }): void {
  const recovery = summary(report.recoveriesMs);
  console.log(
    `${options.label} crash run: ${report.kills.length} kills, ${report.enqueued} jobs, ${report.recoveriesMs.length} killed jobs re-ran ` +
      `(${report.finishedBeforeKill} had finished just before the kill, ${report.takenOverBeforeKill} had been taken over before it); recovery ms min ${recovery.min} / median ${recovery.median} / max ${recovery.max}; ` +
      `${(report.durationMs / 1000).toFixed(1)} s`,
  );
  expect(report.kills).toHaveLength(options.kills);
  expect(report.kills.every((kill) => kill.jobs.length > 0)).toBe(true);
  expect(report.lost).toEqual([]);
  expect(report.completedTwice).toEqual([]);
  expect(report.mismatched).toEqual([]);
  expect(report.unrecovered).toEqual([]);
  expect(report.recoveriesMs.length + report.finishedBeforeKill + report.takenOverBeforeKill).toBe(report.kills.reduce((sum, kill) => sum + kill.jobs.length, 0));
  expect(recovery.max).toBeLessThanOrEqual(options.maxRecoveryMs);
}
