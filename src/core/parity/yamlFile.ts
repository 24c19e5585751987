/**
 * Reading YAML for rules that must point at a line: every document of a file, its plain value, and
 * a way back from a path in that value to a position in the text.
 *
 * Hostile or broken input becomes hits, never exceptions: syntax errors keep their position; alias
 * bombs (yaml's maxAliasCount) and nesting deeper than a bound are refused before or while the value
 * is built. Deep nesting is measured by a cheap scan *before* parsing, because very deep documents
 * parsed repeatedly have killed Node outright (a V8 stack overflow that no catch sees). Files are
 * parsed as YAML 1.1, which is what Kubernetes reads (`defaultMode: 0755` is octal).
 *
 * Parsing (`parseYaml`) yields plain data — values and a table of node positions by path — so it
 * can run in a worker thread (yamlPool.ts); `yamlFileOf` turns that data into documents that answer
 * `rangeOf`.
 */
import { LineCounter, parseAllDocuments, isMap, isPair, isScalar, isSeq, type Document, type Node } from 'yaml';
import type { Hit, Position } from './model';

export const MAX_YAML_DEPTH = 64;
export const MAX_YAML_ALIASES = 100;

export interface YamlDocument {
  /** 0-based index of the document in its file. */
  index: number;
  value: unknown;
  /** Where a value (or, with `key`, its key) is in the text; the nearest existing parent when the path is missing. */
  rangeOf(path: readonly (string | number)[], key?: boolean): { start: Position; end: Position };
}

export interface YamlFile {
  documents: YamlDocument[];
  /** yaml-invalid / input-refused hits, with positions. */
  hits: Hit[];
}

/** [start line, start column, end line, end column], 1-based. */
type Span = [number, number, number, number];

/**
 * One parsed document as plain data, so it can cross from a worker thread (structured clone)
 * without the syntax tree: the value, and the position of every node by its path. Paths are keyed
 * by `pathKey`, which tells `"80"` (a string key) from `80` (a number key or a list index).
 */
export interface YamlDocumentData {
  index: number;
  value: unknown;
  start: Span;
  root?: Span;
  values: Map<string, Span>;
  keys: Map<string, Span>;
}

export interface YamlFileData {
  documents: YamlDocumentData[];
  hits: Hit[];
}

const step = (parent: string, s: string | number): string => parent + ',' + JSON.stringify(s);

/** Parse (here or in a worker) and attach positions: `readYaml(text) = yamlFileOf(parseYaml(text))`. */
export function readYaml(text: string): YamlFile {
  return yamlFileOf(parseYaml(text));
}

export function parseYaml(text: string): YamlFileData {
  const deep = nestingBeyond(text, MAX_YAML_DEPTH);
  if (deep) {
    return {
      documents: [],
      hits: [{ ruleId: 'input-refused', message: `YAML nested deeper than ${MAX_YAML_DEPTH} levels; not parsed.`, start: deep }],
    };
  }
  const lineCounter = new LineCounter();
  const pos = (offset: number): Position => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const span = (range: readonly number[]): Span => {
    const a = lineCounter.linePos(range[0]!);
    const b = lineCounter.linePos(range[1]!);
    return [a.line, a.col, b.line, b.col];
  };
  const hits: Hit[] = [];
  let docs: Document.Parsed[];
  try {
    docs = parseAllDocuments(text, { version: '1.1', lineCounter, prettyErrors: false, keepSourceTokens: false }) as Document.Parsed[];
  } catch (e) {
    return { documents: [], hits: [{ ruleId: 'yaml-invalid', message: `YAML cannot be read: ${String(e)}`, start: { line: 1, column: 1 } }] };
  }
  if (!Array.isArray(docs)) docs = [docs];
  const documents: YamlDocumentData[] = [];
  docs.forEach((doc, index) => {
    if (doc.errors.length > 0) {
      for (const err of doc.errors.slice(0, 3)) {
        hits.push({ ruleId: 'yaml-invalid', message: `Invalid YAML: ${firstLine(err.message)}`, start: pos(err.pos[0]), end: pos(err.pos[1]) });
      }
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
    } catch (e) {
      const message = String((e as Error).message ?? e);
      const bomb = /alias/i.test(message);
      hits.push({
        ruleId: bomb ? 'input-refused' : 'yaml-invalid',
        message: bomb ? `YAML expands too many aliases (more than ${MAX_YAML_ALIASES}); not read.` : `Invalid YAML: ${firstLine(message)}`,
        start: pos(doc.range[0]),
      });
      return;
    }
    const values = new Map<string, Span>();
    const keys = new Map<string, Span>();
    // Depth is bounded by the nesting scan above; aliases are not followed (a path through one stops there).
    const walk = (node: unknown, at: string): void => {
      if (isMap(node)) {
        for (const p of node.items) {
          if (!isPair(p) || !isScalar(p.key)) continue;
          const k = p.key.value;
          if (typeof k !== 'string' && typeof k !== 'number') continue;
          const child = step(at, k);
          if (keys.has(child)) continue; // a duplicate key: the first one is the one found
          if (p.key.range) keys.set(child, span(p.key.range));
          const v = p.value as Node | null;
          if (v?.range) values.set(child, span(v.range));
          walk(v, child);
        }
      } else if (isSeq(node)) {
        node.items.forEach((item, i) => {
          const v = item as Node | null;
          if (!v?.range) return;
          const child = step(at, i);
          values.set(child, span(v.range));
          walk(v, child);
        });
      }
    };
    walk(doc.contents, '');
    const root = (doc.contents as Node | null)?.range;
    documents.push({ index, value, start: span([doc.range[0], doc.range[0]]), ...(root ? { root: span(root) } : {}), values, keys });
  });
  return { documents, hits };
}

export function yamlFileOf(data: YamlFileData): YamlFile {
  return { hits: data.hits, documents: data.documents.map(documentOf) };
}

function documentOf(d: YamlDocumentData): YamlDocument {
  const toRange = (s: Span) => ({ start: { line: s[0], column: s[1] }, end: { line: s[2], column: s[3] } });
  return {
    index: d.index,
    value: d.value,
    rangeOf(path, key = false) {
      let best = d.root;
      let keySpan: Span | undefined;
      let at = '';
      for (const s of path) {
        keySpan = undefined;
        const child = step(at, s);
        const v = d.values.get(child);
        const k = d.keys.get(child);
        if (!v && !k) break;
        at = child;
        keySpan = k;
        best = v ?? k ?? best;
      }
      const target = key && keySpan ? keySpan : best;
      return toRange(target ?? d.start);
    },
  };
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.trim();
}

/**
 * The position where nesting first exceeds `max`, by a scan of indentation and flow brackets that
 * does not build anything (so it cannot overflow a stack). Quoted strings and comments are skipped
 * well enough for a bound; it errs towards counting, never towards missing.
 */
export function nestingBeyond(text: string, max: number): Position | undefined {
  const indents: number[] = [];
  let flow = 0;
  let line = 1;
  let i = 0;
  const n = text.length;
  while (i < n) {
    // Start of a line: measure block indentation (spaces, then "- " sequence markers).
    let col = 0;
    while (i < n && text[i] === ' ') {
      i++;
      col++;
    }
    let depthOnLine = 0;
    while (i + 1 < n && text[i] === '-' && (text[i + 1] === ' ' || text[i + 1] === '\n')) {
      depthOnLine++;
      i += 2;
      col += 2;
      while (i < n && text[i] === ' ') {
        i++;
        col++;
      }
    }
    const blank = i >= n || text[i] === '\n' || text[i] === '#' || text[i] === '\r';
    if (!blank && flow === 0) {
      const indent = col - depthOnLine * 2;
      while (indents.length > 0 && indents[indents.length - 1]! >= indent + 1 && indents[indents.length - 1]! > indent) indents.pop();
      if (indents.length === 0 || indents[indents.length - 1]! < indent) indents.push(indent);
      if (indents.length + depthOnLine > max) return { line, column: col + 1 };
    }
    // Rest of the line: flow brackets outside quotes.
    let quote: string | undefined;
    while (i < n && text[i] !== '\n') {
      const c = text[i]!;
      if (quote) {
        if (c === quote) quote = undefined;
        else if (c === '\\' && quote === '"') i++;
      } else if (c === '"' || c === "'") {
        // A quote starts a string only at the start of a scalar; apostrophes inside words are text.
        const prev = text[i - 1];
        if (prev === undefined || /[\s,[{:]/.test(prev)) quote = c;
      } else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) {
        while (i < n && text[i] !== '\n') i++;
        break;
      } else if (c === '[' || c === '{') {
        flow++;
        if (flow + indents.length > max) return { line, column: i - text.lastIndexOf('\n', i - 1) };
      } else if (c === ']' || c === '}') {
        if (flow > 0) flow--;
      }
      i++;
    }
    i++;
    line++;
  }
  return undefined;
}
