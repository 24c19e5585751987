/**
 * Entry of dist/parity-worker.js: parses the YAML files it is sent (yamlWorkers.ts) and answers
 * with plain data. Nothing else runs here.
 */
import { parentPort } from 'node:worker_threads';
import { parseYaml } from './yamlFile';
import type { WorkerRequest, WorkerResponse } from './yamlWorkers';

parentPort?.on('message', (m: WorkerRequest) => {
  parentPort!.postMessage({ job: m.job, results: m.files.map((f) => parseYaml(f.text)) } satisfies WorkerResponse);
});

parentPort?.postMessage({ ready: true } satisfies WorkerResponse);
