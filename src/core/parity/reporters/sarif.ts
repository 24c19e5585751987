/**
 * SARIF 2.1.0, the format code-scanning services ingest. Every rule prodlike knows is listed in
 * tool.driver.rules (so a result's ruleIndex is stable across runs); locations are relative to
 * %SRCROOT%, the checked folder; partialFingerprints carry the baseline fingerprint so services
 * track a finding across line moves.
 */
import { pathToFileURL } from 'node:url';
import type { Severity } from '../model';
import type { ParityReport } from '../check';
import { RULES } from '../catalog';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note' };

export function toSarif(report: Pick<ParityReport, 'root' | 'findings'>, toolVersion: string): unknown {
  const index = new Map(RULES.map((r, i) => [r.id, i]));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'prodlike',
            semanticVersion: toolVersion,
            version: toolVersion,
            informationUri: 'https://github.com/prodlike/prodlike',
            rules: RULES.map((r) => ({
              id: r.id,
              name: r.id.replace(/(^|-)(\w)/g, (_m, _d: string, c: string) => c.toUpperCase()),
              shortDescription: { text: r.title },
              fullDescription: { text: r.explanation },
              help: { text: r.fix, markdown: `${r.explanation}\n\n**Fix:** ${r.fix}` },
              defaultConfiguration: { level: LEVEL[r.severity] },
              properties: { tags: ['parity', r.area] },
            })),
          },
        },
        originalUriBaseIds: { '%SRCROOT%': { uri: pathToFileURL(report.root.endsWith('/') ? report.root : report.root + '/').href } },
        results: report.findings.map((f) => ({
          ruleId: f.ruleId,
          ...(index.has(f.ruleId) ? { ruleIndex: index.get(f.ruleId) } : {}),
          level: LEVEL[f.severity],
          message: { text: f.message },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: encodeURI(f.file || '.'), uriBaseId: '%SRCROOT%' },
                region: { startLine: f.line, startColumn: f.column, endLine: f.endLine, endColumn: Math.max(f.endColumn, f.endLine === f.line ? f.column : 1) },
              },
            },
          ],
          ...('fingerprint' in f ? { partialFingerprints: { 'prodlike/v1': (f as { fingerprint: string }).fingerprint } } : {}),
          ...(f.data ? { properties: { data: f.data } } : {}),
        })),
        columnKind: 'utf16CodeUnits',
      },
    ],
  };
}
