/**
 * The revision history of a swarm service, kept on the engine itself.
 *
 * Swarm remembers only the spec before the current one (PreviousSpec). prodlike keeps the last N
 * deployed specs as swarm *config objects*, one per revision, named `prodlike-history-<service
 * ID>-<n>` and labelled with the service ID and revision number. Why there:
 *
 * - it lives in the swarm's raft store, so it survives prodlike, the editor, a new laptop and an
 *   engine restart, and every manager (and every teammate's prodlike) sees the same history — a
 *   local file would not;
 * - not in a label on the service: swarm's own rollback (automatic on a failed update, or
 *   `docker service rollback`) restores the whole previous spec, labels included, and would
 *   silently drop the newest entries. Config objects are outside the service spec, so no
 *   rollback rewrites them;
 * - a config object's data cannot change once written, which suits a record of a fact ("revision 4
 *   was this image, deployed then, because …"); the unique name doubles as the lock that hands out
 *   revision numbers when two people deploy at once;
 * - keyed by service ID, not name: a service removed and re-created under the same name starts a
 *   new history instead of inheriting one that does not belong to it.
 *
 * The record holds the task template (what a rollback restores, as `kubectl rollout undo` restores
 * the pod template). The service spec it copies is readable by anyone who can read the service, so
 * the record exposes nothing new; it is never printed.
 */
import type Dockerode from 'dockerode';
import { z } from 'zod';
import { messageOf, ProdlikeError } from '../errors';
import { ConfigObjectSchema, parseEngineList, type SwarmConfigObject } from './schema';

export const HISTORY_LABEL = 'dev.prodlike.history';
export const HISTORY_SERVICE_LABEL = 'dev.prodlike.history.service-id';
export const HISTORY_REVISION_LABEL = 'dev.prodlike.history.revision';
/** As Kubernetes' revisionHistoryLimit. */
export const DEFAULT_HISTORY_LIMIT = 10;

const RecordSchema = z.looseObject({
  format: z.literal(1),
  serviceId: z.string(),
  serviceName: z.string(),
  revision: z.number().int().positive(),
  image: z.string(),
  cause: z.string().optional(),
  createdAt: z.string(),
  taskTemplate: z.record(z.string(), z.unknown()),
});

export type HistoryRecord = z.infer<typeof RecordSchema> & { configId: string };

export interface NewRecord {
  serviceId: string;
  serviceName: string;
  image: string;
  cause?: string;
  createdAt?: string;
  taskTemplate: Record<string, unknown>;
}

export function recordName(serviceId: string, revision: number): string {
  return `prodlike-history-${serviceId}-${revision}`;
}

function decode(config: SwarmConfigObject): HistoryRecord | undefined {
  try {
    const json: unknown = JSON.parse(Buffer.from(config.Spec.Data ?? '', 'base64').toString('utf8'));
    const r = RecordSchema.safeParse(json);
    // A record we cannot read (written by a newer prodlike, or by hand) is left alone, not fatal.
    return r.success ? { ...r.data, configId: config.ID } : undefined;
  } catch {
    return undefined;
  }
}

export class ServiceHistory {
  constructor(
    private readonly docker: Dockerode,
    readonly limit = DEFAULT_HISTORY_LIMIT,
  ) {}

  /** The records of one service, oldest first. */
  async list(serviceId: string, signal?: AbortSignal): Promise<HistoryRecord[]> {
    const raw: unknown = await this.docker.listConfigs({ filters: JSON.stringify({ label: [`${HISTORY_SERVICE_LABEL}=${serviceId}`] }), abortSignal: signal } as object);
    return parseEngineList(ConfigObjectSchema, raw, 'a config object list')
      .map(decode)
      .filter((r): r is HistoryRecord => r !== undefined && r.serviceId === serviceId)
      .sort((a, b) => a.revision - b.revision);
  }

  /**
   * Writes the next revision. The number is the highest known plus one; if someone else took it
   * in the meantime the engine refuses the duplicate name (409) and we take the next.
   */
  async append(record: NewRecord, known: HistoryRecord[], signal?: AbortSignal): Promise<HistoryRecord> {
    let revision = Math.max(0, ...known.map((r) => r.revision)) + 1;
    for (let attempt = 0; attempt < 8; attempt++, revision++) {
      const body = {
        format: 1 as const,
        serviceId: record.serviceId,
        serviceName: record.serviceName,
        revision,
        image: record.image,
        cause: record.cause,
        createdAt: record.createdAt ?? new Date().toISOString(),
        taskTemplate: record.taskTemplate,
      };
      try {
        const created = (await this.docker.createConfig({
          Name: recordName(record.serviceId, revision),
          Labels: {
            [HISTORY_LABEL]: '1',
            [HISTORY_SERVICE_LABEL]: record.serviceId,
            [HISTORY_REVISION_LABEL]: String(revision),
            'dev.prodlike.history.service': record.serviceName,
          },
          Data: Buffer.from(JSON.stringify(body)).toString('base64'),
          abortSignal: signal,
        } as object)) as { id?: string; ID?: string };
        return { ...body, configId: created.id ?? created.ID ?? '' };
      } catch (e) {
        if ((e as { statusCode?: number }).statusCode === 409) continue;
        throw new ProdlikeError('deploy-failed', `Cannot record revision ${revision} of ${record.serviceName} on the engine: ${messageOf(e)}`, undefined, { cause: e });
      }
    }
    throw new ProdlikeError('deploy-failed', `Cannot find a free revision number for ${record.serviceName}: too many concurrent deploys.`, 'Retry the deploy.');
  }

  async remove(record: HistoryRecord): Promise<void> {
    try {
      await this.docker.getConfig(record.configId).remove();
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode !== 404) throw e;
    }
  }

  /** Keeps the newest `limit` records; older ones are removed (best effort: a failure leaves an extra record, nothing worse). */
  async prune(records: HistoryRecord[]): Promise<HistoryRecord[]> {
    const sorted = [...records].sort((a, b) => a.revision - b.revision);
    const drop = sorted.slice(0, Math.max(0, sorted.length - this.limit));
    for (const r of drop) await this.remove(r).catch(() => undefined);
    return sorted.slice(drop.length);
  }

  /**
   * Removes the history of services that no longer exist (a removed service leaves its records
   * behind otherwise). The records are listed before the services: a record written after our
   * list of services was taken is then not mistaken for an orphan.
   */
  async removeOrphans(listServiceIds: () => Promise<ReadonlySet<string>>, signal?: AbortSignal): Promise<number> {
    const raw: unknown = await this.docker.listConfigs({ filters: JSON.stringify({ label: [HISTORY_LABEL] }), abortSignal: signal } as object);
    const configs = parseEngineList(ConfigObjectSchema, raw, 'a config object list');
    if (configs.length === 0) return 0;
    const existing = await listServiceIds();
    let removed = 0;
    for (const c of configs) {
      const id = c.Spec.Labels?.[HISTORY_SERVICE_LABEL];
      if (id && !existing.has(id)) {
        await this.docker.getConfig(c.ID).remove().catch(() => undefined);
        removed++;
      }
    }
    return removed;
  }
}
