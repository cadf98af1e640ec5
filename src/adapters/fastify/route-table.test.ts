import { describe, expect, it } from 'vitest';
import { RouteTable, routePattern } from './route-table.js';

describe('routePattern', () => {
  it.each([
    ['/items', '/items', true],
    ['/items', '/items/', false],
    ['/items/:id', '/items/7', true],
    ['/items/:id', '/items/7/parts', false],
    ['/items/:id', '/items/', false],
    ['/files/:name.:ext', '/files/photo.png', true],
    ['/near/:lat-:lng', '/near/48.8-2.3', true],
    ['/things/:id(^\\d+)', '/things/42', true],
    ['/things/:id(^\\d+)', '/things/x42', false],
    ['/things/:id(^\\d+$)/parts', '/things/42/parts', true],
    ['/static/*', '/static/css/site.css', true],
    ['/static/*', '/static/', true],
    ['/time/09::30', '/time/09:30', true],
    ['/a.b', '/aXb', false],
    ['/users/:id?', '/users', true],
    ['/users/:id?', '/users/7', true],
  ])('%s matches %s: %s', (pattern, path, expected) => {
    expect(routePattern(pattern).test(path)).toBe(expected);
  });

  it('ignores case when the router does', () => {
    expect(routePattern('/Items', false).test('/items')).toBe(true);
    expect(routePattern('/Items').test('/items')).toBe(false);
  });

  it('rejects an unclosed parameter expression', () => {
    expect(() => routePattern('/x/:id(\\d+')).toThrow(TypeError);
  });
});

describe('RouteTable', () => {
  it('lists the methods of every route matching a path, HEAD with GET, in Allow order', () => {
    const table = new RouteTable();
    table.add('POST', '/items');
    table.add(['GET', 'DELETE'], '/items/:id');
    table.add('get', '/items');
    expect(table.allowed('/items')).toEqual(['GET', 'HEAD', 'POST']);
    expect(table.allowed('/items/3')).toEqual(['DELETE', 'GET', 'HEAD']);
    expect(table.allowed('/other')).toEqual([]);
  });

  it('forgets cached answers when a route is added', () => {
    const table = new RouteTable();
    expect(table.allowed('/late')).toEqual([]);
    table.add('PUT', '/late');
    expect(table.allowed('/late')).toEqual(['PUT']);
  });

  it('follows the trailing-slash, duplicate-slash and case options', () => {
    const lax = new RouteTable({ ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, caseSensitive: false });
    lax.add('GET', '/Docs/');
    expect(lax.allowed('/docs')).toEqual(['GET', 'HEAD']);
    expect(lax.allowed('//docs/')).toEqual(['GET', 'HEAD']);
    const strict = new RouteTable();
    strict.add('GET', '/docs');
    expect(strict.allowed('/docs/')).toEqual([]);
  });

  it('matches percent-encoded paths as the router decodes them', () => {
    const table = new RouteTable();
    table.add('GET', '/café');
    expect(table.allowed('/caf%C3%A9')).toEqual(['GET', 'HEAD']);
    expect(table.allowed('/%E0%A4%A')).toEqual([]);
  });
});
