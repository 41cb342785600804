import type { EventEnvelope, EventSource } from './envelope';
import type { QueueName } from '../queue/names';

/**
 * The routing table (DESIGN 1): which queues an event goes to. An event that matches no row is
 * acknowledged and recorded as ignored, never enqueued.
 */
export interface Route {
  source: EventSource;
  type: string;
  queues: QueueName[];
  /** Narrows a row to some events of the type (a run that finished, not one that started). */
  when?: (envelope: EventEnvelope) => boolean;
  why?: string;
}

const finishedGitLabPipeline = new Set(['success', 'failed', 'canceled', 'skipped']);

export const routes: Route[] = [
  // Azure DevOps
  { source: 'azure-devops', type: 'build.complete', queues: ['build-scan'] },
  {
    source: 'azure-devops',
    type: 'ms.vss-pipelines.run-state-changed-event',
    queues: ['build-scan'],
    when: (e) => e.subject.state === 'completed',
    why: 'only completed runs have logs to scan',
  },
  { source: 'azure-devops', type: 'ms.vss-endpoint.endpoint-created', queues: ['build-scan'] },
  { source: 'azure-devops', type: 'ms.vss-endpoint.endpoint-updated', queues: ['build-scan'] },
  { source: 'azure-devops', type: 'git.push', queues: ['repo-scan'] },
  { source: 'azure-devops', type: 'git.repo.created', queues: ['repo-scan'] },
  { source: 'azure-devops', type: 'git.repo.renamed', queues: ['repo-scan'] },
  { source: 'azure-devops', type: 'git.repo.statuschanged', queues: ['repo-scan'] },
  { source: 'azure-devops', type: 'git.repo.deleted', queues: ['repo-scan'] },
  { source: 'azure-devops', type: 'git.pullrequest.created', queues: ['repo-scan'] },
  { source: 'azure-devops', type: 'git.pullrequest.updated', queues: ['repo-scan'] },
  { source: 'azure-devops', type: 'workitem.created', queues: ['workitem-sync'] },
  { source: 'azure-devops', type: 'workitem.updated', queues: ['workitem-sync'] },
  { source: 'azure-devops', type: 'workitem.deleted', queues: ['workitem-sync'] },
  { source: 'azure-devops', type: 'workitem.restored', queues: ['workitem-sync'] },
  { source: 'azure-devops', type: 'workitem.commented', queues: ['workitem-sync'] },
  // GitHub
  { source: 'github', type: 'workflow_run.completed', queues: ['build-scan'] },
  { source: 'github', type: 'workflow_job.completed', queues: ['build-scan'] },
  { source: 'github', type: 'push', queues: ['repo-scan'] },
  { source: 'github', type: 'pull_request.opened', queues: ['repo-scan'] },
  { source: 'github', type: 'pull_request.synchronize', queues: ['repo-scan'] },
  { source: 'github', type: 'pull_request.reopened', queues: ['repo-scan'] },
  // GitLab
  {
    source: 'gitlab',
    type: 'pipeline',
    queues: ['build-scan'],
    when: (e) => finishedGitLabPipeline.has(String(e.subject.status)),
    why: 'only finished pipelines have logs to scan',
  },
  { source: 'gitlab', type: 'push', queues: ['repo-scan'] },
  { source: 'gitlab', type: 'merge_request.open', queues: ['repo-scan'] },
  { source: 'gitlab', type: 'merge_request.update', queues: ['repo-scan'] },
  { source: 'gitlab', type: 'merge_request.reopen', queues: ['repo-scan'] },
  // Vigil's own events, chained between handlers
  { source: 'vigil', type: 'risk.opened', queues: ['workitem-sync', 'alerts'] },
  { source: 'vigil', type: 'risk.changed', queues: ['workitem-sync', 'alerts'] },
  { source: 'vigil', type: 'scan.completed', queues: ['pr-publish'] },
  { source: 'vigil', type: 'alerts.flush', queues: ['alerts'], why: 'alerts held back by a destination\'s rate limit go out as one message' },
  { source: 'vigil', type: 'inventory.requested', queues: ['repo-scan'], why: 'the nightly timer and `vigil repos inventory` ask for a fresh inventory' },
  { source: 'vigil', type: 'repository.scan-requested', queues: ['repo-scan'], why: 'a new asset, a changed default branch or `vigil repos scan` ask for a full content scan' },
];

const byKey = new Map<string, Route>(routes.map((route) => [`${route.source}\u0000${route.type}`, route]));

export function routeFor(source: EventSource, type: string): Route | undefined {
  return byKey.get(`${source}\u0000${type}`);
}

/** The queues an envelope goes to; empty when nothing wants it. */
export function queuesFor(envelope: EventEnvelope): QueueName[] {
  const route = routeFor(envelope.source, envelope.type);
  if (!route || (route.when && !route.when(envelope))) return [];
  return route.queues;
}
