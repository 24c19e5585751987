/**
 * The images prodlike built on the local engine: every image carrying the `dev.prodlike.source-tag`
 * label that `prodlike build`, `prodlike ship` and the extension put on their builds. Core has no
 * listing of its own builds yet, so this small read lives with the extension; it runs inside the
 * clusters bundle (dockerode), never in the activation bundle.
 */
import type { Engine } from '../../core/docker/engine';

export const SOURCE_TAG_LABEL = 'dev.prodlike.source-tag';

export interface BuiltImageInfo {
  id: string;
  /** `repo:tag` references of this image (one per tag). */
  references: string[];
  /** `repo@sha256:…` once pushed (the registry's digest); empty for local-only builds. */
  repoDigests: string[];
  sourceTag?: string;
  created: Date;
  size: number;
}

export async function listBuiltImages(engine: Engine, repository?: string): Promise<BuiltImageInfo[]> {
  const list = await engine.docker.listImages({ filters: { label: [SOURCE_TAG_LABEL] } });
  return list
    .map((i) => ({
      id: i.Id,
      references: (i.RepoTags ?? []).filter((t) => t !== '<none>:<none>'),
      repoDigests: (i.RepoDigests ?? []).filter((d) => !d.startsWith('<none>')),
      sourceTag: i.Labels?.[SOURCE_TAG_LABEL],
      created: new Date(i.Created * 1000),
      size: i.Size,
    }))
    .filter((i) => !repository || i.references.some((r) => r.startsWith(`${repository}:`)) || i.repoDigests.some((d) => d.startsWith(`${repository}@`)))
    .sort((a, b) => b.created.getTime() - a.created.getTime());
}
