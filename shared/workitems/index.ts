/**
 * The risk ⇄ work item sync (docs/work-items.md): what other folders may use. The use cases
 * (syncRiskToWorkItem, syncWorkItemToRisk, reconcileWorkItems) are loaded by name through the
 * event table, not imported from here.
 */
export { linkOfRisk, markerFor, WorkItemLinkStore, type LinkStatus, type WorkItemLink } from './workItemLink';
export { effectiveWorkItemSettings, settingsDigest, type EffectiveWorkItemSettings } from './workItemSettings';
export { clearFailing, failingReason } from './syncFailures';
export { withSyncSession, type SessionOptions } from './syncSession';
export { reconcileOrganization, type ReconcileReport } from './reconcileWorkItems';
export { requestReconciliations, validReconcileSchedule } from './reconcileRequests';
export { linkWorkItem, relinkRisk, unlinkRisk, retryWorkItemSync } from './manualLinks';
