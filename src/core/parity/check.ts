/**
 * `checkParity(root)`: every static rule over a repository, then the user's suppressions. What the
 * CLI's `prodlike check` and the extension's "Check Parity" both call; neither prints here.
 *
 * Order of work: scan (bounded reads) → manifests parsed off the main thread while the source and
 * Dockerfile rules run → manifest rules, Dockerfile rules that need probes, env parity →
 * inline comments, prodlike.yaml `rules.disable`, baseline. Runtime and image-identity rules need
 * an engine or a cluster and are separate calls (runtimeCheck.ts, rules/imageIdentity.ts) whose
 * hits go through the same `finish` step.
 */
import { posix } from 'node:path';
import { throwIfAborted } from '../errors';
import { ruleById } from './catalog';
import { compareFindings, severityRank, type Finding, type Hit, type Severity } from './model';
import { isManifestFile, readManifests, type Manifests } from './manifests';
import { scanRepo, type Repo, type ScanOptions } from './scanner';
import { fingerprint, isSuppressedInline, readInlineSuppressions, type Baseline } from './suppressions';
import { TextIndex } from './text';
import { parseYamlFiles } from './yamlWorkers';
import { checkDockerfile, readDockerfile, type DockerfileInfo } from './rules/dockerfile';
import { checkManifests, hasOrchestratorProbes } from './rules/manifests';
import { checkJavaLogging, checkNginx, checkSource, type EnvRead } from './rules/source';
import { checkEnvironment } from './rules/environment';

export interface ReportedFinding extends Finding {
  /** Stable across line moves; what baselines and SARIF partialFingerprints use. */
  fingerprint: string;
}

export interface ParityReport {
  root: string;
  findings: ReportedFinding[];
  suppressed: { inline: number; disabled: number; baseline: number };
  stats: { filesVisited: number; filesRead: number; dockerfiles: number; manifests: number; sources: number };
}

export interface CheckOptions extends ScanOptions {
  /** Rule ids not to report (prodlike.yaml `rules.disable`, plus any the caller adds). */
  disable?: readonly string[];
  baseline?: Baseline;
}

/** What the static pass learned, for the runtime pass (production env, volumes, where to point). */
export interface RepoModel {
  repo: Repo;
  manifests: Manifests;
  dockerfiles: DockerfileInfo[];
  envReads: EnvRead[];
}

export async function checkParity(root: string, options: CheckOptions = {}): Promise<ParityReport & { model: RepoModel }> {
  const repo = await scanRepo(root, options);
  throwIfAborted(options.signal);
  const hits = new Map<string, Hit[]>();
  const add = (file: string, list: Hit[]) => {
    if (list.length === 0) return;
    const cur = hits.get(file);
    if (cur) cur.push(...list);
    else hits.set(file, [...list]);
  };
  for (const r of repo.refused) add(r.path, [{ ruleId: 'input-refused', message: `${r.path}: ${r.reason}`, start: { line: 1, column: 1 } }]);

  // Manifests are parsed in workers (when big enough to pay for them) while this thread runs the
  // source and Dockerfile rules; only the rules that need both wait for the parse.
  const parsing = parseYamlFiles(repo.files.filter(isManifestFile), { signal: options.signal });
  parsing.catch(() => undefined); // awaited below; an abort here must not surface as unhandled

  const dockerfiles: DockerfileInfo[] = [];
  const dockerfileTexts = repo.files.filter((f) => f.kind === 'dockerfile');
  for (const f of dockerfileTexts) dockerfiles.push(readDockerfile(f.path, f.text));
  const linked = new Set(dockerfiles.flatMap((d) => [...d.linkedToStdio]));

  const envReads: EnvRead[] = [];
  let sources = 0;
  for (const f of repo.files) {
    throwIfAborted(options.signal);
    if (f.kind === 'source') {
      sources++;
      const r = checkSource(f);
      add(f.path, r.hits);
      for (const read of r.envReads) envReads.push(read);
    } else if (f.kind === 'nginx') add(f.path, checkNginx(f, linked));
    else if (f.kind === 'java-logging') add(f.path, checkJavaLogging(f));
  }

  const manifests = readManifests(repo.files, await parsing);
  for (const p of manifests.problems) add(p.file, p.hits);
  for (const [file, list] of checkManifests(manifests)) add(file, list);

  const probes = hasOrchestratorProbes(manifests);
  const ignoreFiles = new Map(repo.files.filter((f) => f.kind === 'dockerignore').map((f) => [f.path, f.text]));
  dockerfiles.forEach((info, i) => {
    const contextDir = posix.dirname(info.path) === '.' ? '' : posix.dirname(info.path);
    const dockerignore = ignoreFiles.get(contextDir ? `${contextDir}/.dockerignore` : '.dockerignore');
    add(info.path, checkDockerfile({ info, text: dockerfileTexts[i]!.text, allPaths: repo.allPaths, dockerignore, contextDir, orchestratorProbes: probes }));
  });
  const imageEnv = new Set(dockerfiles.flatMap((d) => [...d.envNames]));
  const contexts = dockerfiles.map((d) => ({ dir: posix.dirname(d.path) === '.' ? '' : posix.dirname(d.path), envNames: d.envNames }));
  for (const [file, list] of checkEnvironment({ reads: envReads, manifests, imageEnv, contexts, files: repo.files, sourcesScanned: sources > 0 })) add(file, list);

  const texts = new Map(repo.files.map((f) => [f.path, f.text]));
  const report = finish(root, hits, texts, options);
  return {
    ...report,
    stats: { filesVisited: repo.visited, filesRead: repo.files.length, dockerfiles: dockerfiles.length, manifests: manifests.objects.length + manifests.compose.length, sources },
    model: { repo, manifests, dockerfiles, envReads },
  };
}

/**
 * Hits → findings: attach each rule's severity, drop duplicates (two patterns matching one call),
 * apply inline comments, disabled rules and the baseline, fingerprint and sort.
 */
export function finish(
  root: string,
  hits: Map<string, Hit[]>,
  texts: Map<string, string>,
  options: Pick<CheckOptions, 'disable' | 'baseline'>,
): Omit<ParityReport, 'stats'> {
  const disabled = new Set(options.disable ?? []);
  const known = new Set((options.baseline?.findings ?? []).map((b) => b.fingerprint));
  const suppressed = { inline: 0, disabled: 0, baseline: 0 };
  const findings: ReportedFinding[] = [];
  for (const [file, list] of hits) {
    const text = texts.get(file) ?? '';
    const inline = readInlineSuppressions(text);
    const index = new TextIndex(text);
    const seen = new Set<string>();
    const occurrences = new Map<string, number>();
    for (const h of list) {
      const key = `${h.ruleId}:${h.start.line}:${h.start.column}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const rule = ruleById(h.ruleId);
      const severity: Severity = rule?.severity ?? 'warning';
      const f: Finding = {
        ruleId: h.ruleId,
        severity,
        message: h.message,
        file,
        line: h.start.line,
        column: h.start.column,
        endLine: h.end?.line ?? h.start.line,
        endColumn: h.end?.column ?? h.start.column,
        ...(h.data ? { data: h.data } : {}),
      };
      if (disabled.has(f.ruleId)) {
        suppressed.disabled++;
        continue;
      }
      if (isSuppressedInline(inline, f)) {
        suppressed.inline++;
        continue;
      }
      const lineText = index.line(f.line);
      const occKey = `${f.ruleId}\0${lineText.trim()}`;
      const n = occurrences.get(occKey) ?? 0;
      occurrences.set(occKey, n + 1);
      const fp = fingerprint(f, lineText, n);
      if (known.has(fp)) {
        suppressed.baseline++;
        continue;
      }
      findings.push({ ...f, fingerprint: fp });
    }
  }
  findings.sort(compareFindings);
  return { root, findings, suppressed };
}

/** True when some finding is at or above the given severity (for --fail-on). */
export function failsAt(findings: readonly Finding[], threshold: Severity): boolean {
  return findings.some((f) => severityRank(f.severity) >= severityRank(threshold));
}
