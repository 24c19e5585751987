// The three report formats, as a terminal, a script and a code-scanning service read them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Ajv from 'ajv-draft-04';
import { readFileSync } from 'node:fs';
import { check } from './fixture';
import { renderText, toJsonReport, toSarif, RULES } from '../../../src/core/parity';

const files = {
  Dockerfile: 'FROM node\nCMD node server.js > /var/log/app.log\n',
  'src/server.js': "fs.createWriteStream('/var/log/access.log')\n",
};

test('text: grouped by file, line:col, severity, message and rule id; colour only when asked', async () => {
  const report = await check(files);
  const text = renderText(report, { color: false });
  assert.equal(
    text,
    [
      'Dockerfile',
      '  1:1  warning  The image has no HEALTHCHECK and no manifest defines a readiness or liveness probe.  healthcheck-missing',
      '  1:6  error    Base image node has no tag (means `latest`).  base-image-latest',
      '  2:1  error    CMD sends the process output to /var/log/app.log instead of stdout/stderr.  output-to-file',
      '',
      'src/server.js',
      "  1:1  error    Logs go to a file: `fs.createWriteStream('/var/log/access.log'`.  log-to-file",
      '',
      '✖ 4 problems (3 errors, 1 warning, 0 info)',
      '',
    ].join('\n'),
  );
  assert.ok(!text.includes('\u001b['));
  assert.ok(renderText(report, { color: true }).includes('\u001b[31merror'));
  assert.equal(renderText({ findings: [], suppressed: { inline: 0, disabled: 0, baseline: 2 } }, { color: false }), '✓ No parity problems found. — 2 suppressed (0 inline, 0 disabled, 2 in baseline)\n');
});

test('JSON: versioned, with a summary, positions and the explanation of each rule that fired', async () => {
  const report = await check(files);
  const json = JSON.parse(JSON.stringify(toJsonReport(report)));
  assert.equal(json.version, 1);
  assert.deepEqual({ e: json.summary.errors, w: json.summary.warnings }, { e: 3, w: 1 });
  assert.deepEqual(
    { ruleId: json.findings[3].ruleId, file: json.findings[3].file, line: json.findings[3].line, column: json.findings[3].column },
    { ruleId: 'log-to-file', file: 'src/server.js', line: 1, column: 1 },
  );
  assert.match(json.rules['output-to-file'].fix, /stdout/);
});

test('SARIF: valid against the SARIF 2.1.0 schema, every rule listed, results pointing at files under %SRCROOT%', async () => {
  const report = await check(files);
  const sarif = toSarif(report, '0.1.0') as { runs: { results: { ruleId: string; ruleIndex: number; level: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[] }[]; tool: { driver: { rules: { id: string }[] } } }[] };
  // The schema ships in @microsoft/jest-sarif (draft-04, hence ajv-draft-04).
  const schema = JSON.parse(readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8'));
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  const validate = ajv.compile(schema);
  assert.ok(validate(sarif), JSON.stringify(validate.errors, null, 2));
  const run = sarif.runs[0]!;
  assert.equal(run.tool.driver.rules.length, RULES.length);
  const r = run.results.find((x) => x.ruleId === 'output-to-file')!;
  assert.equal(run.tool.driver.rules[r.ruleIndex]!.id, 'output-to-file');
  assert.equal(r.level, 'error');
  assert.equal(r.locations[0]!.physicalLocation.artifactLocation.uri, 'Dockerfile');
  assert.equal(r.locations[0]!.physicalLocation.region.startLine, 2);
  // An invalid log is rejected by the same validator, so the check above can fail.
  assert.equal(validate({ version: '2.1.0', runs: [{ results: [] }] }), false);
});
