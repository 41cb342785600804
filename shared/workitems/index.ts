/**
 * The risk ⇄ work item sync (docs/work-items.md): what other folders may use. The use cases
 * (syncRiskToWorkItem, syncWorkItemToRisk, reconcileWorkItems) are loaded by name through the
 * event table, not imported from here.
 */

export { requestReconciliations } from './reconcileRequests';
export type { ReconcileReport } from './reconcileWorkItems';
export { clearFailing, failingReason } from './syncFailures';
export type { SessionOptions } from './syncSession';
export { type LinkStatus, linkOfRisk, markerFor, type WorkItemLink, WorkItemLinkStore } from './workItemLink';
export { type EffectiveWorkItemSettings, effectiveWorkItemSettings, settingsDigest } from './workItemSettings';

import type * as ManualLinks from './manualLinks';
import type * as Reconcile from './reconcileWorkItems';
import type * as SyncSession from './syncSession';

// What talks to Azure DevOps loads on the first call: the nightly timer and the CLI import this
// surface, and a cold start must not pay for the Azure DevOps client (docs/architecture.md, "Start-up").
export async function withSyncSession<T>(
  ...args: Parameters<typeof SyncSession.withSyncSession<T>>
): ReturnType<typeof SyncSession.withSyncSession<T>> {
  return (await import('./syncSession.js')).withSyncSession<T>(...args);
}
export async function reconcileOrganization(
  ...args: Parameters<typeof Reconcile.reconcileOrganization>
): ReturnType<typeof Reconcile.reconcileOrganization> {
  return (await import('./reconcileWorkItems.js')).reconcileOrganization(...args);
}
export async function linkWorkItem(...args: Parameters<typeof ManualLinks.linkWorkItem>): ReturnType<typeof ManualLinks.linkWorkItem> {
  return (await import('./manualLinks.js')).linkWorkItem(...args);
}
export async function relinkRisk(...args: Parameters<typeof ManualLinks.relinkRisk>): ReturnType<typeof ManualLinks.relinkRisk> {
  return (await import('./manualLinks.js')).relinkRisk(...args);
}
export async function unlinkRisk(...args: Parameters<typeof ManualLinks.unlinkRisk>): ReturnType<typeof ManualLinks.unlinkRisk> {
  return (await import('./manualLinks.js')).unlinkRisk(...args);
}
export async function retryWorkItemSync(
  ...args: Parameters<typeof ManualLinks.retryWorkItemSync>
): ReturnType<typeof ManualLinks.retryWorkItemSync> {
  return (await import('./manualLinks.js')).retryWorkItemSync(...args);
}
