/**
 * How a deploy rolls out on swarm: the service's UpdateConfig (and RollbackConfig), from the
 * environment's `update:` section in prodlike.yaml or these defaults.
 *
 * Defaults, and why:
 * - failure action `rollback`: a deploy that does not come up puts the old version back by itself,
 *   without waiting for anyone (swarm does this server-side, so it happens even if prodlike is gone);
 * - order `start-first` where ports allow: the new task runs before the old one stops, so a
 *   single replica has no gap. Not when the service publishes a port in host mode or runs on the
 *   host network: the new task would bind the same port on the same node as the old one and fail;
 * - monitor 5 s: a task that dies within 5 s of starting counts as a failed update;
 * - parallelism 1, no delay, no tolerated failures: one task at a time, the first failure decides.
 */
import { ProdlikeError } from '../errors';
import type { SwarmUpdateConfig } from '../config/types';
import type { ServiceSpec, SwarmUpdateConfigSpec } from './schema';

export const DEFAULT_MONITOR = '5s';

const UNITS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go-style duration ("200ms", "5s", "1m30s") → nanoseconds, as the engine's API wants them. */
export function parseDuration(text: string): number {
  const s = text.trim();
  if (s === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s))) {
    total += Number(m[1]) * UNITS[m[2]!]!;
    matched = re.lastIndex;
  }
  if (matched === 0 || matched !== s.length) {
    throw new ProdlikeError('config-invalid', `"${text}" is not a duration.`, 'Write durations like 500ms, 5s or 1m30s.');
  }
  return Math.round(total);
}

export function formatDuration(ns: number): string {
  if (ns % 1e9 === 0) return `${ns / 1e9}s`;
  return `${Math.round(ns / 1e6)}ms`;
}

/** True when two tasks of this service on one node would fight over a port. */
export function bindsHostPorts(spec: ServiceSpec, hostNetworkIds: ReadonlySet<string>): boolean {
  const hostModePorts = (spec.EndpointSpec?.Ports ?? []).some((p) => p.PublishMode === 'host');
  const onHostNetwork = (spec.TaskTemplate.Networks ?? []).some((n) => hostNetworkIds.has(n.Target) || n.Target === 'host');
  return hostModePorts || onHostNetwork;
}

/** The update and rollback configs a deploy writes into the service spec. */
export function updateConfigFor(
  wanted: SwarmUpdateConfig | undefined,
  spec: ServiceSpec,
  hostNetworkIds: ReadonlySet<string>,
): { UpdateConfig: SwarmUpdateConfigSpec; RollbackConfig: SwarmUpdateConfigSpec } {
  const order = wanted?.order ?? (bindsHostPorts(spec, hostNetworkIds) ? 'stop-first' : 'start-first');
  const monitor = parseDuration(wanted?.monitor ?? DEFAULT_MONITOR);
  const update: SwarmUpdateConfigSpec = {
    ...(spec.UpdateConfig ?? {}),
    Parallelism: wanted?.parallelism ?? 1,
    Delay: parseDuration(wanted?.delay ?? '0'),
    FailureAction: wanted?.failureAction ?? 'rollback',
    Monitor: monitor,
    MaxFailureRatio: 0,
    Order: order,
  };
  // Rolling back uses the same pace; if the rollback itself fails, stop there for a person to look.
  const rollback: SwarmUpdateConfigSpec = {
    ...(spec.RollbackConfig ?? {}),
    Parallelism: update.Parallelism,
    Delay: update.Delay,
    FailureAction: 'pause',
    Monitor: monitor,
    MaxFailureRatio: 0,
    Order: order,
  };
  return { UpdateConfig: update, RollbackConfig: rollback };
}
