import { describe, expect, it } from 'vitest';
import { eventRoutes, isRouted, notBuiltYet, routeEvent, routeOnQueue } from '../../../shared/app/eventRoutes';
import { loadUseCase, useCases } from '../../../shared/app/useCases';
import type { EventEnvelope } from '../../../shared/events/envelope';
import { azureDevOpsSource } from '../../../shared/events/sources/azureDevOps';
import { githubSource } from '../../../shared/events/sources/github';
import { gitlabSource } from '../../../shared/events/sources/gitlab';
import { appFunctions } from '../../support/testHost';

const sources = { 'azure-devops': azureDevOpsSource, github: githubSource, gitlab: gitlabSource };

function envelope(source: EventEnvelope['source'], type: string, subject: EventEnvelope['subject'] = {}): EventEnvelope {
  return { id: `${source}:${type}`, source, type, organization: 'contoso', subject, receivedAt: '2026-12-07T00:00:00Z' };
}

describe('the event table', () => {
  it.each(eventRoutes.map((row) => [row.source, row.type, row.queue, row.useCase]))(
    '%s %s goes to %s, where a registered function runs %s',
    async (_source, _type, queue, name) => {
      const boundQueues = (await appFunctions()).flatMap((f) => (f.kind === 'queue' ? [f.queue] : []));
      expect(boundQueues).toContain(queue);
      expect(typeof (await loadUseCase(name))).toBe('function');
    },
  );

  it('names only use cases that exist, and every use case is in the table', () => {
    expect(new Set(eventRoutes.map((row) => row.useCase))).toEqual(new Set(Object.keys(useCases)));
  });

  it('has one row at most per event and queue', () => {
    const keys = eventRoutes.map((row) => `${row.source} ${row.type} ${row.queue}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('can read the ids of every webhook event it routes from the payload', () => {
    for (const row of eventRoutes) {
      // Vigil's own events are made by use cases; CI results by their own intake (shared/events/ciResults.ts).
      if (row.source === 'vigil' || row.source === 'ci') continue;
      expect(sources[row.source].extractors[row.type], `${row.source} ${row.type}`).toBeTypeOf('function');
    }
  });

  it('never lists an event both as routed and as not built yet', () => {
    for (const entry of notBuiltYet)
      for (const type of entry.types) expect(isRouted(entry.source, type), `${entry.source} ${type}`).toBe(false);
  });

  it('tells a queue function which use case runs an event it received', () => {
    expect(routeOnQueue('build-scan', envelope('azure-devops', 'build.complete'))?.useCase).toBe('scanAzurePipelinesBuild');
    expect(routeOnQueue('repo-scan', envelope('azure-devops', 'build.complete'))).toBeUndefined();
    expect(routeOnQueue('alerts', envelope('vigil', 'alerts.flush'))?.useCase).toBe('flushHeldAlerts');
  });

  it('records the SARIF results a CI posted on the build-scan queue', () => {
    expect(routeEvent(envelope('ci', 'sarif.uploaded', { uploadId: 'sarif-x' }))).toEqual({ queues: ['build-scan'] });
    expect(routeOnQueue('build-scan', envelope('ci', 'sarif.uploaded'))?.useCase).toBe('recordSarifResults');
  });

  it('ignores an event type it does not know, and says so', () => {
    expect(routeEvent(envelope('azure-devops', 'tfvc.checkin'))).toEqual({ queues: [], ignored: "no route for event type 'tfvc.checkin'" });
  });

  it('scans a GitLab pipeline once it has finished, and says why not while it runs', () => {
    for (const status of ['success', 'failed', 'canceled'])
      expect(routeEvent(envelope('gitlab', 'pipeline', { status }))).toEqual({ queues: ['build-scan'] });
    for (const status of ['created', 'pending', 'running', 'manual', 'skipped'])
      expect(routeEvent(envelope('gitlab', 'pipeline', { status }))).toEqual({
        queues: [],
        ignored: 'only finished pipelines (success, failed, canceled) have job logs to scan',
      });
    expect(routeOnQueue('build-scan', envelope('gitlab', 'pipeline', { status: 'success' }))?.useCase).toBe('scanGitLabPipeline');
  });

  it('scans pull requests on every platform and publishes what the scans find', () => {
    expect(routeEvent(envelope('github', 'pull_request.synchronize'))).toEqual({ queues: ['repo-scan'] });
    expect(routeEvent(envelope('gitlab', 'merge_request.update'))).toEqual({ queues: ['repo-scan'] });
    expect(routeOnQueue('pr-publish', envelope('vigil', 'scan.completed'))?.useCase).toBe('publishPullRequest');
  });

  it('routes work item changes and risk events to the work-item sync, and says why it ignores created and commented', () => {
    for (const type of ['workitem.updated', 'workitem.deleted', 'workitem.restored']) {
      expect(routeOnQueue('workitem-sync', envelope('azure-devops', type, { workItemId: 7 }))?.useCase).toBe('syncWorkItemToRisk');
    }
    expect(routeEvent(envelope('vigil', 'risk.opened'))).toEqual({ queues: ['alerts', 'workitem-sync'] });
    expect(routeOnQueue('workitem-sync', envelope('vigil', 'risk.changed'))?.useCase).toBe('syncRiskToWorkItem');
    expect(routeEvent(envelope('azure-devops', 'workitem.commented'))).toMatchObject({
      queues: [],
      ignored: expect.stringMatching(/^work-item sync follows updates/),
    });
  });

  it('routes a pipeline run only once it has completed, and says why otherwise', () => {
    const runEvent = 'ms.vss-pipelines.run-state-changed-event';
    expect(routeEvent(envelope('azure-devops', runEvent, { state: 'completed' }))).toEqual({ queues: ['build-scan'] });
    expect(routeEvent(envelope('azure-devops', runEvent, { state: 'inProgress' }))).toEqual({
      queues: [],
      ignored: 'only completed runs have logs to scan',
    });
  });
});
