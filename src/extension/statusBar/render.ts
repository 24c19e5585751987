/**
 * The status-bar deploy button as a pure function of state (rust-analyzer's updateStatusBarItem):
 * one switch decides the text, the tooltip, the colour and the click. No `vscode` import, so the
 * rendering is unit-tested in plain Node; deployButton.ts applies the result.
 */

export type DeployPhase =
  | { kind: 'idle' }
  | { kind: 'building'; detail?: string }
  | { kind: 'pushing'; percent?: number }
  | { kind: 'deploying' }
  | { kind: 'rolling-out'; updated: number; desired: number }
  | { kind: 'succeeded'; image: string; revision?: number }
  | { kind: 'failed'; message: string }
  | { kind: 'rolled-back'; message: string; revision?: number };

export interface DeployTarget {
  environment: string;
  orchestrator: 'swarm' | 'kubernetes';
  workload?: string;
  namespace?: string;
  context?: string;
  /** API server URL or Docker endpoint, once known: shown so nobody deploys to the wrong cluster. */
  server?: string;
  image?: string;
  protected: boolean;
}

export type ButtonInput =
  | { project: 'loading' }
  | { project: 'none' }
  | { project: 'invalid'; message: string; file?: string }
  | { project: 'no-environment'; message: string }
  | { project: 'ready'; target: DeployTarget; phase: DeployPhase; trusted: boolean };

export interface RenderedButton {
  visible: boolean;
  text: string;
  /** Markdown; `command:` links are enabled for the commands listed in `tooltipCommands`. */
  tooltip: string;
  ariaLabel: string;
  command?: string;
  background?: 'error' | 'warning';
}

export const DEPLOY_COMMAND = 'prodlike.deploy.run';
export const TOOLTIP_COMMANDS = [
  'prodlike.deploy.run',
  'prodlike.history.show',
  'prodlike.logs.tail',
  'prodlike.environment.switch',
  'prodlike.config.open',
  'workbench.trust.manage',
];

/** Markdown-escapes text that comes from files or clusters (names, messages). */
export function md(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, (c) => `\\${c}`);
}

function links(): string {
  return [
    `[$(rocket) Deploy](command:${DEPLOY_COMMAND})`,
    '[$(history) History](command:prodlike.history.show)',
    '[$(output) Logs](command:prodlike.logs.tail)',
    '[$(arrow-swap) Switch environment](command:prodlike.environment.switch)',
  ].join(' · ');
}

function targetTable(t: DeployTarget): string {
  const rows: [string, string | undefined][] = [
    ['environment', t.environment + (t.protected ? ' (protected: deploys ask for its name)' : '')],
    ['cluster', t.orchestrator === 'swarm' ? 'Docker Swarm' : `Kubernetes${t.context ? `, context ${t.context}` : ', current context'}`],
    ['server', t.server],
    ['namespace', t.orchestrator === 'kubernetes' ? (t.namespace ?? "the context's") : t.namespace],
    ['workload', t.workload],
    ['image', t.image],
  ];
  return ['| | |', '|---|---|', ...rows.filter(([, v]) => v).map(([k, v]) => `| ${k} | ${md(v!)} |`)].join('\n');
}

export function renderDeployButton(input: ButtonInput): RenderedButton {
  switch (input.project) {
    case 'loading':
      return { visible: true, text: '$(loading~spin) prodlike', tooltip: 'prodlike: reading prodlike.yaml…', ariaLabel: 'prodlike: loading' };
    case 'none':
      return { visible: false, text: '', tooltip: '', ariaLabel: '' };
    case 'invalid':
      return {
        visible: true,
        text: '$(error) prodlike.yaml',
        tooltip: `**prodlike.yaml has errors**\n\n${md(input.message)}\n\n[Open prodlike.yaml](command:prodlike.config.open)`,
        ariaLabel: 'prodlike: prodlike.yaml has errors',
        command: 'prodlike.config.open',
        background: 'error',
      };
    case 'no-environment':
      return {
        visible: true,
        text: '$(rocket) prodlike',
        tooltip: `${md(input.message)}\n\n[$(arrow-swap) Switch environment](command:prodlike.environment.switch)`,
        ariaLabel: 'prodlike: no environment',
        command: 'prodlike.environment.switch',
        background: 'warning',
      };
    case 'ready':
      return renderReady(input.target, input.phase, input.trusted);
  }
}

function renderReady(t: DeployTarget, phase: DeployPhase, trusted: boolean): RenderedButton {
  const name = `${t.environment}: ${t.workload ?? '(no workload)'}`;
  const lock = t.protected ? ' $(lock)' : '';
  const restricted = trusted ? '' : ' $(workspace-untrusted)';
  let icon = '$(rocket)';
  let state = '';
  let spoken = 'ready to deploy';
  let status = '';
  let background: RenderedButton['background'];
  switch (phase.kind) {
    case 'idle':
      break;
    case 'building':
      icon = '$(sync~spin)';
      state = ' · building';
      spoken = 'building';
      status = `Building the image${phase.detail ? `: ${md(phase.detail)}` : ''}…`;
      break;
    case 'pushing':
      icon = '$(sync~spin)';
      state = phase.percent === undefined ? ' · pushing' : ` · pushing ${Math.round(phase.percent)}%`;
      spoken = 'pushing';
      status = 'Pushing the image…';
      break;
    case 'deploying':
      icon = '$(sync~spin)';
      state = ' · deploying';
      spoken = 'deploying';
      status = 'Sending the new image to the cluster…';
      break;
    case 'rolling-out':
      icon = '$(sync~spin)';
      state = ` · rolling out ${phase.updated}/${phase.desired}`;
      spoken = `rolling out, ${phase.updated} of ${phase.desired} updated`;
      status = `Rolling out: ${phase.updated} of ${phase.desired} replicas updated.`;
      break;
    case 'succeeded':
      icon = '$(check)';
      spoken = 'deployed';
      status = `Deployed ${md(phase.image)}${phase.revision === undefined ? '' : ` as revision ${phase.revision}`}.`;
      break;
    case 'failed':
      icon = '$(error)';
      state = ' · failed';
      spoken = 'deploy failed';
      status = `**Deploy failed:** ${md(phase.message)}`;
      background = 'error';
      break;
    case 'rolled-back':
      icon = '$(history)';
      state = ' · rolled back';
      spoken = 'rolled back';
      status = `**Rolled back**${phase.revision === undefined ? '' : ` to revision ${phase.revision}`}: ${md(phase.message)}`;
      background = 'warning';
      break;
  }
  const busy = ['building', 'pushing', 'deploying', 'rolling-out'].includes(phase.kind);
  const parts = [`**prodlike** — deploy to ${md(t.environment)}`, targetTable(t)];
  if (status) parts.push(status);
  if (!trusted) parts.push('$(workspace-untrusted) **Restricted Mode**: deploys are disabled until you [trust this workspace](command:workbench.trust.manage).');
  else if (t.protected) parts.push('$(lock) Protected environment: a deploy asks you to type its name first.');
  parts.push(busy ? 'A deploy is running; click to show its progress.' : links());
  return {
    visible: true,
    text: `${icon} ${name}${state}${lock}${restricted}`,
    tooltip: parts.join('\n\n'),
    ariaLabel: `prodlike: ${t.environment}, ${t.workload ?? 'no workload'}, ${spoken}${trusted ? '' : ', Restricted Mode'}`,
    command: DEPLOY_COMMAND,
    background,
  };
}
