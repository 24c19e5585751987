/**
 * The shape of prodlike.yaml. Strict: an unknown key is reported (a typo in `protected` must not
 * silently leave production unprotected). Everything is optional; defaults are filled in by the
 * loader, which knows the workspace (which manifest folder exists, and so on).
 */
import { z } from 'zod';

const duration = z
  .string()
  .regex(/^\d+(ms|s|m|h)$/, 'a duration such as 500ms, 10s, 5m or 1h');

const name = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, 'lower-case letters, digits and dashes (like a Kubernetes name)');

export const BuildSchema = z
  .strictObject({
    context: z.string().min(1).optional().describe('Build context folder, relative to prodlike.yaml. Default: the folder of prodlike.yaml.'),
    dockerfile: z.string().min(1).optional().describe('Dockerfile path, relative to the context. Default: Dockerfile.'),
    target: z.string().min(1).optional().describe('Build stage to stop at (a multi-stage target).'),
    platform: z.string().regex(/^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/, 'os/arch, such as linux/amd64').optional(),
    args: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
      .optional()
      .describe('Build arguments (ARG). Never put secrets here: they stay in the image history.'),
  })
  .describe('How the image is built.');

export const SwarmUpdateSchema = z
  .strictObject({
    parallelism: z.number().int().min(0).optional().describe('Tasks updated at once (0: all).'),
    delay: duration.optional().describe('Pause between batches.'),
    order: z.enum(['start-first', 'stop-first']).optional(),
    failureAction: z.enum(['rollback', 'pause', 'continue']).optional(),
    monitor: duration.optional().describe('How long a new task is watched before it counts as healthy.'),
  })
  .describe('Swarm rolling-update settings for deploys to this environment.');

export const EnvironmentSchema = z
  .strictObject({
    orchestrator: z
      .enum(['swarm', 'kubernetes'])
      .optional()
      .describe('Where this environment runs. Default: kubernetes when `context` is set, else the local engine\'s swarm.'),
    context: z.string().min(1).optional().describe('kubeconfig context (Kubernetes).'),
    engine: z.string().min(1).optional().describe('Docker endpoint of the swarm manager (swarm). Default: DOCKER_HOST or the local socket.'),
    namespace: z.string().min(1).optional().describe('Kubernetes namespace. Default: the context\'s namespace, else "default".'),
    workload: z.string().min(1).optional().describe('Deployment (Kubernetes) or service (swarm) that deploys replace.'),
    container: z.string().min(1).optional().describe('Container whose image is replaced. Default: the first one.'),
    protected: z.boolean().optional().describe('Deploys and rollbacks need the environment\'s name typed as confirmation.'),
    autoRollback: z.boolean().optional().describe('Roll back to the previous revision by itself when a rollout fails.'),
    update: SwarmUpdateSchema.optional(),
  })
  .describe('A place the app runs: a kube context and namespace, or a swarm.');

export const ProjectConfigSchema = z
  .strictObject({
    $schema: z.string().optional(),
    image: z
      .string()
      .regex(/^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/, 'an image repository without tag, such as registry.example.com/team/app')
      .optional()
      .describe('Image repository that builds are tagged and pushed to (no tag: prodlike tags every build with its commit).'),
    build: BuildSchema.optional(),
    manifests: z
      .array(z.string().min(1))
      .optional()
      .describe('Files or folders with the production manifests (Kubernetes YAML, compose). Default: k8s/ and deploy/ when they exist.'),
    defaultEnvironment: name.optional().describe('Environment used when a command names none. Default: local, else the first one.'),
    environments: z.record(name, EnvironmentSchema).optional(),
    rules: z
      .strictObject({
        disable: z.array(z.string().min(1)).optional().describe('Parity rule ids not to report.'),
      })
      .optional(),
  })
  .describe('prodlike.yaml: how this app is built, where its production manifests live, and where it runs.');

export type ProjectConfigInput = z.input<typeof ProjectConfigSchema>;
