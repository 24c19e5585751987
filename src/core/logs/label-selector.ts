/**
 * `-l app=web,tier!=db` for what the Docker engine labels: local containers and swarm services.
 * Kubernetes reads the selector itself; the engine's `label` filter knows only `key` and
 * `key=value`, so those narrow the engine's answer and every requirement is checked here.
 * Set-based requirements (`env in (a,b)`) have no engine equivalent and are refused by name.
 */
import { ProdlikeError } from '../errors';

export type LabelRequirement =
  | { key: string; op: '=' | '!='; value: string }
  | { key: string; op: 'exists' | '!exists' };

const KEY = /^[A-Za-z0-9]([A-Za-z0-9._/-]*[A-Za-z0-9])?$/;

export function parseLabelSelector(selector: string): LabelRequirement[] {
  if (/[()]/.test(selector) || /\s(in|notin)\s/.test(selector)) {
    throw new ProdlikeError('usage', `Set-based label selectors ("${selector}") work with Kubernetes only.`, 'Write key=value, key!=value, key or !key, separated by commas.');
  }
  const out: LabelRequirement[] = [];
  for (const part of selector.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^([^=!]+?)\s*(==|=|!=)\s*(.*)$/.exec(part);
    let req: LabelRequirement;
    if (m) req = { key: m[1]!, op: m[2] === '!=' ? '!=' : '=', value: m[3]! };
    else if (part.startsWith('!')) req = { key: part.slice(1).trim(), op: '!exists' };
    else req = { key: part, op: 'exists' };
    if (!KEY.test(req.key)) throw new ProdlikeError('usage', `"${part}" in the label selector "${selector}" is not a label requirement.`, 'Write key=value, key!=value, key or !key, separated by commas.');
    out.push(req);
  }
  return out;
}

export function matchesLabels(requirements: LabelRequirement[], labels: Record<string, string> | undefined | null): boolean {
  const l = labels ?? {};
  return requirements.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    switch (r.op) {
      case '=':
        return has && l[r.key] === r.value;
      case '!=':
        return !has || l[r.key] !== r.value;
      case 'exists':
        return has;
      case '!exists':
        return !has;
    }
  });
}

/** The requirements the engine's `label` filter can apply (ANDed there, as here). */
export function engineLabelFilter(requirements: LabelRequirement[]): string[] {
  return requirements.flatMap((r) => (r.op === '=' ? [`${r.key}=${r.value}`] : r.op === 'exists' ? [r.key] : []));
}
