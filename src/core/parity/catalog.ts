/**
 * Every rule prodlike knows, by id: what the CLI's --explain, SARIF's rule list and the extension's
 * hovers and quick fixes read.
 */
import type { Rule } from './model';
import { DOCKERFILE_RULES } from './rules/dockerfile';
import { MANIFEST_RULES } from './rules/manifests';
import { SOURCE_RULES } from './rules/source';
import { ENVIRONMENT_RULES } from './rules/environment';
import { RUNTIME_RULES } from './rules/runtime';
import { IMAGE_RULES } from './rules/imageIdentity';

export const INPUT_RULES: Rule[] = [
  {
    id: 'input-refused',
    severity: 'warning',
    area: 'input',
    title: 'A file was too large, too deeply nested or too self-referential to read safely',
    explanation: 'Files over the size bound, YAML nested deeper than the bound, and YAML whose aliases expand beyond the bound (an "alias bomb") are refused rather than parsed, so one hostile or generated file cannot hang or crash the check. The rules that would have read it have not checked it.',
    fix: 'Split or shorten the file, or flatten its nesting; generated files belong in an ignored build folder.',
  },
];

export const RULES: readonly Rule[] = [...INPUT_RULES, ...DOCKERFILE_RULES, ...MANIFEST_RULES, ...SOURCE_RULES, ...ENVIRONMENT_RULES, ...RUNTIME_RULES, ...IMAGE_RULES];

const BY_ID = new Map(RULES.map((r) => [r.id, r]));

export function ruleById(id: string): Rule | undefined {
  return BY_ID.get(id);
}
