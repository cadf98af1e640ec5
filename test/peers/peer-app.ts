import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { ErrorMode } from '../../src/errors/error-mode.js';
import type { ErrorRegistry } from '../../src/errors/error-registry.js';
import type { BackgroundTasks } from '../../src/tasks/background-tasks.js';
import type { PeerClient } from './peer-client.js';

/** The hosts every ported behaviour runs on. */
export const hosts = ['hono', 'fastify', 'express'] as const;
export type Host = (typeof hosts)[number];

/** The error formats every ported behaviour runs in: errand's default and FastAPI's. */
export const formats = ['problem', 'fastapi'] as const;
export type Format = (typeof formats)[number];

/** What a host-neutral route handler receives. */
export interface PeerInput {
  params: Record<string, string>;
  query: Record<string, string>;
  /** The validated JSON body (`body` schema), or the raw text (`text: true`). */
  body: unknown;
  background: BackgroundTasks;
}

/** What a host-neutral route handler answers; each host sends it its own way. */
export interface PeerReply {
  status?: number;
  json?: unknown;
  text?: string;
  headers?: Record<string, string>;
}

/** One route, written once and mounted on each host with that host's own API. */
export interface PeerRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** `:name` parameters, the syntax Hono, Fastify and Express share. */
  path: string;
  /** Validates the path parameters (`loc: ['path', …]`). */
  params?: StandardSchemaV1;
  /** Validates the query string (`loc: ['query', …]`). */
  query?: StandardSchemaV1;
  /** Validates the JSON body (`loc: ['body', …]`). */
  body?: StandardSchemaV1;
  /** Reads the body as text (text/plain) instead of JSON. */
  text?: true;
  handler?: (input: PeerInput) => PeerReply | Promise<PeerReply>;
  /** Starts a streamed 200 with `chunk`, then throws `error()`: an error after the headers were sent. */
  streamThenThrow?: { chunk: string; error: () => Error };
}

/** One app of a source test file: its routes, its handlers, its options. */
export interface PeerApp {
  routes: PeerRoute[];
  /** Registers the app's error handlers (on a framework-free registry every host accepts). */
  handlers?: (registry: ErrorRegistry) => void;
  /** @default 'production' */
  mode?: ErrorMode;
  /** errand's body limit on every host. @default the host's default */
  bodyLimit?: number;
}

/** What a behaviour's check can see of the app it runs against. */
export interface PeerContext {
  host: Host;
  format: Format;
  client: PeerClient;
  /** Every line errand logged for this app so far. */
  lines: Record<string, unknown>[];
}

/** One behaviour pinned by a peer's test, ported. */
export interface Behaviour {
  /** The test it comes from: `path/to/test_file.py::test_function` (or an RFC section). */
  from: string;
  /** What it shows, in a sentence. */
  name: string;
  /** Set when errand answers differently on purpose: the heading of the difference in docs/errors.md. */
  difference?: string;
  check: (context: PeerContext) => Promise<void>;
}

/** The behaviours of one source file, with the app they run against. */
export interface PeerSuite {
  /** Repository and path of the source test file(s). */
  source: string;
  app: PeerApp;
  behaviours: Behaviour[];
}
