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

const LEVEL_WORDS: [string[], LogLevel][] = [
  [['fatal', 'panic', 'crit', 'critical', 'emerg', 'emergency', 'alert'], 'fatal'],
  [['err', 'error', 'severe', 'e'], 'error'],
  [['warn', 'warning', 'w'], 'warn'],
  [['info', 'information', 'notice', 'i'], 'info'],
  [['debug', 'dbg', 'd', 'fine'], 'debug'],
  [['trace', 'finer', 'finest', 'verbose', 't'], 'trace'],
];
/** Level words in lower case: one lookup per word, not a regular expression per level. */
const LEVEL_OF_WORD = new Map<string, LogLevel>(LEVEL_WORDS.flatMap(([words, level]) => words.map((w) => [w, level] as const)));

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
  // Any letter case ("ERROR", "Warn"); the words are ASCII, so lowercasing matches exactly what a case-insensitive comparison would.
  return LEVEL_OF_WORD.get(word.trim().toLowerCase());
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
// Each is tried only on lines that can hold it (a first letter, an "=", a level word), and the level
// word is searched for before what must precede it: most lines have none, and are rejected without
// trying the alternatives at every character.
const LOGFMT_LEVEL = /\b(?:level|lvl|severity)=["']?([A-Za-z]+)/i;
const LEVEL_WORD = /(?:FATAL|PANIC|CRITICAL|CRIT|ERROR|ERR|WARNING|WARN|INFO|NOTICE|DEBUG|TRACE)(?=[\s\]):>|]|$)/g;
/** What may stand before a level word: the start of the line, a space or an opening bracket. */
const BEFORE_WORD = /[\s[(<|]/;
const KLOG = /^([IWEF])\d{4} \d{2}:\d{2}:\d{2}/;

/** The first level word of `text` that stands on its own ("[ERROR]", "WARN:"), or undefined. */
function bracketedWord(text: string): string | undefined {
  // Only the first 120 characters: a level word deep inside a message is usually not the line's level.
  const head = text.length > 120 ? text.slice(0, 120) : text;
  LEVEL_WORD.lastIndex = 0;
  for (let m = LEVEL_WORD.exec(head); m; m = LEVEL_WORD.exec(head)) {
    if (m.index === 0 || BEFORE_WORD.test(head[m.index - 1]!)) return m[0];
    LEVEL_WORD.lastIndex = m.index + 1;
  }
  return undefined;
}

export function detectLevel(text: string, fields?: Record<string, unknown>): LogLevel | undefined {
  if (fields) {
    for (const k of JSON_LEVEL_KEYS) {
      const v = k.includes('.') ? (fields['log'] as Record<string, unknown> | undefined)?.['level'] ?? fields[k] : fields[k];
      const level = levelOfWord(v);
      if (level) return level;
    }
  }
  const first = text.charCodeAt(0);
  if (first === 73 /* I */ || first === 87 /* W */ || first === 69 /* E */ || first === 70 /* F */) {
    const klog = KLOG.exec(text);
    if (klog) return levelOfWord(klog[1]);
  }
  if (text.includes('=')) {
    const logfmt = LOGFMT_LEVEL.exec(text);
    if (logfmt) return levelOfWord(logfmt[1]);
  }
  const word = bracketedWord(text);
  return word ? levelOfWord(word) : undefined;
}

export function isErrorLevel(level: LogLevel | undefined): boolean {
  return level === 'error' || level === 'fatal';
}
