// A stand-in Docker engine on a unix socket, for faults a real engine will not produce on demand:
// malformed JSON, a UTF-8 character split across chunks, a last line without newline, a stream that
// never ends. prodlike talks to it through the real dockerode, as it talks to a real engine.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEngine, type Engine } from '../../../src/core/docker/engine';

export type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

export interface FakeEngine {
  engine: Engine;
  /** Paths requested, in order (with query strings). */
  requests: string[];
  close(): Promise<void>;
}

export async function startFakeEngine(routes: Record<string, Handler>): Promise<FakeEngine> {
  const dir = mkdtempSync(join(tmpdir(), 'prodlike-fake-engine-'));
  const socket = join(dir, 'docker.sock');
  const requests: string[] = [];
  const open = new Set<ServerResponse>();
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? '');
    open.add(res);
    res.on('close', () => open.delete(res));
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '').replace(/^\/v[\d.]+/, '').split('?')[0]!;
      const handler = routes[path] ?? (path === '/_ping' ? (_q, r) => r.end('OK') : undefined);
      if (!handler) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: `no route ${path}` }));
        return;
      }
      handler(req, res, Buffer.concat(chunks));
    });
  });
  await new Promise<void>((ok) => server.listen(socket, ok));
  return {
    engine: openEngine({ url: `unix://${socket}`, from: 'argument' }),
    requests,
    close: async () => {
      for (const res of open) res.destroy();
      await new Promise<void>((ok) => server.close(() => ok()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Answers with these raw chunks (a JSON-lines body), pausing a tick between them. */
export function chunks(parts: (string | Buffer)[], opts: { end?: boolean } = {}): Handler {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    let i = 0;
    const next = () => {
      if (i < parts.length) {
        res.write(parts[i++]!);
        setTimeout(next, 5);
      } else if (opts.end !== false) res.end();
    };
    next();
  };
}
