/**
 * The parity diff: production (the manifests, over the image's own defaults) next to the local
 * run (what the engine reports for the container), field by field. Secret values are compared
 * but never shown: a row says "same" or "differs" and prints a mask.
 */
import type Dockerode from 'dockerode';
import type { ResolvedEnvVar } from '../manifests';
import type { ProductionRunPlan } from './run-as-production';

export interface ParityRow {
  field: string;
  production: string;
  local: string;
  status: 'same' | 'differs' | 'not-local';
  secret?: boolean;
}

export interface ParityDiff {
  container: string;
  rows: ParityRow[];
  differences: number;
}

export const SECRET_MASK = '•••••• (secret)';

/**
 * Compares what production runs (`plan`, planned from the manifests) with what the container
 * `local` runs; `image` is the inspected image of the local container (for the defaults production
 * inherits: ENTRYPOINT/CMD, ENV, USER, WORKDIR, HEALTHCHECK).
 */
export function parityDiff(plan: ProductionRunPlan, productionDigest: string | undefined, local: Dockerode.ContainerInspectInfo, image: Dockerode.ImageInspectInfo): ParityDiff {
  const rows: ParityRow[] = [];
  const row = (field: string, production: string, localValue: string, secret = false) =>
    rows.push({ field, production: secret ? SECRET_MASK : production, local: secret ? SECRET_MASK : localValue, status: production === localValue ? 'same' : 'differs', ...(secret ? { secret } : {}) });
  const cfg = local.Config;
  const host = local.HostConfig;
  const list = (v: string[] | null | undefined) => (v && v.length ? JSON.stringify(v) : '(none)');

  row('image digest', productionDigest ?? '(not pinned)', cfg.Labels?.['dev.prodlike.digest'] ?? digestOf(cfg.Image) ?? '(unknown)');
  const prodEntrypoint = plan.entrypoint ?? image.Config.Entrypoint ?? undefined;
  const prodCmd = plan.cmd ?? (plan.entrypoint ? [] : image.Config.Cmd ?? undefined);
  row('command (entrypoint)', list(prodEntrypoint as string[] | undefined), list(cfg.Entrypoint as string[] | undefined));
  row('args (cmd)', list(prodCmd as string[] | undefined), list(cfg.Cmd));
  row('working dir', plan.workingDir ?? (image.Config.WorkingDir || '/'), cfg.WorkingDir || '/');
  row('user', plan.user ?? (image.Config.User || 'root (image default)'), cfg.User || 'root (image default)');
  row('read-only root filesystem', String(plan.readOnlyRootFilesystem), String(host.ReadonlyRootfs === true));
  row('memory limit', plan.memoryBytes ? String(plan.memoryBytes) : 'none', host.Memory ? String(host.Memory) : 'none');
  row('cpu limit', plan.nanoCpus ? `${plan.nanoCpus / 1e9}` : 'none', host.NanoCpus ? `${host.NanoCpus / 1e9}` : 'none');
  const prodPorts = plan.ports.map((p) => `${p.containerPort}/${p.protocol}`).sort().join(', ') || '(none)';
  const localPorts = Object.keys(cfg.ExposedPorts ?? {}).sort().join(', ') || '(none)';
  row('ports', prodPorts, localPorts);
  const published = Object.entries(host.PortBindings ?? {}).flatMap(([p, b]) => ((b as { HostIp: string; HostPort: string }[] | null) ?? []).map((x) => `${x.HostIp || '0.0.0.0'}:${x.HostPort}->${p}`));
  if (published.length) rows.push({ field: 'published on', production: '(cluster network)', local: published.join(', '), status: 'same' });

  // Environment: production = image ENV overlaid by the manifest's env; local = the container's.
  const prodEnv = new Map<string, ResolvedEnvVar | { value: string; secret: false }>();
  for (const kv of image.Config.Env ?? []) {
    const eq = kv.indexOf('=');
    prodEnv.set(kv.slice(0, eq), { value: kv.slice(eq + 1), secret: false });
  }
  for (const v of plan.env) prodEnv.set(v.name, v);
  const localEnv = new Map<string, string>();
  for (const kv of cfg.Env ?? []) {
    const eq = kv.indexOf('=');
    localEnv.set(kv.slice(0, eq), kv.slice(eq + 1));
  }
  for (const name of [...new Set([...prodEnv.keys(), ...localEnv.keys()])].sort()) {
    const p = prodEnv.get(name);
    const l = localEnv.get(name);
    const secret = p?.secret === true;
    if (p && 'source' in p && (p.source === 'field' || p.source === 'resource')) {
      rows.push({ field: `env ${name}`, production: `(from ${p.from})`, local: l ?? '(unset)', status: 'not-local' });
      continue;
    }
    const pv = p?.value ?? '(unset)';
    const lv = l ?? '(unset)';
    rows.push({ field: `env ${name}`, production: secret ? (p?.value === undefined ? '(unset)' : SECRET_MASK) : pv, local: secret ? (l === undefined ? '(unset)' : SECRET_MASK) : lv, status: pv === lv ? 'same' : 'differs', ...(secret ? { secret } : {}) });
  }

  // Probes are the orchestrator's; locally only the image's HEALTHCHECK runs.
  const probes = plan.probes.length ? plan.probes.join(', ') : '(none)';
  const health = image.Config.Healthcheck?.Test?.length ? `HEALTHCHECK ${image.Config.Healthcheck.Test.slice(1).join(' ')}` : '(none)';
  rows.push({ field: 'probes', production: probes, local: health, status: plan.probes.length ? 'not-local' : health === '(none)' ? 'same' : 'differs' });

  return { container: local.Name.replace(/^\//, ''), rows, differences: rows.filter((r) => r.status === 'differs').length };
}

function digestOf(image: string): string | undefined {
  const at = image.indexOf('@');
  return at >= 0 ? image.slice(at + 1) : undefined;
}
