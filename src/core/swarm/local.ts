/**
 * `prodlike local init`: making this machine's engine a single-node swarm — the local production.
 * It changes the engine for everything that uses it, so it is only ever done on request and after
 * confirmation (the CLI's prompt or --yes), never as a side effect of another command.
 */
import { describeEngine, type Engine } from '../docker/engine';
import { ProdlikeError } from '../errors';
import { swarmError } from './errors';

export interface LocalInitPlan {
  endpoint: string;
  /** 'init': the engine will become a swarm manager; 'already': it is one, nothing to do; 'refuse': it cannot be done here. */
  action: 'init' | 'already' | 'refuse';
  reason: string;
  /** What will be sent: POST /swarm/init with this body. */
  request?: { ListenAddr: string; AdvertiseAddr: string };
}

export async function planLocalInit(engine: Engine, advertiseAddr = '127.0.0.1'): Promise<LocalInitPlan> {
  const info = await describeEngine(engine);
  const endpoint = engine.endpoint.url;
  if (info.swarm === 'active' && info.swarmManager) return { endpoint, action: 'already', reason: `The engine at ${endpoint} is already a swarm manager.` };
  if (info.swarm === 'active') return { endpoint, action: 'refuse', reason: `The engine at ${endpoint} is a swarm worker; deploys go through a manager.` };
  if (info.swarm === 'pending' || info.swarm === 'locked' || info.swarm === 'error') {
    return { endpoint, action: 'refuse', reason: `The engine at ${endpoint} is in swarm state "${info.swarm}"; fix that with docker swarm first.` };
  }
  // Loopback only: the local production answers this machine, not the network.
  return {
    endpoint,
    action: 'init',
    reason: `The engine at ${endpoint} will become a single-node swarm (manager), listening on ${advertiseAddr} only.`,
    request: { ListenAddr: `${advertiseAddr}:2377`, AdvertiseAddr: advertiseAddr },
  };
}

export async function initLocalSwarm(engine: Engine, plan: LocalInitPlan): Promise<string> {
  if (plan.action !== 'init' || !plan.request) throw new ProdlikeError('usage', plan.reason);
  try {
    return String(await engine.docker.swarmInit(plan.request));
  } catch (e) {
    throw swarmError(engine.endpoint, e, 'Cannot create the local swarm', 'internal');
  }
}
