/**
 * What a renderer needs beyond the text: a colour per source that does not change between runs
 * (a hash of the source's key, not the order sources appeared in), the line's level, and its
 * fields when the line is JSON — so the terminal and the editor can colour and filter alike.
 */
import type { LogLevel } from './types';

/** Renderers map indices to their own palettes; six survive every terminal theme. */
export const COLOR_COUNT = 6;

export function colorIndex(key: string): number {
  // FNV-1a: tiny, and the same key gives the same colour in the CLI and the editor.
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % COLOR_COUNT;
}

const LEVEL_WORDS: [RegExp, LogLevel][] = [
  [/^(fatal|panic|crit(ical)?|emerg(ency)?|alert)$/i, 'fatal'],
  [/^(err(or)?|severe|e)$/i, 'error'],
  [/^(warn(ing)?|w)$/i, 'warn'],
  [/^(info|information|notice|i)$/i, 'info'],
  [/^(debug|dbg|d|fine)$/i, 'debug'],
  [/^(trace|finer|finest|verbose|t)$/i, 'trace'],
];

function levelOfWord(word: unknown): LogLevel | undefined {
  if (typeof word === 'number') {
    // pino/bunyan numbers: 10 trace … 60 fatal.
    if (word >= 60) return 'fatal';
    if (word >= 50) return 'error';
    if (word >= 40) return 'warn';
    if (word >= 30) return 'info';
    if (word >= 20) return 'debug';
    return 'trace';
  }
  if (typeof word !== 'string') return undefined;
  const w = word.trim();
  for (const [re, level] of LEVEL_WORDS) if (re.test(w)) return level;
  return undefined;
}

/** The line's fields when it is a JSON object; undefined for anything else (cheaply rejected). */
export function jsonFields(text: string): Record<string, unknown> | undefined {
  const t = text.trimStart();
  if (!t.startsWith('{') || !text.trimEnd().endsWith('}')) return undefined;
  try {
    const v: unknown = JSON.parse(t);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const JSON_LEVEL_KEYS = ['level', 'lvl', 'severity', 'log.level', 'loglevel', 'levelname', 'status'];

// Where a plain-text line states its level: "level=warn", "[ERROR]", "ERROR:", "E0612 …" (klog), "W: …".
const LOGFMT_LEVEL = /\b(?:level|lvl|severity)=["']?([A-Za-z]+)/i;
const BRACKETED = /(?:^|[\s[(<|])(FATAL|PANIC|CRITICAL|CRIT|ERROR|ERR|WARNING|WARN|INFO|NOTICE|DEBUG|TRACE)(?=[\s\]):>|]|$)/;
const KLOG = /^([IWEF])\d{4} \d{2}:\d{2}:\d{2}/;

export function detectLevel(text: string, fields?: Record<string, unknown>): LogLevel | undefined {
  if (fields) {
    for (const k of JSON_LEVEL_KEYS) {
      const v = k.includes('.') ? (fields['log'] as Record<string, unknown> | undefined)?.['level'] ?? fields[k] : fields[k];
      const level = levelOfWord(v);
      if (level) return level;
    }
  }
  const klog = KLOG.exec(text);
  if (klog) return levelOfWord(klog[1]);
  const logfmt = LOGFMT_LEVEL.exec(text);
  if (logfmt) return levelOfWord(logfmt[1]);
  // Only the first 120 characters: a level word deep inside a message is usually not the line's level.
  const word = BRACKETED.exec(text.slice(0, 120));
  return word ? levelOfWord(word[1]) : undefined;
}

export function isErrorLevel(level: LogLevel | undefined): boolean {
  return level === 'error' || level === 'fatal';
}
