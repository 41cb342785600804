/** The public surface of risks/: what other folders may import (docs/architecture.md, "Layout"). */
export { leakedSecretSighting } from './leakedSecretSighting';
export {
  type RiskTotalsDependencies,
  type RiskTotalsReconciliation,
  reconcileAllRiskTotals,
  reconcileAttempts,
  reconcileRiskTotals,
} from './reconcileRiskTotals';
export type { Risk, RiskAsset, RiskKind, RiskSeverity, RiskStatus, RiskTriage } from './risk';
export { acceptanceEnded, riskId, riskKinds, riskStatuses, statusChangedAt } from './risk';
export type { AnnouncedRisk } from './riskEvents';
export { riskEvents, triageEvents } from './riskEvents';
export { scoreRepository } from './riskScore';
export type { RiskSighting, RiskTransition, TriageRequest, TriageTransition } from './riskStore';
export { defaultAcceptanceDays, RiskNotFoundError, RiskStore } from './riskStore';
export { expectedTallies, parseTallyKey, type RiskTally, RiskTallyStore, weekOf } from './riskTallies';
export { type RiskListView, type RiskWorkItemView, riskDetailView, riskListView } from './riskViews';
export { type RecordedSighting, SightingRecorder } from './sightingRecorder';
export { reopenEndedAcceptances, triageRisk } from './triageRisk';
