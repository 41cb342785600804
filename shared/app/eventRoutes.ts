import type { EventEnvelope, EventSource } from '../events/envelope';
import type { QueueName } from '../queue/names';
import type { UseCaseName } from './useCases';

/**
 * The one table from event to work (docs/architecture.md, "Which event runs what"). The webhook
 * reads it to choose queues; each queue function reads it to choose the use case. An event can
 * have one row per queue it goes to. An event that matches no row is acknowledged and recorded as
 * ignored, never enqueued, never parked.
 */
export interface EventRoute {
  source: EventSource;
  type: string;
  queue: QueueName;
  useCase: UseCaseName;
  /** Narrows the row to some events of the type; `otherwise` is the reason the rest are ignored. */
  only?: { when: (envelope: EventEnvelope) => boolean; otherwise: string };
}

/** Only `/vigil` commands are worth a message (GitHub and GitLab send the text; Azure DevOps' Minimal payloads do not, so its comments are all read by the handler). */
const vigilCommand = {
  when: (e: EventEnvelope) => e.subject.command !== 'no',
  otherwise: 'only /vigil commands on pull requests are acted on',
};

/** GitLab sends a Pipeline Hook on every status change; only a finished pipeline's job traces are complete. */
const finishedPipeline = {
  when: (e: EventEnvelope) => ['success', 'failed', 'canceled'].includes(String(e.subject.status)),
  otherwise: 'only finished pipelines (success, failed, canceled) have job logs to scan',
};

/** A person's triage (subject.source says where it was made); a scan's own changes refresh the score in the scan. */
const triageChange = {
  when: (e: EventEnvelope) => typeof e.subject.source === 'string',
  otherwise: "a scan's risk changes refresh the repository score in the scan itself",
};

const completedRun = { when: (e: EventEnvelope) => e.subject.state === 'completed', otherwise: 'only completed runs have logs to scan' };

// The table is aligned by hand so it reads as one.
export const eventRoutes: readonly EventRoute[] = [
  // source          event type                                    queue             use case
  // Azure DevOps
  { source: 'azure-devops', type: 'build.complete', queue: 'build-scan', useCase: 'scanAzurePipelinesBuild' },
  {
    source: 'azure-devops',
    type: 'ms.vss-pipelines.run-state-changed-event',
    queue: 'build-scan',
    useCase: 'scanAzurePipelinesBuild',
    only: completedRun,
  },
  { source: 'azure-devops', type: 'ms.vss-endpoint.endpoint-created', queue: 'build-scan', useCase: 'auditEndpointEvent' },
  { source: 'azure-devops', type: 'ms.vss-endpoint.endpoint-updated', queue: 'build-scan', useCase: 'auditEndpointEvent' },
  { source: 'azure-devops', type: 'git.push', queue: 'repo-scan', useCase: 'scanPush' },
  { source: 'azure-devops', type: 'git.repo.created', queue: 'repo-scan', useCase: 'syncRepositoryEvent' },
  { source: 'azure-devops', type: 'git.repo.renamed', queue: 'repo-scan', useCase: 'syncRepositoryEvent' },
  { source: 'azure-devops', type: 'git.repo.statuschanged', queue: 'repo-scan', useCase: 'syncRepositoryEvent' },
  { source: 'azure-devops', type: 'git.repo.deleted', queue: 'repo-scan', useCase: 'syncRepositoryEvent' },
  { source: 'azure-devops', type: 'git.pullrequest.created', queue: 'repo-scan', useCase: 'scanPullRequest' },
  { source: 'azure-devops', type: 'git.pullrequest.updated', queue: 'repo-scan', useCase: 'scanPullRequest' },
  { source: 'azure-devops', type: 'ms.vss-code.git-pullrequest-comment-event', queue: 'pr-publish', useCase: 'triagePullRequestComment' },
  { source: 'azure-devops', type: 'workitem.updated', queue: 'workitem-sync', useCase: 'syncWorkItemToRisk' },
  { source: 'azure-devops', type: 'workitem.deleted', queue: 'workitem-sync', useCase: 'syncWorkItemToRisk' },
  { source: 'azure-devops', type: 'workitem.restored', queue: 'workitem-sync', useCase: 'syncWorkItemToRisk' },
  // GitHub
  { source: 'github', type: 'workflow_run.completed', queue: 'build-scan', useCase: 'scanGitHubWorkflowRun' },
  { source: 'github', type: 'workflow_job.completed', queue: 'build-scan', useCase: 'scanGitHubWorkflowRun' },
  { source: 'github', type: 'push', queue: 'repo-scan', useCase: 'scanPush' },
  { source: 'github', type: 'pull_request.opened', queue: 'repo-scan', useCase: 'scanPullRequest' },
  { source: 'github', type: 'pull_request.synchronize', queue: 'repo-scan', useCase: 'scanPullRequest' },
  { source: 'github', type: 'pull_request.reopened', queue: 'repo-scan', useCase: 'scanPullRequest' },
  { source: 'github', type: 'issue_comment.created', queue: 'pr-publish', useCase: 'triagePullRequestComment', only: vigilCommand },
  { source: 'github', type: 'issue_comment.edited', queue: 'pr-publish', useCase: 'triagePullRequestComment', only: vigilCommand },
  {
    source: 'github',
    type: 'pull_request_review_comment.created',
    queue: 'pr-publish',
    useCase: 'triagePullRequestComment',
    only: vigilCommand,
  },
  {
    source: 'github',
    type: 'pull_request_review_comment.edited',
    queue: 'pr-publish',
    useCase: 'triagePullRequestComment',
    only: vigilCommand,
  },
  // GitLab
  { source: 'gitlab', type: 'pipeline', queue: 'build-scan', useCase: 'scanGitLabPipeline', only: finishedPipeline },
  { source: 'gitlab', type: 'push', queue: 'repo-scan', useCase: 'scanPush' },
  { source: 'gitlab', type: 'merge_request.open', queue: 'repo-scan', useCase: 'scanPullRequest' },
  { source: 'gitlab', type: 'merge_request.update', queue: 'repo-scan', useCase: 'scanPullRequest' },
  { source: 'gitlab', type: 'merge_request.reopen', queue: 'repo-scan', useCase: 'scanPullRequest' },
  { source: 'gitlab', type: 'note', queue: 'pr-publish', useCase: 'triagePullRequestComment', only: vigilCommand },
  { source: 'gitlab', type: 'note.create', queue: 'pr-publish', useCase: 'triagePullRequestComment', only: vigilCommand },
  { source: 'gitlab', type: 'note.update', queue: 'pr-publish', useCase: 'triagePullRequestComment', only: vigilCommand },
  // Results a CI posted (POST /api/hooks/ci)
  { source: 'ci', type: 'sarif.uploaded', queue: 'build-scan', useCase: 'recordSarifResults' },
  // Vigil's own events, chained between use cases
  { source: 'vigil', type: 'risk.opened', queue: 'alerts', useCase: 'sendAlert' },
  { source: 'vigil', type: 'risk.opened', queue: 'workitem-sync', useCase: 'syncRiskToWorkItem' },
  { source: 'vigil', type: 'risk.changed', queue: 'alerts', useCase: 'sendAlert' },
  { source: 'vigil', type: 'risk.changed', queue: 'workitem-sync', useCase: 'syncRiskToWorkItem' },
  { source: 'vigil', type: 'risk.changed', queue: 'repo-scan', useCase: 'refreshScoreAfterTriage', only: triageChange },
  { source: 'vigil', type: 'alerts.flush', queue: 'alerts', useCase: 'flushHeldAlerts' },
  { source: 'vigil', type: 'workitems.sync-failing', queue: 'alerts', useCase: 'alertWorkItemSyncFailing' },
  { source: 'vigil', type: 'workitems.reconcile-requested', queue: 'workitem-sync', useCase: 'reconcileWorkItems' },
  { source: 'vigil', type: 'inventory.requested', queue: 'repo-scan', useCase: 'inventoryOrganization' },
  { source: 'vigil', type: 'repository.scan-requested', queue: 'repo-scan', useCase: 'scanRepositoryContent' },
  { source: 'vigil', type: 'scan.completed', queue: 'pr-publish', useCase: 'publishPullRequest' },
];

/**
 * Events whose capability is not built yet. They are acknowledged (`202`, ignored, with this
 * reason) rather than parked: a parked message asks an operator to act, and there is nothing to do.
 */
export const notBuiltYet: ReadonlyArray<{ source: EventSource; types: readonly string[]; capability: string }> = [];

/**
 * Events a built capability has no use for, acknowledged and ignored with the reason, so a
 * subscription made by hand for them is not mistaken for something missing.
 */
export const ignoredOnPurpose: ReadonlyArray<{ source: EventSource; types: readonly string[]; reason: string }> = [
  {
    source: 'azure-devops',
    types: ['workitem.created', 'workitem.commented'],
    reason:
      'work-item sync follows updates, deletions and restores: a work item is linked when Vigil files it or an operator links it, and comments change no risk',
  },
];

const key = (source: string, type: string) => `${source}\u0000${type}`;
const rowsByEvent = new Map<string, EventRoute[]>();
for (const route of eventRoutes)
  rowsByEvent.set(key(route.source, route.type), [...(rowsByEvent.get(key(route.source, route.type)) ?? []), route]);
const unbuilt = new Map(notBuiltYet.flatMap((entry) => entry.types.map((type) => [key(entry.source, type), entry.capability] as const)));
const onPurpose = new Map(ignoredOnPurpose.flatMap((entry) => entry.types.map((type) => [key(entry.source, type), entry.reason] as const)));

/** True when some row takes this event type (whether or not a given event of it passes the row's condition). */
export function isRouted(source: EventSource, type: string): boolean {
  return rowsByEvent.has(key(source, type));
}

/** Why an event type no row takes is ignored: its capability is not built yet, or Vigil has no use for it. */
export function whyUnrouted(source: EventSource, type: string): string {
  const capability = unbuilt.get(key(source, type));
  if (capability) return `not built yet: ${capability}`;
  return onPurpose.get(key(source, type)) ?? `no route for event type '${type}'`;
}

/** The queues an envelope goes to, or why it goes nowhere. */
export function routeEvent(envelope: EventEnvelope): { queues: QueueName[] } | { queues: []; ignored: string } {
  const rows = rowsByEvent.get(key(envelope.source, envelope.type));
  if (!rows) return { queues: [], ignored: whyUnrouted(envelope.source, envelope.type) };
  const taken = rows.filter((row) => !row.only || row.only.when(envelope));
  if (taken.length === 0) return { queues: [], ignored: rows.find((row) => row.only)?.only?.otherwise ?? 'not routed' };
  return { queues: [...new Set(taken.map((row) => row.queue))] };
}

/** The queues an envelope goes to; empty when nothing takes it (for use cases that emit events). */
export function queuesFor(envelope: EventEnvelope): QueueName[] {
  return routeEvent(envelope).queues;
}

/** The row a queue function runs for an envelope it received, if any. */
export function routeOnQueue(queue: QueueName, envelope: EventEnvelope): EventRoute | undefined {
  return rowsByEvent.get(key(envelope.source, envelope.type))?.find((row) => row.queue === queue);
}
