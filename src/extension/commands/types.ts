import type { Ctx } from '../ctx';

/** A command's implementation, given the Ctx; its arguments come from a tree node, a link or the palette (none). */
export type CommandFactory = (ctx: Ctx) => (...args: unknown[]) => unknown;
