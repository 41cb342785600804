import type { UseCase } from './useCase';

/**
 * Every use case a queue function can run, by name, loaded on first use: a function app's cold
 * start imports none of them (nor the SDKs they bring) before its first webhook is answered
 * (docs/architecture.md, "Start-up"). The event table (eventRoutes.ts) names these.
 */
export const useCases = {
  // build-scan
  scanAzurePipelinesBuild: async () => (await import('../ci/scanAzurePipelinesBuild.js')).scanAzurePipelinesBuild,
  scanGitHubWorkflowRun: async () => (await import('../ci/scanGitHubWorkflowRun.js')).scanGitHubWorkflowRun,
  scanGitLabPipeline: async () => (await import('../ci/scanGitLabPipeline.js')).scanGitLabPipeline,
  recordSarifResults: async () => (await import('../sarif/recordSarifResults.js')).recordSarifResults,
  auditEndpointEvent: async () => (await import('../audit/auditServiceConnections.js')).auditEndpointEvent,
  // repo-scan
  inventoryOrganization: async () => (await import('../repositories/inventory/inventoryOrganization.js')).inventoryOrganization,
  syncRepositoryEvent: async () => (await import('../repositories/inventory/syncRepositoryEvent.js')).syncRepositoryEvent,
  scanRepositoryContent: async () => (await import('../repositories/fullScan/scanRepositoryContent.js')).scanRepositoryContent,
  scanPush: async () => (await import('../repositories/pushScan/scanPush.js')).scanPush,
  scanPullRequest: async () => (await import('../repositories/pullRequestScan/scanPullRequest.js')).scanPullRequest,
  refreshScoreAfterTriage: async () => (await import('../repositories/assets/refreshScoreAfterTriage.js')).refreshScoreAfterTriage,
  // pr-publish
  publishPullRequest: async () => (await import('../pullrequests/publishing/publishPullRequest.js')).publishPullRequest,
  triagePullRequestComment: async () => (await import('../pullrequests/triage/triagePullRequestComment.js')).triagePullRequestComment,
  // workitem-sync
  syncRiskToWorkItem: async () => (await import('../workitems/syncRiskToWorkItem.js')).syncRiskToWorkItem,
  syncWorkItemToRisk: async () => (await import('../workitems/syncWorkItemToRisk.js')).syncWorkItemToRisk,
  reconcileWorkItems: async () => (await import('../workitems/reconcileWorkItems.js')).reconcileWorkItems,
  // alerts
  sendAlert: async () => (await import('../alerts/sendAlert.js')).sendAlert,
  flushHeldAlerts: async () => (await import('../alerts/sendAlert.js')).flushHeldAlerts,
  alertWorkItemSyncFailing: async () => (await import('../alerts/sendNotice.js')).alertWorkItemSyncFailing,
} satisfies Record<string, () => Promise<UseCase>>;

export type UseCaseName = keyof typeof useCases;

const loaded = new Map<UseCaseName, Promise<UseCase>>();

/** The use case of that name, loaded once per process. */
export function loadUseCase(name: UseCaseName): Promise<UseCase> {
  let useCase = loaded.get(name);
  if (!useCase) {
    useCase = useCases[name]();
    // A failed load (a broken install) is not remembered: the next message tries again.
    useCase.catch(() => loaded.delete(name));
    loaded.set(name, useCase);
  }
  return useCase;
}
