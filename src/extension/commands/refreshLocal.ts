import type { CommandFactory } from './types';

/** prodlike.local.refresh — reloads the Local view (images and parity runs). */
export const refreshLocal: CommandFactory = (ctx) => () => ctx.localTree?.refresh.request(undefined);
