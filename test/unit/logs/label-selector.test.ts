// `-l` for local containers and swarm services: what the engine is asked to filter, and what is
// checked here because the engine cannot (!=, !key).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { engineLabelFilter, matchesLabels, parseLabelSelector } from '../../../src/core/logs/label-selector';

test('equality, inequality and existence requirements, all of which must hold', () => {
  const r = parseLabelSelector('app=web, tier!=db,env==prod,team,!legacy');
  assert.deepEqual(engineLabelFilter(r), ['app=web', 'env=prod', 'team'], 'only = and existence go to the engine');
  assert.ok(matchesLabels(r, { app: 'web', env: 'prod', team: 'a', tier: 'front' }));
  assert.ok(matchesLabels(r, { app: 'web', env: 'prod', team: 'a' }), 'a missing label is not equal to db');
  assert.ok(!matchesLabels(r, { app: 'web', env: 'prod', team: 'a', tier: 'db' }));
  assert.ok(!matchesLabels(r, { app: 'web', env: 'prod', team: 'a', legacy: '' }));
  assert.ok(!matchesLabels(r, { app: 'web', env: 'prod' }));
  assert.ok(!matchesLabels(r, undefined));
  assert.ok(matchesLabels(parseLabelSelector('empty='), { empty: '' }), 'an empty value is a value');
});

test('selectors the engine labels cannot express are refused with the way to write them', () => {
  assert.throws(() => parseLabelSelector('env in (a,b)'), /Set-based label selectors .* work with Kubernetes only/);
  assert.throws(() => parseLabelSelector('app=web,=x'), /"=x" in the label selector "app=web,=x" is not a label requirement/);
});
