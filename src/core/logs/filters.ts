/**
 * Which lines and which containers the user asked for. Containers are chosen before any stream
 * is opened (an unwanted container costs no request); lines are filtered after redaction, so a
 * --grep for a secret's value never matches it.
 */
import { ProdlikeError } from '../errors';
import { isErrorLevel } from './presentation';
import type { LogLevel, SourceIdentity } from './types';

export interface LineFilter {
  /** Lines must match every one of these. */
  include?: RegExp[];
  /** Lines matching any of these are left out. */
  exclude?: RegExp[];
  /** Only lines whose level is error or fatal. */
  onlyErrors?: boolean;
}

export interface ContainerFilter {
  /** Container names (or regular expressions) to include; empty: all app containers. */
  containers?: RegExp[];
  excludeContainers?: RegExp[];
  /** Also init containers (default false, as kubectl). */
  initContainers?: boolean;
  /** Sidecars (default true). */
  sidecars?: boolean;
}

export function wantsContainer(id: SourceIdentity, f: ContainerFilter): boolean {
  if (id.role === 'init' && !f.initContainers) return false;
  if (id.role === 'sidecar' && f.sidecars === false) return false;
  if (f.containers?.length && !f.containers.some((re) => re.test(id.container))) return false;
  if (f.excludeContainers?.some((re) => re.test(id.container))) return false;
  return true;
}

export function wantsLine(text: string, level: LogLevel | undefined, f: LineFilter): boolean {
  if (f.onlyErrors && !isErrorLevel(level)) return false;
  if (f.include?.some((re) => !re.test(text))) return false;
  if (f.exclude?.some((re) => re.test(text))) return false;
  return true;
}

/** A user's pattern as a RegExp, with a usage error naming the flag when it does not compile. */
export function userPattern(pattern: string, flag: string): RegExp {
  try {
    return new RegExp(pattern);
  } catch (e) {
    throw new ProdlikeError('usage', `${flag} ${JSON.stringify(pattern)} is not a valid regular expression: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** A container name pattern matches the whole name ("app" does not pick "app-sidecar"). */
export function containerPattern(pattern: string): RegExp {
  return userPattern(`^(?:${pattern})$`, '--container');
}
