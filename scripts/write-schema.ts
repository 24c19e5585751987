// Regenerates schema/prodlike.schema.json from the zod schema (npm run schema).
// A unit test fails when the committed file is out of date.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectConfigJsonSchema } from '../src/core/config/json-schema';

const out = join(__dirname, '..', 'schema', 'prodlike.schema.json');
writeFileSync(out, JSON.stringify(projectConfigJsonSchema(), null, 2) + '\n');
console.log(`wrote ${out}`);
