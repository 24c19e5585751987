export { tailLogs, fixedSources, DEFAULT_MAX_STREAMS, DEFAULT_IDLE_TIMEOUT_MS, type TailOptions } from './tail';
export { Redactor, MASK } from './redact';
export { wantsContainer, wantsLine, userPattern, containerPattern, type LineFilter, type ContainerFilter } from './filters';
export { colorIndex, detectLevel, jsonFields, isErrorLevel, COLOR_COUNT } from './presentation';
export { normalizeTime, sinceToTime, timeMs } from './timestamps';
export { DEFAULT_RETRY, type RetryPolicy } from './retry';
export * from './types';
export { mergeDiscoveries } from './discovery';
