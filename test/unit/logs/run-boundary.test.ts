// Where one run of a restarted local container ends in its single Docker log. The engine stamps
// lines when it copies them, so a run's last lines can carry a time just after its recorded finish:
// the boundary must leave them to that run, and still fall before the next run's first lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runBoundary } from '../../../src/core/logs/docker-sources';

test('a finished run keeps the lines stamped just after its recorded finish', () => {
  const finished = '2026-12-04T19:17:57.086468564Z';
  const lastLine = '2026-12-04T19:17:57.086976690Z'; // seen on Docker 20.10: 0.5 ms after FinishedAt
  const boundary = runBoundary(finished)!;
  assert.ok(lastLine <= boundary, `${lastLine} should be within the run ending at ${boundary}`);
  assert.equal(boundary, '2026-12-04T19:17:57.136468564Z');
});

test('with the next start known, the boundary falls between the two runs, across a second boundary', () => {
  // docker restart: about 390 ms between the finish and the next start.
  assert.equal(runBoundary('2026-12-04T19:18:36.526409760Z', '2026-12-04T19:18:36.912062803Z'), '2026-12-04T19:18:36.576409760Z');
  // A quick restart: the middle of the gap, so the next run's early lines (stamped before its StartedAt) stay its own.
  assert.equal(runBoundary('2026-12-04T19:18:59.990000000Z', '2026-12-04T19:19:00.010000000Z'), '2026-12-04T19:19:00.000000000Z');
});

test('without a usable finish, the next start is the boundary', () => {
  assert.equal(runBoundary(undefined, '2026-12-04T19:18:36.912062803Z'), '2026-12-04T19:18:36.912062803Z');
  // The finish recorded is a later run's (it ran and finished again): it says nothing of this boundary.
  assert.equal(runBoundary('2026-12-04T19:18:40.000000000Z', '2026-12-04T19:18:36.912062803Z'), '2026-12-04T19:18:36.912062803Z');
  assert.equal(runBoundary(undefined), undefined);
});
