import type { CommandFactory } from './types';

/** prodlike.output.show — prodlike's own log (what it did, activation errors). */
export const showOutput: CommandFactory = (ctx) => () => ctx.output.show(true);
