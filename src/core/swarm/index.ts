export { SwarmCluster, openSwarmCluster, currentRecord, type SwarmClusterOptions, type SwarmDeployPatch, type SwarmRollbackPatch } from './cluster';
export { ServiceHistory, DEFAULT_HISTORY_LIMIT, HISTORY_LABEL, HISTORY_SERVICE_LABEL, type HistoryRecord } from './history';
export { planLocalInit, initLocalSwarm, type LocalInitPlan } from './local';
export { parseImageRef, pinDigest, digestOf, shortImage, formatImageRef, type ImageRef } from './image-ref';
export { updateConfigFor, parseDuration, DEFAULT_MONITOR } from './update-config';
export { judgeRollout, toWorkload, toPod, taskName, CAUSE_LABEL, REVISION_LABEL, STACK_LABEL, DEFAULT_NAMESPACE } from './workload';
export { parseServiceLogLine, readServiceLogs } from './logs';
