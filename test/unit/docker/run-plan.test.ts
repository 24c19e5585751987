import { test } from 'node:test';
import assert from 'node:assert/strict';
import { demuxLines } from '../../../src/core/docker/containers';
import { planProductionRun } from '../../../src/core/docker/run-as-production';
import { findWorkload, parseManifestText } from '../../../src/core/manifests';

const YAML = `apiVersion: apps/v1
kind: Deployment
metadata: { name: api }
spec:
  template:
    spec:
      securityContext: { runAsUser: 1000, runAsGroup: 2000 }
      containers:
        - name: api
          image: reg.example/api:1
          command: [/bin/api]
          ports: [{ containerPort: 8080 }, { containerPort: 9000, protocol: UDP }]
          securityContext: { runAsUser: 1001 }
`;

test('the plan maps Kubernetes to Docker: command replaces the entrypoint and clears CMD, user container-over-pod, ports on loopback', () => {
  const { documents } = parseManifestText(YAML, 'k8s.yaml');
  const manifests = { documents, problems: [], files: ['k8s.yaml'] };
  const plan = planProductionRun({ manifests, workload: findWorkload(manifests, 'api') });
  assert.deepEqual(plan.entrypoint, ['/bin/api']);
  assert.deepEqual(plan.cmd, []);
  assert.equal(plan.user, '1001:2000');
  assert.equal(plan.publish, true);
  assert.deepEqual(plan.ports, [{ containerPort: 8080, hostPort: 8080, protocol: 'tcp' }, { containerPort: 9000, hostPort: 9000, protocol: 'udp' }]);
  assert.equal(plan.name, 'prodlike-api-api');
  assert.equal(planProductionRun({ manifests, workload: findWorkload(manifests, 'api'), network: 'host' }).publish, false);
});

function frame(stream: 1 | 2, text: string): Buffer {
  const body = Buffer.from(text);
  const head = Buffer.alloc(8);
  head[0] = stream;
  head.writeUInt32BE(body.length, 4);
  return Buffer.concat([head, body]);
}

test('demux: frames split across chunks, lines split across frames, a character split across frames', async () => {
  const bytes = Buffer.concat([frame(1, 'hel'), frame(2, 'oops\n'), frame(1, 'lo w'), frame(1, 'ö'), frame(1, 'rld\nlast')]);
  const euro = Buffer.from('€\n');
  const splitChar = Buffer.concat([frame(2, ''), Buffer.from([2, 0, 0, 0, 0, 0, 0, 1]), euro.subarray(0, 1), Buffer.from([2, 0, 0, 0, 0, 0, 0, 3]), euro.subarray(1)]);
  const all = Buffer.concat([bytes, splitChar]);
  const chunks = [all.subarray(0, 3), all.subarray(3, 11), all.subarray(11, 30), all.subarray(30)];
  const lines = [];
  for await (const l of demuxLines((async function* () { yield* chunks; })())) lines.push(l);
  assert.deepEqual(lines, [
    { stream: 'stderr', text: 'oops' },
    { stream: 'stdout', text: 'hello wörld' },
    { stream: 'stderr', text: '€' },
    { stream: 'stdout', text: 'last' },
  ]);
});
