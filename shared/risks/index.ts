/** The public surface of risks/: what other folders may import (docs/architecture.md, "Layout"). */
export { leakedSecretSighting } from './leakedSecretSighting';
export { riskId } from './risk';
export type { Risk, RiskAsset, RiskSeverity } from './risk';
export { riskEvents } from './riskEvents';
export { scoreRepository } from './riskScore';
export { RiskStore } from './riskStore';
export type { RiskTransition } from './riskStore';
export { SightingRecorder } from './sightingRecorder';
export { acceptanceEnded, riskStatuses, statusChangedAt } from './risk';
export type { RiskStatus, RiskTriage } from './risk';
export { triageEvents } from './riskEvents';
export { RiskNotFoundError, defaultAcceptanceDays } from './riskStore';
export type { TriageRequest, TriageTransition } from './riskStore';
export { reopenEndedAcceptances, triageRisk } from './triageRisk';
