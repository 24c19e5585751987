/**
 * Loaders for the heavy halves of the extension. The entry bundle (dist/extension.js) holds only the
 * VS Code glue; core is in two bundles next to it, required on first use:
 *   - extension-workspace.js: prodlike.yaml and parity (files only);
 *   - extension-clusters.js: engines and clusters (dockerode, @kubernetes/client-node).
 * Activation therefore never parses dockerode or client-node (FIELD-NOTES: ~200 ms when bundled).
 * Each bundle carries its own copy of the small shared modules, so errors are read by shape
 * (errors.ts), never with instanceof.
 */
import { join } from 'node:path';
import type * as WorkspaceCore from './workspace';
import type * as ClustersCore from './clusters';

export type { WorkspaceCore, ClustersCore };

let workspaceCore: typeof WorkspaceCore | undefined;
let clustersCore: typeof ClustersCore | undefined;

// A computed path keeps esbuild from inlining the bundle into the entry.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const load = <T>(name: string): T => require(join(__dirname, name)) as T;

export function workspaceCoreModule(): typeof WorkspaceCore {
  return (workspaceCore ??= load<typeof WorkspaceCore>('extension-workspace.js'));
}

export function clustersCoreModule(): typeof ClustersCore {
  return (clustersCore ??= load<typeof ClustersCore>('extension-clusters.js'));
}

/** Which lazy bundles are loaded now (the bench and the activation log report it). */
export function loadedCoreModules(): string[] {
  return [workspaceCore && 'workspace', clustersCore && 'clusters'].filter((x): x is string => Boolean(x));
}
