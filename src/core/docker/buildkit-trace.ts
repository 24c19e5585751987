/**
 * BuildKit reports progress through the engine's build stream as `moby.buildkit.trace` messages:
 * base64 of a protobuf `moby.buildkit.v1.StatusResponse`. We read the few fields a progress line
 * needs (vertex name, cached, started/completed, error; per-vertex byte progress; log lines) with a
 * small wire-format reader. dockerode 5 has a decoder too, but it loads BuildKit's .proto file from
 * its own folder at run time through protobufjs, which breaks once the extension is bundled.
 * Unknown fields are skipped, as protobuf requires, so newer engines stay readable.
 */

export interface TraceVertex {
  digest: string;
  name: string;
  cached: boolean;
  started: boolean;
  completed: boolean;
  error?: string;
}
export interface TraceStatus {
  id: string;
  vertex: string;
  current: number;
  total: number;
}
export interface TraceLog {
  vertex: string;
  /** 1 stdout, 2 stderr. */
  stream: number;
  text: string;
}
export interface BuildkitTrace {
  vertexes: TraceVertex[];
  statuses: TraceStatus[];
  logs: TraceLog[];
}

type Field = { no: number; wire: number; int?: number; bytes?: Uint8Array };

function* fields(buf: Uint8Array): Generator<Field> {
  let pos = 0;
  const varint = (): number => {
    let result = 0;
    let mul = 1;
    for (;;) {
      if (pos >= buf.length) throw new Error('truncated varint');
      const b = buf[pos++]!;
      result += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return result;
      mul *= 128;
    }
  };
  while (pos < buf.length) {
    const key = varint();
    const no = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) yield { no, wire, int: varint() };
    else if (wire === 2) {
      const len = varint();
      if (pos + len > buf.length) throw new Error('truncated field');
      yield { no, wire, bytes: buf.subarray(pos, pos + len) };
      pos += len;
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
}

const text = (b: Uint8Array | undefined) => (b ? Buffer.from(b).toString('utf8') : '');

/** Decodes one trace payload (the base64 `aux` string). Throws on bytes that are not a StatusResponse. */
export function decodeBuildkitTrace(base64: string): BuildkitTrace {
  const out: BuildkitTrace = { vertexes: [], statuses: [], logs: [] };
  for (const f of fields(Buffer.from(base64, 'base64'))) {
    if (f.no === 1 && f.bytes) {
      const v: TraceVertex = { digest: '', name: '', cached: false, started: false, completed: false };
      for (const g of fields(f.bytes)) {
        if (g.no === 1) v.digest = text(g.bytes);
        else if (g.no === 3) v.name = text(g.bytes);
        else if (g.no === 4) v.cached = g.int === 1;
        else if (g.no === 5) v.started = true;
        else if (g.no === 6) v.completed = true;
        else if (g.no === 7) v.error = text(g.bytes) || undefined;
      }
      out.vertexes.push(v);
    } else if (f.no === 2 && f.bytes) {
      const s: TraceStatus = { id: '', vertex: '', current: 0, total: 0 };
      for (const g of fields(f.bytes)) {
        if (g.no === 1) s.id = text(g.bytes);
        else if (g.no === 2) s.vertex = text(g.bytes);
        else if (g.no === 4) s.current = g.int ?? 0;
        else if (g.no === 5) s.total = g.int ?? 0;
      }
      out.statuses.push(s);
    } else if (f.no === 3 && f.bytes) {
      const l: TraceLog = { vertex: '', stream: 1, text: '' };
      for (const g of fields(f.bytes)) {
        if (g.no === 1) l.vertex = text(g.bytes);
        else if (g.no === 3) l.stream = g.int ?? 1;
        else if (g.no === 4) l.text = text(g.bytes);
      }
      out.logs.push(l);
    }
  }
  return out;
}
