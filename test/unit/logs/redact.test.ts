// Unit tests of redaction (pure): what must never reach a user's screen or a CI log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redactor, MASK, tailLogs, fixedSources } from '../../../src/core/logs';
import { FakeSource, identity } from './fake-source';

const SECRET = 's3cr3t-Pa55w0rd!';

test("a Secret's value is masked wherever it appears in a line, also base64- and URL-encoded", () => {
  const r = new Redactor([SECRET]);
  const lines = [
    `connecting with ${SECRET}`,
    `pw=${SECRET}&x=1`,
    `prefix${SECRET}suffix`,
    `b64 ${Buffer.from(SECRET).toString('base64')}`,
    `url ${encodeURIComponent(SECRET)}`,
    `json {"db":"${SECRET}"}`,
  ];
  for (const line of lines) {
    const out = r.redact(line);
    assert.ok(!out.includes(SECRET), out);
    assert.ok(!out.includes(Buffer.from(SECRET).toString('base64')), out);
    assert.ok(!out.includes(encodeURIComponent(SECRET)), out);
    assert.ok(out.includes(MASK), out);
  }
  assert.equal(r.redact('nothing to hide here'), 'nothing to hide here');
});

test('each line of a multi-line Secret (a key, a certificate) is masked on its own', () => {
  const pem = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj';
  const r = new Redactor([pem]);
  assert.equal(r.redact('  BKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj'), `  ${MASK}`);
});

test('values too short to mask are counted, not masked', () => {
  const r = new Redactor();
  assert.equal(r.add(['yes', 'a-long-enough-value']), 1);
  assert.equal(r.redact('yes it is'), 'yes it is');
});

test('credentials of common kinds are masked without being told their values', () => {
  const r = new Redactor();
  const cases: [string, RegExp][] = [
    ['GET / Authorization: Bearer abcdefghijklmnop.qrstuv', /Authorization: Bearer \[redacted\]/],
    ['sending bearer eyJhbGciOiJIUzI1NiJ9abcdef', /bearer \[redacted\]/],
    ['token eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U', /^token \[redacted\]$/],
    ['db=postgres://app:hunter2secret@db:5432/app', /postgres:\/\/app:\[redacted\]@db/],
    ['password=hunter22 user=app', /password=\[redacted\] user=app/],
    ['{"api_key": "k-123456789", "n": 1}', /"api_key": \[redacted\], "n": 1/],
    ['AWS key AKIAIOSFODNN7EXAMPLE used', /AWS key \[redacted\] used/],
    ['gh token ghp_abcdefghijklmnopqrstuvwxyz0123456789', /gh token \[redacted\]/],
    ['-----BEGIN RSA PRIVATE KEY----- MIIEpAIBAAKCAQEA', /BEGIN RSA PRIVATE KEY----- \[redacted\]/],
  ];
  for (const [line, expected] of cases) {
    const out = r.redact(line);
    assert.match(out, expected, `${line} → ${out}`);
  }
  for (const innocent of ['author: Jane', 'tokens: 5', 'GET /healthz 200 3ms', 'level=info msg="listening on :8080"']) {
    assert.equal(r.redact(innocent), innocent);
  }
});

test('the tail masks Secret values before filtering and JSON parsing: --grep cannot find them, fields do not hold them', async () => {
  const s = new FakeSource(identity('web-1'));
  s.write(`{"level":"error","msg":"login failed","password":"${SECRET}"}`);
  s.write(`plain ${SECRET}`);
  s.end();
  const seen: string[] = [];
  const fields: unknown[] = [];
  for await (const e of tailLogs(fixedSources([s]), { follow: false, secrets: [SECRET] }, new AbortController().signal)) {
    if (e.type === 'line') {
      seen.push(e.text);
      fields.push(e.fields);
    }
  }
  assert.equal(seen.length, 2);
  assert.ok(seen.every((t) => !t.includes(SECRET)));
  assert.ok(!JSON.stringify(fields).includes(SECRET));
  const grep: string[] = [];
  for await (const e of tailLogs(fixedSources([s]), { follow: false, secrets: [SECRET], lines: { include: [/Pa55w0rd/] } }, new AbortController().signal)) {
    if (e.type === 'line') grep.push(e.text);
  }
  assert.deepEqual(grep, []);
});

test('the quick pre-checks in front of the credential patterns let through every spelling the patterns mask', () => {
  const r = new Redactor();
  const cases: [string, RegExp][] = [
    ['PASSWORD=hunter22 USER=app', /PASSWORD=\[redacted\] USER=app/],
    ['X-Api-Key: abcdef123456', /X-Api-Key: \[redacted\]/],
    ['Proxy-Authorization: Basic dXNlcjpwYXNzd29yZA==', /Proxy-Authorization: Basic \[redacted\]/],
    ['redirect to HTTPS://bob:pw123456@host/', /HTTPS:\/\/bob:\[redacted\]@host/],
    ['client_secret="abc def"', /client_secret=\[redacted\]/],
    ['sent BEARER abcdefghijkl', /sent BEARER \[redacted\]/],
    ['slack xoxb-1234567890-abcdef', /slack \[redacted\]/],
    ['stripe sk_live_abcdefghijklmnop1234', /stripe \[redacted\]/],
    ['AWS AKIAIOSFODNN7EXAMPLE and ASIAIOSFODNN7EXAMPLE', /^AWS \[redacted\] and \[redacted\]$/],
    ['google AIzaSyA-abcdefghijklmnopqrstuvwxyz12345', /^google \[redacted\]$/],
    ['gitlab glpat-abcdefghijklmnopqrst', /^gitlab \[redacted\]$/],
    ['JWT EYJ eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig', /^JWT EYJ \[redacted\]$/],
    ['CREDENTIALS: s3cr3tvalue', /CREDENTIALS: \[redacted\]/],
    ['DB_PWD=hunter22', /DB_PWD=\[redacted\]/],
    ['-----BEGIN EC PRIVATE KEY----- MHcCAQEEIB', /BEGIN EC PRIVATE KEY----- \[redacted\]$/],
    // Letters whose lowercase form is longer (İ → i̇) before the credential do not hide it.
    ['İSTANBUL İ password=hunter22', /password=\[redacted\]/],
  ];
  for (const [line, expected] of cases) {
    const out = r.redact(line);
    assert.match(out, expected, `${line} → ${out}`);
  }
});
