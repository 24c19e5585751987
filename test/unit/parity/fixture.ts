// Builds a throw-away repository from a map of files and runs the parity check over it.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { checkParity, type CheckOptions } from '../../../src/core/parity';

export function makeRepo(files: Record<string, string | Buffer>): { root: string; cleanup(): void } {
  const root = mkdtempSync(join(tmpdir(), 'prodlike-parity-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

export async function check(files: Record<string, string | Buffer>, options: CheckOptions = {}) {
  const repo = makeRepo(files);
  try {
    return await checkParity(repo.root, options);
  } finally {
    repo.cleanup();
  }
}

/** `file:line ruleId` for each finding: what a user scanning the report sees first. */
export function brief(findings: { file: string; line: number; ruleId: string }[]): string[] {
  return findings.map((f) => `${f.file}:${f.line} ${f.ruleId}`);
}

export const DEPLOYMENT = (container: string, extra = '') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
${container}
${extra}`;

/** A container with everything the manifest rules want. */
export const GOOD_CONTAINER = `        - name: web
          image: registry.example.com/web:1.2.3@sha256:${'a'.repeat(64)}
          readinessProbe: { httpGet: { path: /healthz, port: 8080 } }`;
