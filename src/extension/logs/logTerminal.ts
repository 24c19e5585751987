/**
 * A log tail as a terminal (a pseudoterminal per tail): core's merged, redacted, reconnecting tail
 * (src/core/logs) rendered with one colour per source. Lines are written in batches (every 100 ms)
 * and a batch is capped, so a fast stream never freezes the window (an output channel froze at 1M
 * lines, FIELD-NOTES); what was skipped is said, never silently dropped. Closing the terminal ends
 * the tail and its streams.
 */
import * as vscode from 'vscode';
import type { Cluster, WorkloadRef } from '../../core/cluster/types';
import { clustersCoreModule, type ClustersCore } from '../lazy';
import { describe } from '../errors';

const FLUSH_MS = 100;
/** Lines kept between flushes; older ones are counted and reported as skipped. */
const MAX_PENDING = 5000;
const COLORS = [36, 33, 35, 32, 34, 31];
const DIM = '\x1b[2m';
const RESET = '\x1b[0m';

export interface TailRequest {
  cluster: Cluster;
  ref: WorkloadRef;
  /** Only this pod (or swarm task). */
  pod?: string;
}

function discovery(core: typeof ClustersCore, req: TailRequest, signal: AbortSignal) {
  if (req.cluster instanceof core.KubeCluster) {
    return core.kubeDiscovery({ cluster: req.cluster, namespace: req.ref.namespace, workload: req.ref.name }, { follow: true }, signal);
  }
  const engine = core.openEngine({ url: req.cluster.identity.server, from: 'argument' });
  return core.swarmDiscovery({ engine, cluster: req.cluster.identity.name, service: req.ref.name, namespace: req.ref.namespace }, { follow: true }, signal);
}

/** Terminal text: CR LF line ends, no control sequences from the app itself except colour. */
function clean(text: string): string {
  // eslint-disable-next-line no-control-regex -- stripping control characters is the point
  return text.replace(/\r?\n/g, '\r\n').replace(/[\x00-\x08\x0b-\x1a\x1c-\x1f\x7f]/g, '');
}

/** Writes lines into a terminal in batches; what the produce function pushes is shown, capped per flush. */
export type PushLine = (line: string) => void;

/**
 * A pseudoterminal fed by `produce` until its signal aborts (the terminal closed, or Ctrl+C). Shared
 * by workload tails and container logs, so both batch and cap the same way.
 */
export function openBatchedTerminal(name: string, produce: (push: PushLine, signal: AbortSignal) => Promise<void>): vscode.Terminal {
  const write = new vscode.EventEmitter<string>();
  const close = new vscode.EventEmitter<number | void>();
  const controller = new AbortController();
  let pending: string[] = [];
  let skipped = 0;
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    if (skipped > 0) {
      write.fire(`${DIM}… ${skipped} lines skipped: the log is faster than the terminal can show${RESET}\r\n`);
      skipped = 0;
    }
    if (pending.length) write.fire(pending.join(''));
    pending = [];
  };
  const push = (line: string) => {
    pending.push(line);
    if (pending.length > MAX_PENDING) {
      pending.shift();
      skipped++;
    }
    timer ??= setTimeout(flush, FLUSH_MS);
  };
  const pty: vscode.Pseudoterminal = {
    onDidWrite: write.event,
    onDidClose: close.event,
    open: () => void produce(push, controller.signal),
    close: () => {
      controller.abort();
      clearTimeout(timer);
      write.dispose();
      close.dispose();
    },
    handleInput: (data) => {
      // Ctrl+C stops the tail but keeps what was shown.
      if (data === '\x03' && !controller.signal.aborted) {
        controller.abort();
        flush();
        write.fire(`${DIM}prodlike: stopped.${RESET}\r\n`);
      }
    },
  };
  return vscode.window.createTerminal({ name, pty, iconPath: new vscode.ThemeIcon('output') });
}

export function openLogTerminal(req: TailRequest): vscode.Terminal {
  return openBatchedTerminal(`logs: ${req.pod ?? req.ref.name}`, async (push, signal) => {
    const core = clustersCoreModule();
    const what = req.pod ? `${req.ref.namespace}/${req.pod}` : `${req.ref.namespace}/${req.ref.name}`;
    push(`${DIM}prodlike: following ${what} on ${req.cluster.identity.name} (${req.cluster.identity.server}); close this terminal to stop.${RESET}\r\n`);
    try {
      for await (const e of core.tailLogs(discovery(core, req, signal), { follow: true, tail: 200 }, signal)) {
        if (e.type === 'notice') {
          const n = e.notice;
          if (n.type === 'source-started') push(`${DIM}— ${n.source} ${n.resumed ? 'resumed' : 'started'}${RESET}\r\n`);
          else if (n.type === 'source-ended') push(`${DIM}— ${n.source} ended: ${n.reason}${RESET}\r\n`);
          else if (n.type === 'reconnecting') push(`${DIM}— ${n.source} reconnecting (${n.reason})${RESET}\r\n`);
          else if (n.type === 'source-failed') push(`\x1b[31m— ${n.source} failed: ${n.reason}${RESET}\r\n`);
          else push(`${DIM}— ${n.message}${RESET}\r\n`);
          continue;
        }
        if (req.pod && e.source.pod !== req.pod) continue;
        const color = COLORS[e.color % COLORS.length];
        const prefix = `\x1b[${color}m${e.source.pod}${e.source.container ? `/${e.source.container}` : ''}${RESET}`;
        push(`${prefix} ${e.stream === 'stderr' ? '\x1b[91m' : ''}${clean(e.text)}${e.stream === 'stderr' ? RESET : ''}\r\n`);
      }
      if (!signal.aborted) push(`${DIM}prodlike: the log ended.${RESET}\r\n`);
    } catch (err) {
      if (!signal.aborted) push(`\x1b[31mprodlike: ${clean(describe(err))}${RESET}\r\n`);
    }
  });
}

/** A local container's log (a parity run), followed from its last 200 lines; redacted like every tail. */
export function openContainerLogTerminal(engine: ClustersCore.Engine, container: string): vscode.Terminal {
  return openBatchedTerminal(`logs: ${container}`, async (push, signal) => {
    const core = clustersCoreModule();
    // Token and key patterns are masked here as in every tail (the container's own Secret values are not known to a log view).
    const redactor = new core.Redactor();
    push(`${DIM}prodlike: following container ${container} on ${engine.endpoint.url}; close this terminal to stop.${RESET}\r\n`);
    try {
      for await (const line of core.containerLogs(engine, container, { follow: true, tail: 200, signal })) {
        const text = clean(redactor.redact(line.text));
        push(line.stream === 'stderr' ? `\x1b[91m${text}${RESET}\r\n` : `${text}\r\n`);
      }
      if (!signal.aborted) push(`${DIM}prodlike: the container's log ended.${RESET}\r\n`);
    } catch (err) {
      if (!signal.aborted) push(`\x1b[31mprodlike: ${clean(describe(err))}${RESET}\r\n`);
    }
  });
}
