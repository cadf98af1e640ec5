import { describe, expect, it } from 'vitest';
import { plainSqlitePath, sqliteLocation } from './sqlite-location.js';

describe('sqliteLocation', () => {
  it('puts the liveness file of a plain path beside it, made absolute', () => {
    expect(sqliteLocation('data/jobs.db', '/srv/app')).toEqual({ private: false, absolute: '/srv/app/data/jobs.db', liveness: '/srv/app/data/jobs.db-liveness' });
    expect(sqliteLocation('/var/q.db', '/srv/app').liveness).toBe('/var/q.db-liveness');
  });

  it('keeps a file: URI a URI, -liveness at the end of its path and its parameters kept', () => {
    expect(sqliteLocation('file:/var/q.db?mode=rwc&vfs=unix-excl', '/srv')).toEqual({
      private: false,
      absolute: 'file:/var/q.db?mode=rwc&vfs=unix-excl',
      liveness: 'file:/var/q.db-liveness?mode=rwc&vfs=unix-excl',
    });
    expect(sqliteLocation('file:///var/q.db', '/srv').liveness).toBe('file:///var/q.db-liveness');
    expect(sqliteLocation('file://localhost/var/q.db#frag', '/srv').liveness).toBe('file://localhost/var/q.db-liveness#frag');
    // Relative to the working directory, as a plain path is; a working directory with `?` stays a path.
    expect(sqliteLocation('file:data/q.db?cache=private', '/srv/a?b').liveness).toBe('file:/srv/a%3Fb/data/q.db-liveness?cache=private');
  });

  it('reads in-memory URIs as private databases, with no liveness file', () => {
    for (const path of [':memory:', '', 'file::memory:', 'file::memory:?cache=shared', 'file:q.db?mode=memory&cache=shared', 'file:%3Amemory%3A']) {
      expect(sqliteLocation(path, '/srv').private, path).toBe(true);
    }
    expect(sqliteLocation('file:q.db?mode=rwc', '/srv').private).toBe(false);
  });
});

describe('plainSqlitePath', () => {
  it('gives better-sqlite3 the file a URI names, :memory: for in-memory ones, and plain paths as they are', () => {
    expect(plainSqlitePath('data/q.db')).toBe('data/q.db');
    expect(plainSqlitePath('file:/var/my%20q.db?mode=rwc&cache=shared')).toBe('/var/my q.db');
    expect(plainSqlitePath('file:///var/q.db')).toBe('/var/q.db');
    expect(plainSqlitePath('file:q.db?mode=memory')).toBe(':memory:');
  });

  it('refuses a parameter a plain file name cannot carry, naming it and the way out', () => {
    expect(() => plainSqlitePath('file:/var/q.db?mode=ro')).toThrow(expect.objectContaining({ code: 'ERRAND_BACKEND_CONFIG', message: expect.stringMatching(/mode=ro[\s\S]*node:sqlite/) }));
    expect(() => plainSqlitePath('file:/var/q.db?vfs=unix-dotfile')).toThrow(/vfs=unix-dotfile/);
  });
});
