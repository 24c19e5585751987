// Unit tests of reading one line of the Kubernetes logs API (pure): the time is split off the text
// and comes out normalised, whichever RFC 3339 spelling the server used, so the tail can resume from it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseStampedLine } from '../../../src/core/logs/kube-sources';

test('a kubelet line: its nanosecond time and its text, spaces kept', () => {
  assert.deepEqual(parseStampedLine('2030-01-01T10:00:00.123456789Z GET /  200 '), { time: '2030-01-01T10:00:00.123456789Z', stream: 'stdout', text: 'GET /  200 ' });
});

test('other RFC 3339 spellings come out normalised to UTC with nine fraction digits', () => {
  assert.equal(parseStampedLine('2030-01-01T12:00:00.5+02:00 hello').time, '2030-01-01T10:00:00.500000000Z');
  assert.equal(parseStampedLine('2030-01-01T10:00:00Z hello').time, '2030-01-01T10:00:00.000000000Z');
  assert.equal(parseStampedLine('2030-01-01T10:00:00Z hello').text, 'hello');
});

test('a line without a time is all text', () => {
  assert.deepEqual(parseStampedLine('no time here'), { stream: 'stdout', text: 'no time here' });
  assert.deepEqual(parseStampedLine('2030-01-01 10:00:00 a time in another form'), { stream: 'stdout', text: '2030-01-01 10:00:00 a time in another form' });
});
