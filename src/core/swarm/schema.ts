/**
 * The engine's swarm JSON (services, tasks, nodes, config objects), validated where it enters
 * prodlike. Tolerant: unknown fields pass through untouched (a service spec is sent back to the
 * engine on update, so nothing may be dropped), and only the fields prodlike reads are checked.
 * A service whose shape we cannot read is an error with the engine's endpoint in it, never a crash
 * three functions later.
 */
import { z } from 'zod';
import { ProdlikeError } from '../errors';

const labels = z.record(z.string(), z.string()).nullish().transform((l) => l ?? {});

export const ContainerSpecSchema = z.looseObject({
  Image: z.string(),
  Labels: labels.optional(),
});

export const TaskTemplateSchema = z.looseObject({
  ContainerSpec: ContainerSpecSchema,
  Networks: z.array(z.looseObject({ Target: z.string() })).nullish(),
  ForceUpdate: z.number().optional(),
});

export const UpdateConfigSchema = z.looseObject({
  Parallelism: z.number().optional(),
  Delay: z.number().optional(),
  FailureAction: z.string().optional(),
  Monitor: z.number().optional(),
  MaxFailureRatio: z.number().optional(),
  Order: z.string().optional(),
});

export const ServiceSpecSchema = z.looseObject({
  Name: z.string(),
  Labels: labels.optional(),
  TaskTemplate: TaskTemplateSchema,
  Mode: z
    .looseObject({
      Replicated: z.looseObject({ Replicas: z.number().optional() }).optional(),
      Global: z.looseObject({}).optional(),
    })
    .optional(),
  UpdateConfig: UpdateConfigSchema.nullish(),
  RollbackConfig: UpdateConfigSchema.nullish(),
  EndpointSpec: z
    .looseObject({
      Ports: z.array(z.looseObject({ PublishedPort: z.number().optional(), PublishMode: z.string().optional() })).nullish(),
    })
    .nullish(),
});

export const UpdateStatusSchema = z.looseObject({
  State: z.string().optional(),
  StartedAt: z.string().optional(),
  CompletedAt: z.string().optional(),
  Message: z.string().optional(),
});

export const ServiceSchema = z.looseObject({
  ID: z.string(),
  Version: z.looseObject({ Index: z.number() }),
  CreatedAt: z.string().optional(),
  UpdatedAt: z.string().optional(),
  Spec: ServiceSpecSchema,
  PreviousSpec: ServiceSpecSchema.nullish(),
  UpdateStatus: UpdateStatusSchema.nullish(),
  ServiceStatus: z.looseObject({ RunningTasks: z.number(), DesiredTasks: z.number() }).nullish(),
});

export const TaskSchema = z.looseObject({
  ID: z.string(),
  ServiceID: z.string(),
  NodeID: z.string().optional(),
  Slot: z.number().optional(),
  CreatedAt: z.string().optional(),
  UpdatedAt: z.string().optional(),
  Labels: labels.optional(),
  Spec: TaskTemplateSchema,
  DesiredState: z.string(),
  Status: z.looseObject({
    Timestamp: z.string().optional(),
    State: z.string(),
    Message: z.string().optional(),
    Err: z.string().optional(),
    ContainerStatus: z.looseObject({ ContainerID: z.string().optional(), ExitCode: z.number().optional() }).optional(),
  }),
});

export const NodeSchema = z.looseObject({
  ID: z.string(),
  Description: z.looseObject({ Hostname: z.string().optional() }).optional(),
  Status: z.looseObject({ State: z.string().optional() }).optional(),
  Spec: z.looseObject({ Availability: z.string().optional() }).optional(),
});

export const ConfigObjectSchema = z.looseObject({
  ID: z.string(),
  Version: z.looseObject({ Index: z.number() }),
  CreatedAt: z.string().optional(),
  Spec: z.looseObject({ Name: z.string(), Labels: labels.optional(), Data: z.string().optional() }),
});

export type ServiceSpec = z.infer<typeof ServiceSpecSchema>;
export type SwarmService = z.infer<typeof ServiceSchema>;
export type SwarmTask = z.infer<typeof TaskSchema>;
export type SwarmNode = z.infer<typeof NodeSchema>;
export type SwarmConfigObject = z.infer<typeof ConfigObjectSchema>;
export type SwarmUpdateConfigSpec = z.infer<typeof UpdateConfigSchema>;

/** Parses engine JSON; the error names what was being read, so a user can tell which call went wrong. */
export function parseEngine<T extends z.ZodType>(schema: T, value: unknown, what: string): z.infer<T> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new ProdlikeError(
    'internal',
    `The Docker engine sent ${what} that prodlike cannot read (${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}).`,
    'Check that DOCKER_HOST points at a Docker Engine (API 1.41 or later) in swarm mode.',
  );
}

export function parseEngineList<T extends z.ZodType>(schema: T, value: unknown, what: string): z.infer<T>[] {
  if (!Array.isArray(value)) return parseEngine(z.array(schema), value, what);
  return value.map((v) => parseEngine(schema, v, what));
}
