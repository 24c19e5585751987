/**
 * Parity checks: what the CLI (`prodlike check`) and the extension (diagnostics, quick fixes) use.
 *
 *   checkParity(root, { disable, baseline, signal })  → ParityReport (findings with positions and fingerprints)
 *   runtimeCheck(report.model, { docker, image })      → hits of the runtime rules; pass through `finish`
 *   checkImageIdentity({ localDigests, lookup, … })    → image-drift hits (the lookup comes from a backend)
 *   imageIdentityCheck({ docker, image, environments, openCluster }) → the same against real clusters
 *   RULES / ruleById(id)                               → title, explanation and fix for hovers and quick fixes
 *   renderText / toJsonReport / toSarif                → the three report formats
 */
export * from './model';
export { RULES, ruleById } from './catalog';
export { checkParity, finish, failsAt, type CheckOptions, type ParityReport, type ReportedFinding, type RepoModel } from './check';
export { runtimeCheck, productionEnv, PLACEHOLDER_VALUE, type RuntimeCheckOptions } from './runtimeCheck';
export { checkImageIdentity, digestOf, type RunningDigestLookup, type ImageIdentityInput } from './rules/imageIdentity';
export { imageIdentityCheck, runningImage, type ImageIdentityCheckOptions, type ImageIdentityResult, type ComparedImage } from './imageIdentityCheck';
export { judgeObservation, observeContainer, type ContainerObservation, type FileChange } from './rules/runtime';
export { parseBaseline, toBaseline, type Baseline } from './suppressions';
export { renderText } from './reporters/text';
export { toJsonReport } from './reporters/json';
export { toSarif } from './reporters/sarif';
