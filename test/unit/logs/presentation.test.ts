// Unit tests of line presentation and filters (pure): levels, JSON fields, colours, time handling.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectLevel, jsonFields, colorIndex, COLOR_COUNT, normalizeTime, sinceToTime, wantsContainer, wantsLine, containerPattern, userPattern } from '../../../src/core/logs';
import { ResumePoint } from '../../../src/core/logs/resume';
import { identity } from './fake-source';

test('levels are read from JSON fields, logfmt, klog headers and bracketed words', () => {
  const cases: [string, string | undefined][] = [
    ['{"level":"warn","msg":"slow"}', 'warn'],
    ['{"severity":"ERROR","message":"boom"}', 'error'],
    ['{"level":50,"msg":"pino error"}', 'error'],
    ['time=2024 level=debug msg=x', 'debug'],
    ['E0612 10:00:00.000000 1 main.go:10] failed', 'error'],
    ['2024-01-01 12:00:00 [ERROR] db down', 'error'],
    ['WARN: disk at 91%', 'warn'],
    ['FATAL cannot bind :8080', 'fatal'],
    ['GET /errors 200', undefined],
    ['just a line', undefined],
    // A level word counts only on its own, and the first such one counts.
    ['xERROR then [WARN] later', 'warn'],
    ['ERRORS everywhere', undefined],
    ['(CRIT) disk', 'fatal'],
    ['INFO', 'info'],
    ['Info: lowercase words need a key', undefined],
    ['ts=1 LEVEL=Warning msg=x', 'warn'],
    ['{"level":"Warning"}', 'warn'],
    ['{"level":"informational"}', undefined],
    [`${'x'.repeat(115)} INFO`, 'info'],
    [`${'x'.repeat(116)} INFO`, undefined],
  ];
  for (const [text, level] of cases) assert.equal(detectLevel(text, jsonFields(text)), level, text);
});

test('JSON fields only for JSON objects', () => {
  assert.deepEqual(jsonFields('{"a":1,"b":"x"}'), { a: 1, b: 'x' });
  assert.equal(jsonFields('[1,2]'), undefined);
  assert.equal(jsonFields('{not json}'), undefined);
  assert.equal(jsonFields('plain'), undefined);
});

test('colours are stable per source and within the palette', () => {
  assert.equal(colorIndex('ctx/default/web-1/app'), colorIndex('ctx/default/web-1/app'));
  const used = new Set(Array.from({ length: 60 }, (_, i) => colorIndex(`ctx/default/web-${i}/app`)));
  assert.ok([...used].every((c) => c >= 0 && c < COLOR_COUNT));
  assert.ok(used.size > 3, 'sources spread over the palette');
});

test('times are normalised so that string order is time order, at nanosecond precision', () => {
  assert.equal(normalizeTime('2024-05-01T10:00:00.12Z'), '2024-05-01T10:00:00.120000000Z');
  assert.equal(normalizeTime('2024-05-01T12:00:00.000000001+02:00'), '2024-05-01T10:00:00.000000001Z');
  assert.equal(normalizeTime('yesterday'), undefined);
  assert.ok(normalizeTime('2024-05-01T10:00:00.000000002Z')! > normalizeTime('2024-05-01T10:00:00.000000001Z')!);
  assert.equal(sinceToTime('5m', Date.parse('2024-05-01T10:00:00Z')), '2024-05-01T09:55:00.000Z');
  assert.equal(sinceToTime('1h30m', Date.parse('2024-05-01T10:00:00Z')), '2024-05-01T08:30:00.000Z');
  assert.equal(sinceToTime('soon'), undefined);
});

test('a resume point skips what was given out, and only that — identical lines at one instant included', () => {
  const r = new ResumePoint();
  const t1 = '2024-05-01T10:00:00.100000000Z';
  const t2 = '2024-05-01T10:00:00.200000000Z';
  assert.ok(r.accept(t1));
  assert.ok(r.accept(t2));
  assert.ok(r.accept(t2)); // two lines at one instant
  assert.equal(r.sinceTime, '2024-05-01T10:00:00Z');
  r.reopened();
  assert.equal(r.accept(t1), false);
  assert.equal(r.accept(t2), false);
  assert.equal(r.accept(t2), false);
  assert.equal(r.accept(t2), true, 'a third line at that instant is new');
  assert.equal(r.accept('2024-05-01T10:00:01Z'), true);
});

test('container selection: init containers only on request, sidecars unless excluded, names match whole', () => {
  const app = identity('p', 'app', { role: 'app' });
  const init = identity('p', 'migrate', { role: 'init' });
  const side = identity('p', 'istio-proxy', { role: 'sidecar' });
  assert.ok(wantsContainer(app, {}));
  assert.ok(!wantsContainer(init, {}));
  assert.ok(wantsContainer(init, { initContainers: true }));
  assert.ok(!wantsContainer(side, { sidecars: false }));
  assert.ok(!wantsContainer(identity('p', 'app-sidecar'), { containers: [containerPattern('app')] }));
  assert.ok(wantsContainer(identity('p', 'app'), { containers: [containerPattern('app|web')] }));
});

test('line filters: include, exclude, only errors; a bad pattern names its flag', () => {
  assert.ok(wantsLine('GET /api 500', undefined, { include: [/500/] }));
  assert.ok(!wantsLine('GET /healthz 200', undefined, { exclude: [/healthz/] }));
  assert.ok(!wantsLine('all good', 'info', { onlyErrors: true }));
  assert.ok(wantsLine('boom', 'error', { onlyErrors: true }));
  assert.throws(() => userPattern('(', '--grep'), /--grep "\(" is not a valid regular expression/);
});
