export { ship, judgeRollout, undoneByOrchestrator, shipTargetOf, type ShipOptions, type ShipBuildOptions, type ShipTools, type ConfirmRequest } from './ship';
export { STAGES, type Stage, type StageState, type PipelineEvent, type ShipReport, type ShipOutcome, type CancelState, type ShipImage, type ShipPlan, type ShipRollbackPlan, type ShipTarget } from './types';
