/**
 * What prodlike checks in a Dockerfile before sending a build: the mistakes the engine would
 * otherwise report late and vaguely (an unknown instruction, no FROM, a --target that names no
 * stage). Parsed with dockerfile-ast, the parser behind Docker's own Dockerfile language server.
 */
import { DockerfileParser } from 'dockerfile-ast';
import { ProdlikeError } from '../errors';

const INSTRUCTIONS = new Set([
  'ADD', 'ARG', 'CMD', 'COPY', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'FROM', 'HEALTHCHECK', 'LABEL',
  'MAINTAINER', 'ONBUILD', 'RUN', 'SHELL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR',
]);

export interface DockerfileSummary {
  /** Build stages in order; `name` is the `AS` name when there is one. */
  stages: { name?: string; image: string; line: number }[];
  /** Instructions outside comments (what the classic builder counts as steps), for all stages. */
  instructionCount: number;
}

/**
 * Reads a Dockerfile's text. Throws `build-failed` with the 1-based line of the first problem,
 * or `usage` when `target` names no stage.
 */
export function checkDockerfile(text: string, file: string, target?: string): DockerfileSummary {
  const parsed = DockerfileParser.parse(text);
  const instructions = parsed.getInstructions();
  if (instructions.length === 0) {
    throw new ProdlikeError('build-failed', `${file} has no instructions.`, 'A Dockerfile starts with FROM <image>.');
  }
  for (const ins of instructions) {
    const keyword = ins.getKeyword().toUpperCase();
    if (!INSTRUCTIONS.has(keyword)) {
      const line = ins.getRange().start.line + 1;
      throw new ProdlikeError('build-failed', `${file}:${line}: unknown instruction ${ins.getKeyword()}.`, `Fix line ${line} of the Dockerfile: instructions are ${[...INSTRUCTIONS].join(', ')}.`);
    }
  }
  const firstReal = instructions.find((i) => i.getKeyword().toUpperCase() !== 'ARG');
  if (!firstReal || firstReal.getKeyword().toUpperCase() !== 'FROM') {
    const line = (firstReal ?? instructions[0]!).getRange().start.line + 1;
    throw new ProdlikeError('build-failed', `${file}:${line}: the first instruction must be FROM (only ARG may come before it).`, 'Start the Dockerfile with FROM <image>.');
  }
  const stages = parsed.getFROMs().map((f) => ({
    name: f.getBuildStage() ?? undefined,
    image: f.getImageName() ?? '',
    line: f.getRange().start.line + 1,
  }));
  if (target !== undefined && !stages.some((s) => s.name === target)) {
    const names = stages.map((s) => s.name).filter(Boolean);
    throw new ProdlikeError('usage', `${file} has no stage named "${target}".`, names.length ? `Use one of: ${names.join(', ')}.` : 'Name a stage with FROM <image> AS <name>, or drop the target.');
  }
  return { stages, instructionCount: instructions.length };
}
