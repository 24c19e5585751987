/**
 * Human-readable report: findings grouped by file, `line:col  severity  message  rule-id`, like
 * the linters users already read, with a one-line summary. Colour only when asked (the CLI decides
 * from the terminal, NO_COLOR and --no-color).
 */
import { styleText } from 'node:util';
import type { Finding, Severity } from '../model';
import type { ParityReport } from '../check';

export interface TextOptions {
  color: boolean;
}

type Style = Parameters<typeof styleText>[0];

export function renderText(report: Pick<ParityReport, 'findings' | 'suppressed'>, options: TextOptions): string {
  const paint = (style: Style, s: string) => (options.color ? styleText(style, s, { validateStream: false }) : s);
  const sev: Record<Severity, Style> = { error: 'red', warning: 'yellow', info: 'cyan' };
  const byFile = new Map<string, Finding[]>();
  for (const f of report.findings) (byFile.get(f.file) ?? byFile.set(f.file, []).get(f.file)!).push(f);
  const lines: string[] = [];
  for (const [file, list] of byFile) {
    lines.push(paint('underline', file || '(project)'));
    const width = Math.max(...list.map((f) => `${f.line}:${f.column}`.length));
    for (const f of list) {
      const where = `${f.line}:${f.column}`.padEnd(width);
      lines.push(`  ${paint('dim', where)}  ${paint(sev[f.severity], f.severity.padEnd(7))}  ${f.message}  ${paint('dim', f.ruleId)}`);
    }
    lines.push('');
  }
  const count = (s: Severity) => report.findings.filter((f) => f.severity === s).length;
  const [e, w, i] = [count('error'), count('warning'), count('info')];
  const total = report.findings.length;
  const parts = [`${e} error${e === 1 ? '' : 's'}`, `${w} warning${w === 1 ? '' : 's'}`, `${i} info`];
  const hidden = report.suppressed.inline + report.suppressed.disabled + report.suppressed.baseline;
  const tail = hidden > 0 ? paint('dim', ` — ${hidden} suppressed (${report.suppressed.inline} inline, ${report.suppressed.disabled} disabled, ${report.suppressed.baseline} in baseline)`) : '';
  lines.push(total === 0 ? `${paint('green', '✓')} No parity problems found.${tail}` : `${paint(e > 0 ? 'red' : 'yellow', '✖')} ${total} problem${total === 1 ? '' : 's'} (${parts.join(', ')})${tail}`);
  return lines.join('\n') + '\n';
}
