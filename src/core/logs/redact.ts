/**
 * Masks secrets in log lines before they leave core. Two kinds of knowledge:
 * - the values of the Secrets a workload references (and their encodings a program is likely to
 *   print: base64, base64url, URL-encoded, JSON-escaped), found anywhere in a line;
 * - patterns every credential of a common kind has: bearer and basic authorization, JWTs,
 *   key=value pairs whose key names a credential, passwords in URLs, cloud and forge tokens,
 *   private key blocks.
 *
 * Matching happens on the whole line, so a value glued to other text is still found. Values
 * shorter than MIN_SECRET_LENGTH are not masked: masking "1" or "yes" everywhere would destroy the
 * log and reveal the value by its absence just the same.
 */
export const MASK = '[redacted]';
export const MIN_SECRET_LENGTH = 4;

interface Pattern {
  re: RegExp;
  /** Replacement: keeps the part that says what was there (the key, the scheme). */
  replace: string;
  /**
   * A cheap test every match passes (a literal the pattern cannot match without). Most lines fail
   * it, so most lines are never searched by `re`, which is what made redaction the tail's main cost.
   */
  mayMatch: (text: string) => boolean;
}

const has = (...needles: string[]) => (text: string) => needles.some((n) => text.includes(n));
const hasWord = (re: RegExp) => (text: string) => re.test(text);

const PATTERNS: Pattern[] = [
  { re: /-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]*?(?:-----END \1PRIVATE KEY-----|$)/g, replace: `-----BEGIN $1PRIVATE KEY----- ${MASK}`, mayMatch: has('PRIVATE KEY-----') },
  { re: /\b(authorization|proxy-authorization)(["']?\s*[:=]\s*["']?)(bearer|basic|token|digest|negotiate)?\s*[^\s"',;]+/gi, replace: `$1$2$3 ${MASK}`, mayMatch: hasWord(/authorization/i) },
  { re: /\b(bearer|basic)\s+[A-Za-z0-9\-._~+/]{8,}=*/gi, replace: `$1 ${MASK}`, mayMatch: hasWord(/bearer|basic/i) },
  // JSON Web Tokens: three base64url parts, the first two starting with '{"'.
  { re: /\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, replace: MASK, mayMatch: has('eyJ') },
  // Passwords in URLs: scheme://user:password@host
  { re: /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+):[^\s@/]+@/gi, replace: `$1:${MASK}@`, mayMatch: (t) => t.includes('://') && t.includes('@') },
  // key=value, key: value, "key": "value" where the key names a credential.
  {
    re: /((?:["']?)[\w.-]*(?:password|passwd|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|client[_-]?secret|credentials?|auth)(?:["']?)\s*[:=]\s*)("[^"]*"|'[^']*'|[^\s,;&}]+)/gi,
    replace: `$1${MASK}`,
    // Every key the pattern names contains one of these words, and a separator must follow it.
    mayMatch: (t) => (t.includes('=') || t.includes(':')) && /pass|pwd|secret|token|key|credential|auth/i.test(t),
  },
  { re: /\b(AKIA|ASIA)[0-9A-Z]{16}\b/g, replace: MASK, mayMatch: has('AKIA', 'ASIA') },
  { re: /\bgh[pousr]_[A-Za-z0-9]{30,}\b/g, replace: MASK, mayMatch: hasWord(/gh[pousr]_/) },
  { re: /\bglpat-[A-Za-z0-9_-]{20,}\b/g, replace: MASK, mayMatch: has('glpat-') },
  { re: /\bxox[abprs]-[A-Za-z0-9-]{10,}\b/g, replace: MASK, mayMatch: hasWord(/xox[abprs]-/) },
  { re: /\bsk_(live|test)_[A-Za-z0-9]{16,}\b/g, replace: MASK, mayMatch: has('sk_live_', 'sk_test_') },
  { re: /\bAIza[0-9A-Za-z_-]{35}\b/g, replace: MASK, mayMatch: has('AIza') },
];

/**
 * One test that every line any pattern could change passes: the union of the patterns' literals,
 * run on the lowercased line. A line that fails it (most lines) costs one search instead of twelve.
 * Lowercasing first and testing a case-sensitive expression with common prefixes factored out
 * costs half of one case-insensitive search for the same words. It lets through every line the
 * case-insensitive union does (those words are ASCII, and lowercasing keeps ASCII letters
 * together); a line it lets through in excess is only searched by the patterns, which decide.
 */
const ANY_PATTERN_LOWER = /a(?:uth|kia|sia|iza)|b(?:earer|asic)|eyj|:\/\/|p(?:ass|wd)|secret|token|key|credential|gh[pousr]_|glpat-|xox[abprs]-|sk_(?:live|test)_/;

/** True when some pattern may change `text`. */
export function mayHaveCredential(text: string): boolean {
  return ANY_PATTERN_LOWER.test(text.toLowerCase());
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The forms in which a program is likely to print a value. */
function encodings(value: string): string[] {
  const b64 = Buffer.from(value, 'utf8').toString('base64');
  const forms = [value, b64, b64.replace(/=+$/, ''), Buffer.from(value, 'utf8').toString('base64url'), encodeURIComponent(value), JSON.stringify(value).slice(1, -1)];
  // A multi-line secret (a certificate, a key) is printed one line at a time: mask each line.
  if (value.includes('\n')) forms.push(...value.split(/\r?\n/).map((l) => l.trim()));
  return forms.filter((f) => f.length >= MIN_SECRET_LENGTH);
}

export class Redactor {
  private readonly values = new Set<string>();
  private valuePattern: RegExp | undefined;

  constructor(secretValues: Iterable<string> = [], private readonly usePatterns = true) {
    this.add(secretValues);
  }

  /** Adds Secret values; returns how many were too short to mask (reported, never printed). */
  add(secretValues: Iterable<string>): number {
    let short = 0;
    let changed = false;
    for (const v of secretValues) {
      if (v.trim().length < MIN_SECRET_LENGTH) {
        if (v.length > 0) short++;
        continue;
      }
      for (const form of encodings(v)) {
        if (!this.values.has(form)) {
          this.values.add(form);
          changed = true;
        }
      }
    }
    if (changed) {
      // Longest first, so a value that contains another is masked whole.
      const sorted = [...this.values].sort((a, b) => b.length - a.length).map(escapeRegExp);
      this.valuePattern = new RegExp(sorted.join('|'), 'g');
    }
    return short;
  }

  get size(): number {
    return this.values.size;
  }

  redact(text: string): string {
    let out = this.valuePattern ? text.replace(this.valuePattern, MASK) : text;
    if (this.usePatterns && mayHaveCredential(out)) {
      for (const p of PATTERNS) if (p.mayMatch(out)) out = out.replace(p.re, p.replace);
    }
    return out;
  }
}
