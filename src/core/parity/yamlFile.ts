/**
 * Reading YAML for rules that must point at a line: every document of a file, its plain value, and
 * a way back from a path in that value to a position in the text.
 *
 * Hostile or broken input becomes hits, never exceptions: syntax errors keep their position; alias
 * bombs (yaml's maxAliasCount) and nesting deeper than a bound are refused before or while the value
 * is built. Deep nesting is measured by a cheap scan *before* parsing, because very deep documents
 * parsed repeatedly have killed Node outright (a V8 stack overflow that no catch sees). Files are
 * parsed as YAML 1.1, which is what Kubernetes reads (`defaultMode: 0755` is octal).
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

export function readYaml(text: string): YamlFile {
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
  const hits: Hit[] = [];
  let docs: Document.Parsed[];
  try {
    docs = parseAllDocuments(text, { version: '1.1', lineCounter, prettyErrors: false, keepSourceTokens: false }) as Document.Parsed[];
  } catch (e) {
    return { documents: [], hits: [{ ruleId: 'yaml-invalid', message: `YAML cannot be read: ${String(e)}`, start: { line: 1, column: 1 } }] };
  }
  if (!Array.isArray(docs)) docs = [docs];
  const documents: YamlDocument[] = [];
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
    const docStart = pos(doc.range[0]);
    documents.push({
      index,
      value,
      rangeOf(path, key = false) {
        let node: unknown = doc.contents;
        let keyNode: unknown;
        let best: Node | undefined = doc.contents ?? undefined;
        for (const step of path) {
          keyNode = undefined;
          if (isMap(node)) {
            const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === step);
            if (!pair) break;
            keyNode = pair.key;
            node = pair.value;
          } else if (isSeq(node) && typeof step === 'number') {
            node = node.items[step];
          } else break;
          if (node && typeof node === 'object' && 'range' in node && (node as Node).range) best = node as Node;
          else if (keyNode) best = keyNode as Node;
        }
        const target = key && keyNode && (keyNode as Node).range ? (keyNode as Node) : best;
        if (!target?.range) return { start: docStart, end: docStart };
        return { start: pos(target.range[0]), end: pos(target.range[1]) };
      },
    });
  });
  return { documents, hits };
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
