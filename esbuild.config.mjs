// The extension (CommonJS, `vscode` provided by the host) and the `prodlike` CLI. The extension is
// three bundles: a small entry that activation loads, and two halves of core that it requires on
// first use (src/extension/lazy): files only (prodlike.yaml, parity), and engines and clusters
// (dockerode, client-node), so activation never parses the heavy ones.
// ssh2 (pulled in by docker-modem) has optional native addons; they are loaded inside try/catch by
// ssh2 itself, so leaving them external keeps the bundle loadable where they are absent.
import * as esbuild from 'esbuild';
import { readFile } from 'node:fs/promises';

const watch = process.argv.includes('--watch');
const minify = process.argv.includes('--minify');
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  minify,
  logLevel: 'info',
  external: ['cpu-features', '*.node', 'vscode'],
  define: { PRODLIKE_VERSION: JSON.stringify(JSON.parse(await readFile('package.json', 'utf8')).version) },
};

const builds = [
  { ...common, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js' },
  // Files only: engine.ts is in it for resolveEngineEndpoint(), whose module requires dockerode
  // lazily in openEngine(), never called from this bundle. External here, so it stays out.
  {
    ...common,
    entryPoints: ['src/extension/lazy/workspace.ts'],
    outfile: 'dist/extension-workspace.js',
    external: [...common.external, 'dockerode', '@kubernetes/client-node'],
  },
  { ...common, entryPoints: ['src/extension/lazy/clusters.ts'], outfile: 'dist/extension-clusters.js' },
  { ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
  // Parses manifests off the main thread for the CLI and the extension (src/core/parity/yamlWorkers.ts).
  { ...common, entryPoints: ['src/core/parity/worker.ts'], outfile: 'dist/parity-worker.js' },
];

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
