/**
 * How the Local view's rows read, and the parity diff as a document: plain functions of core's
 * data (no `vscode`), unit-tested. Secret values arrive masked from core and stay masked.
 */
import type { BuiltImageInfo } from '../../lazy/localImages';
import type { ParityRun } from '../../../core/docker/containers';
import type { FileChange } from '../../../core/docker/containers';
import type { ParityDiff } from '../../../core/docker/parity-diff';
import type { EngineEvent } from '../../../core/docker/events';
import { age } from '../format';

/** What the Local view asks the engine to stream: a parity run's life, and an image gaining or losing a name or a digest. */
export const LOCAL_VIEW_EVENTS = {
  types: ['container', 'image'] as EngineEvent['type'][],
  actions: ['create', 'start', 'die', 'destroy', 'pause', 'unpause', 'rename', 'tag', 'untag', 'delete', 'push', 'pull', 'load', 'import'],
};

/**
 * Whether an engine event changes what the Local view shows. Container events carry the
 * container's labels, so other containers (a swarm's tasks restart often on a shared engine) are
 * ignored; image events carry no labels on delete, so every image event counts (they are rare).
 * `parityLabel` comes from core's lazy bundle: importing its value here would pull core into the
 * activation bundle.
 */
export function changesLocalView(e: Pick<EngineEvent, 'type' | 'attributes'>, parityLabel: string): boolean {
  if (e.type === 'image') return true;
  return e.type === 'container' && e.attributes[parityLabel] === 'true';
}

/** `repo:tag` shortened to `name:tag` (the registry host and path are in the tooltip). */
export function builtImageLabel(i: Pick<BuiltImageInfo, 'references' | 'id'>): string {
  const ref = i.references[0];
  if (!ref) return i.id.replace(/^sha256:/, '').slice(0, 12);
  const slash = ref.lastIndexOf('/');
  return ref.slice(slash + 1);
}

export function parityRunDescription(r: Pick<ParityRun, 'state' | 'workload' | 'ports' | 'created'>, now = Date.now()): string {
  return [r.state, r.workload, r.ports.map((p) => p.replace(/->.*/, '')).join(', '), age(r.created.toISOString(), now)].filter(Boolean).join(' · ');
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** The parity diff of one run as Markdown: a table (production | local), differences marked, and the files the container wrote. */
export function parityDiffMarkdown(diff: ParityDiff, changes: FileChange[] | undefined): string {
  const mark = { same: '', differs: '≠', 'not-local': '~' } as const;
  const lines = [
    `# Parity diff: ${diff.container}`,
    '',
    diff.differences === 0 ? 'No differences from production that Docker can reproduce.' : `**${diff.differences} difference${diff.differences === 1 ? '' : 's'} from production.**`,
    '',
    '| | field | production | local |',
    '|---|---|---|---|',
    ...diff.rows.map((r) => `| ${mark[r.status]} | ${cell(r.field)} | ${cell(r.production)} | ${cell(r.local)} |`),
    '',
    '≠ differs · ~ applied by the orchestrator, not by a local run',
  ];
  if (changes) {
    lines.push('', '## Files the container wrote', '');
    if (changes.length === 0) lines.push('None: the container wrote nothing outside its volumes.');
    else lines.push(...changes.map((c) => `- ${{ added: 'A', changed: 'C', deleted: 'D' }[c.kind]} \`${c.path}\``));
  }
  return lines.join('\n') + '\n';
}
