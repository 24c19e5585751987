/**
 * How the extension reads errors thrown by core. Core's errors come from separately loaded bundles
 * (lazy/), so `instanceof ProdlikeError` cannot be relied on across them: the extension reads the
 * stable fields (`code`, `message`, `fix`) instead.
 */
export interface UserError {
  code: string;
  message: string;
  fix?: string;
}

export function asUserError(e: unknown): UserError {
  if (e && typeof e === 'object') {
    const o = e as { code?: unknown; message?: unknown; fix?: unknown; name?: unknown };
    if (o.name === 'ProdlikeError' || o.name === 'ConfigError' || (typeof o.code === 'string' && typeof o.message === 'string' && 'fix' in o)) {
      return { code: String(o.code), message: String(o.message), fix: typeof o.fix === 'string' ? o.fix : undefined };
    }
    if (typeof o.message === 'string') return { code: 'internal', message: o.message };
  }
  return { code: 'internal', message: String(e) };
}

export function isAborted(e: unknown): boolean {
  const u = e as { code?: unknown; name?: unknown } | undefined;
  return u?.code === 'aborted' || u?.name === 'AbortError';
}

/** One line for a notification: the message and, when core knows one, the fix. */
export function describe(e: unknown): string {
  const u = asUserError(e);
  return u.fix ? `${u.message} ${u.fix}` : u.message;
}
