/**
 * Errors a user can act on. Core never prints: it throws these, and the CLI and the extension
 * decide how loud to be. `code` is stable (tests and --json rely on it); `message` says what
 * happened; `fix` says what to do about it.
 */
export type ErrorCode =
  | 'usage'
  | 'config-not-found'
  | 'config-invalid'
  | 'engine-unreachable'
  | 'registry-unreachable'
  | 'registry-auth'
  | 'kube-unreachable'
  | 'kubeconfig-invalid'
  | 'not-found'
  | 'build-failed'
  | 'push-failed'
  | 'deploy-failed'
  | 'rollout-failed'
  | 'rollback-refused'
  | 'confirmation-required'
  | 'restricted'
  | 'timeout'
  | 'aborted'
  | 'internal';

/** Codes that mean "the environment or the input is wrong" (exit 2) rather than "the operation failed" (exit 1). */
const ENVIRONMENT_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'usage',
  'config-not-found',
  'config-invalid',
  'engine-unreachable',
  'registry-unreachable',
  'kube-unreachable',
  'kubeconfig-invalid',
  'confirmation-required',
  'restricted',
]);

export class ProdlikeError extends Error {
  override readonly name = 'ProdlikeError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly fix?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** 2 for usage or environment errors, 1 for an operation that ran and failed. */
  get exitCode(): 1 | 2 {
    return ENVIRONMENT_CODES.has(this.code) ? 2 : 1;
  }
}

export function isProdlikeError(e: unknown): e is ProdlikeError {
  return e instanceof ProdlikeError;
}

/** The message of any thrown value, for wrapping third-party errors. */
export function messageOf(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

/** Throws the standard "aborted" error if the signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new ProdlikeError('aborted', 'Cancelled.');
}
