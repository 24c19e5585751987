/**
 * Kubernetes resource quantities: `250m` CPU, `64Mi` memory, plain numbers, exponents.
 * Returned as numbers in base units (cores, bytes).
 */
import { ProdlikeError } from '../errors';

const SUFFIX: Record<string, number> = {
  '': 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, Pi: 1024 ** 5, Ei: 1024 ** 6,
};

export function parseQuantity(q: string | number): number {
  if (typeof q === 'number') return q;
  const m = /^([+-]?\d+(?:\.\d+)?|[+-]?\.\d+)(?:[eE]([+-]?\d+)|(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei))?$/.exec(q.trim());
  if (!m) throw new ProdlikeError('config-invalid', `"${q}" is not a Kubernetes quantity.`, 'Write quantities like 250m (CPU) or 64Mi (memory).');
  const n = Number(m[1]);
  if (m[2] !== undefined) return n * 10 ** Number(m[2]);
  return n * SUFFIX[m[3] ?? '']!;
}

/** CPU cores (0.25 for 250m). */
export const parseCpu = parseQuantity;
/** Bytes, rounded up as the kubelet does. */
export function parseMemory(q: string | number): number {
  return Math.ceil(parseQuantity(q));
}
