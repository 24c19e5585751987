import { z } from 'zod';
import { ProjectConfigSchema } from './schema';

/** The JSON Schema of prodlike.yaml, generated from the zod schema so the two never disagree. */
export function projectConfigJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(ProjectConfigSchema, { io: 'input', target: 'draft-7' }) as Record<string, unknown>;
  return { ...schema, $id: 'https://prodlike.dev/schema/prodlike.schema.json', title: 'prodlike.yaml' };
}
