// The real parts scripts/test-infra.sh started for this run (see scripts/run-tests.mjs).
export interface TestInfra {
  /** unix:///… of the private engine (never the user's own unless PRODLIKE_TEST_DOCKER_HOST said so). */
  dockerHost: string;
  /** host:port of the plain registry on 127.0.0.1. */
  registry: string;
  /** host:port of the registry that demands basic auth. */
  authRegistry: string;
  authUser: string;
  authPassword: string;
  /** The shared busybox image (FROM scratch), present in the engine. */
  image: string;
  dir: string;
}

export function testInfra(): TestInfra {
  const e = process.env;
  const dockerHost = e.PRODLIKE_TEST_DOCKER_HOST;
  if (!dockerHost || !e.PRODLIKE_TEST_REGISTRY) {
    throw new Error('integration tests need the test infrastructure: run them with `npm test` or `node scripts/run-tests.mjs integration`');
  }
  return {
    dockerHost,
    registry: e.PRODLIKE_TEST_REGISTRY!,
    authRegistry: e.PRODLIKE_TEST_AUTH_REGISTRY!,
    authUser: e.PRODLIKE_TEST_AUTH_USER!,
    authPassword: e.PRODLIKE_TEST_AUTH_PASSWORD!,
    image: e.PRODLIKE_TEST_IMAGE!,
    dir: e.PRODLIKE_TEST_DIR!,
  };
}

/** A name no other test run or test file uses: tests share one engine. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
}
