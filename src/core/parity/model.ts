/**
 * What a parity check reports: rules (stable ids, a severity, and an explanation that ends with the
 * fix) and findings (one rule broken at one place). Positions are 1-based lines and columns, as
 * editors and SARIF show them; the extension subtracts one for VS Code ranges.
 */

export type Severity = 'error' | 'warning' | 'info';

export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info'];

/** error > warning > info; used for --fail-on and for sorting. */
export function severityRank(s: Severity): number {
  return s === 'error' ? 3 : s === 'warning' ? 2 : 1;
}

export type RuleArea = 'dockerfile' | 'manifest' | 'source' | 'runtime' | 'image' | 'input';

export interface Rule {
  /** Stable, kebab-case; used in prodlike.yaml `rules.disable`, inline comments and baselines. */
  id: string;
  severity: Severity;
  area: RuleArea;
  /** One line, in the user's words: what is wrong. */
  title: string;
  /** One paragraph: why it breaks dev-to-prod parity or the container rules. */
  explanation: string;
  /** What to change; quick fixes and SARIF `help` use it. */
  fix: string;
}

export interface Position {
  line: number;
  column: number;
}

export interface Finding {
  ruleId: string;
  severity: Severity;
  /** Says what is wrong here, naming the thing (key, image, path). Never contains a secret value. */
  message: string;
  /** Path relative to the checked root, with forward slashes. */
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  /**
   * Facts a quick fix can use without re-parsing the message, e.g. { variable: 'API_URL' } or
   * { image: 'nginx:latest' }. Never contains a secret value.
   */
  data?: Record<string, string>;
}

/** A finding before the rule's severity and the file are attached (what a rule set produces). */
export interface Hit {
  ruleId: string;
  message: string;
  start: Position;
  end?: Position;
  data?: Record<string, string>;
}

export function compareFindings(a: Finding, b: Finding): number {
  return (
    (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
    a.line - b.line ||
    a.column - b.column ||
    (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0)
  );
}
