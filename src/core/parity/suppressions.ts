/**
 * What the user has said not to report: rules disabled in prodlike.yaml, inline comments, and a
 * baseline of findings already known.
 *
 * Inline comments work in any comment syntax (#, //, /*, <!--) because they are matched as text:
 *   prodlike-disable-next-line rule-a, rule-b   — the next line that is not itself such a comment
 *   prodlike-disable-line rule-a                — this line
 *   prodlike-disable-file rule-a                — the whole file
 * With no rule ids, every rule is disabled there. Text after ` -- ` is the reason and is ignored.
 */
import { createHash } from 'node:crypto';
import type { Finding } from './model';

interface FileSuppressions {
  /** line → rule ids ('*' = all) */
  lines: Map<number, Set<string>>;
  file: Set<string>;
}

const DIRECTIVE = /prodlike-disable-(next-line|line|file)\b([^\n]*)/;

function ruleIds(rest: string): Set<string> {
  const list = rest.split(' -- ')[0]!.replace(/(\*\/|-->)\s*$/, '').split(/[\s,]+/).filter((s) => /^[a-z0-9-]+$/.test(s));
  return new Set(list.length ? list : ['*']);
}

export function readInlineSuppressions(text: string): FileSuppressions | undefined {
  if (!text.includes('prodlike-disable')) return undefined;
  const lines = text.split('\n');
  const out: FileSuppressions = { lines: new Map(), file: new Set() };
  const add = (line: number, ids: Set<string>) => {
    const set = out.lines.get(line) ?? out.lines.set(line, new Set()).get(line)!;
    for (const id of ids) set.add(id);
  };
  lines.forEach((l, i) => {
    const m = DIRECTIVE.exec(l);
    if (!m) return;
    const ids = ruleIds(m[2]!);
    if (m[1] === 'file') for (const id of ids) out.file.add(id);
    else if (m[1] === 'line') add(i + 1, ids);
    else {
      // Skip over stacked directive comments to the line they are about.
      let j = i + 1;
      while (j < lines.length && DIRECTIVE.test(lines[j]!) && /^\s*(#|\/\/|\/\*|<!--|\*)/.test(lines[j]!)) j++;
      add(j + 1, ids);
    }
  });
  return out;
}

export function isSuppressedInline(s: FileSuppressions | undefined, f: Finding): boolean {
  if (!s) return false;
  if (s.file.has('*') || s.file.has(f.ruleId)) return true;
  const set = s.lines.get(f.line);
  return set !== undefined && (set.has('*') || set.has(f.ruleId));
}

/**
 * A finding's identity across edits: the rule, the file, the text of its line (not the line
 * number, which moves when lines are added above), and which occurrence of that text it is.
 */
export function fingerprint(f: Finding, lineText: string, occurrence: number): string {
  return createHash('sha256').update(`${f.ruleId}\0${f.file}\0${lineText.trim()}\0${occurrence}`).digest('hex').slice(0, 32);
}

export interface Baseline {
  version: 1;
  /** Written by prodlike check --write-baseline; each entry is a finding that is known and accepted. */
  findings: { ruleId: string; file: string; fingerprint: string; message: string }[];
}

export function toBaseline(findings: (Finding & { fingerprint: string })[]): Baseline {
  return { version: 1, findings: findings.map((f) => ({ ruleId: f.ruleId, file: f.file, fingerprint: f.fingerprint, message: f.message })) };
}

export function parseBaseline(text: string): Baseline {
  const v = JSON.parse(text) as unknown;
  if (typeof v !== 'object' || v === null || (v as Baseline).version !== 1 || !Array.isArray((v as Baseline).findings)) {
    throw new Error('not a prodlike baseline (expected {"version": 1, "findings": [...]})');
  }
  return v as Baseline;
}
