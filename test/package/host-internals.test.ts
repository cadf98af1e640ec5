import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/*
 * errand extends its hosts (Hono, Fastify, Express, Node, BullMQ) through their public extension
 * points only: an upgrade of a host must not break errand silently. This scans every source file
 * under src/ (tests excluded) for the ways code reaches past a public API.
 */

const root = fileURLToPath(new URL('../../', import.meta.url));

interface Rule {
  name: string;
  why: string;
  pattern: RegExp;
}

const rules: Rule[] = [
  {
    name: 'assigns over a method',
    why: 'replacing a function on an object errand does not own (app.use = …, req.push = …) breaks when the host changes how it calls it; use middleware, hooks or handlers',
    pattern: /(?<!\bthis)\.\s*[A-Za-z_$][\w$]*\s*=\s*(?:async\s+)?(?:function\b|\([^)]*\)\s*=>|[A-Za-z_$][\w$]*\s*=>|[\w$.]+\.bind\()/,
  },
  {
    name: 'patches a prototype',
    why: "a host's prototype is its own",
    pattern: /\b(?:IncomingMessage|ServerResponse|OutgoingMessage|Server|Socket|Hono|Request|Response|Readable|Writable)\.prototype\.\w+\s*=(?!=)/,
  },
  {
    name: 'reads a private symbol',
    why: "a host's symbols (kOutHeaders…) are internal: found by description, they change without notice",
    pattern: /getOwnPropertySymbols|\bk[A-Z]\w*Headers\b|Symbol\.for\(\s*['"]nodejs\./,
  },
  {
    name: 'reads an underscore field',
    why: '`_events`, `_header`, `_dump`… are private by convention',
    pattern: /\.\s*_[a-z]\w*\b/,
  },
  {
    name: "imports a host's internals",
    why: 'only the package entry points are public',
    pattern: /from\s+['"](?:(?:hono|fastify|express|bullmq|ioredis|@hono\/node-server)\/(?:dist|lib|src)\/|node:_)/,
  },
  {
    name: "edits a host's script text",
    why: "BullMQ's Lua scripts are built output, not an API",
    pattern: /\.content\.(?:replace|split|slice)\(/,
  },
];

/** Lines that match a rule but touch errand's own objects, each with its reason. */
const ownObjects: { file: string; contains: string; reason: string }[] = [
  { file: 'src/jobs/run-attempt.ts', contains: 'active.onAbort =', reason: "errand's own ActiveJob callback" },
];

/**
 * Known defects, each a host internal still in use, listed so the check can land before every
 * adapter is rewritten. Remove an entry when its file is fixed; never add one.
 */
const knownDefects: { file: string; rule: string; owner: string }[] = [];

/**
 * Opt-in fast paths that need a host internal: off by default, documented, and tested against the
 * oldest and newest host versions in errand's peer range.
 */
const optIn: { file: string; rule: string; option: string }[] = [
  { file: 'src/backends/redis/batch-scripts.ts', rule: "edits a host's script text", option: 'createRedisBackend({ batchScripts: true }), tested on bullmq and bullmq-newest (batch-scripts.test.ts)' },
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.ts$/.test(entry.name) && !/\.test(?:-d)?\.ts$/.test(entry.name) ? [path] : [];
  });
}

interface Finding {
  file: string;
  line: number;
  rule: string;
  text: string;
}

function findings(): Finding[] {
  const found: Finding[] = [];
  for (const path of sourceFiles(join(root, 'src'))) {
    const file = relative(root, path);
    readFileSync(path, 'utf8')
      .split('\n')
      .forEach((text, index) => {
        if (/^\s*(?:\/\/|\*|\/\*)/.test(text)) return;
        for (const rule of rules) {
          if (!rule.pattern.test(text)) continue;
          if (ownObjects.some((own) => own.file === file && text.includes(own.contains))) continue;
          found.push({ file, line: index + 1, rule: rule.name, text: text.trim() });
        }
      });
  }
  return found;
}

describe("src/ uses its hosts' public extension points only", () => {
  it('assigns over no host method, reads no private symbol or field, imports no internals, edits no script text', () => {
    const listed = [...knownDefects, ...optIn];
    const unexpected = findings().filter((finding) => !listed.some((known) => known.file === finding.file && known.rule === finding.rule));
    const explained = unexpected.map((finding) => `${finding.file}:${finding.line} ${finding.rule} (${rules.find((rule) => rule.name === finding.rule)!.why}): ${finding.text}`);
    expect(explained).toEqual([]);
  });

  it('lists no known defect or opt-in that is gone (remove an entry when its file is fixed)', () => {
    const found = findings();
    const stale = [...knownDefects, ...optIn].filter((known) => !found.some((finding) => finding.file === known.file && finding.rule === known.rule));
    expect(stale).toEqual([]);
  });

  it('catches each kind of reach into a host (the rules are not vacuous)', () => {
    const samples: [string, string][] = [
      ['assigns over a method', 'router.add = (method, path, entry) => {'],
      ['assigns over a method', '  app.use = function errandUse(...args) {'],
      ['assigns over a method', 'server.emit = emit.bind(server);'],
      ['patches a prototype', 'ServerResponse.prototype.writeHead = writeHead;'],
      ['reads a private symbol', "Object.getOwnPropertySymbols(response).find((key) => key.description === 'kOutHeaders')"],
      ['reads an underscore field', 'if (res._header) return;'],
      ["imports a host's internals", "import { x } from 'bullmq/dist/esm/scripts/index.js';"],
      ["edits a host's script text", 'script.content.replace(decode, "ARGV[1]")'],
    ];
    for (const [name, line] of samples) expect(rules.find((rule) => rule.name === name)!.pattern.test(line), `${name}: ${line}`).toBe(true);
    for (const fine of ['this.onAbort = () => {};', "c.header('x-request-id', id);", 'const add = (a, b) => a + b;', 'res.statusCode = 404;']) {
      expect(rules.some((rule) => rule.pattern.test(fine)), fine).toBe(false);
    }
  });
});
