/**
 * The JSON report (`prodlike check --json`): one document, stable field names, versioned. Scripts
 * and the extension read this; fields are only ever added.
 */
import type { ParityReport } from '../check';
import { ruleById } from '../catalog';

export function toJsonReport(report: ParityReport): unknown {
  const ruleIds = [...new Set(report.findings.map((f) => f.ruleId))].sort();
  return {
    version: 1,
    root: report.root,
    summary: {
      errors: report.findings.filter((f) => f.severity === 'error').length,
      warnings: report.findings.filter((f) => f.severity === 'warning').length,
      infos: report.findings.filter((f) => f.severity === 'info').length,
      suppressed: report.suppressed,
      files: report.stats,
    },
    findings: report.findings,
    rules: Object.fromEntries(ruleIds.map((id) => [id, ruleById(id)])),
  };
}
