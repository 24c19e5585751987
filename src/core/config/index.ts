export * from './types';
export { loadProjectConfig, parseConfigText, resolveEnvironment, findConfigFile, ConfigError, CONFIG_FILE_NAMES, type ConfigProblem } from './load';
export { ProjectConfigSchema } from './schema';
