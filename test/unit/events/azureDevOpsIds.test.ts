import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { azureDevOpsSource } from '../../../shared/events/sources/azureDevOps';
import type { Extracted } from '../../../shared/events/sources/sourceAdapter';
import { UnidentifiedEventError } from '../../../shared/events/unidentifiedEvent';
import { routedServiceHookSamples, serviceHookSamples } from '../../support/minimalServiceHooks';

type Payload = Record<string, unknown> & { eventType: string };

const read = (name: string) => JSON.parse(readFileSync(join(serviceHookSamples, name), 'utf8')) as Payload;
const samples = routedServiceHookSamples((path) => (JSON.parse(readFileSync(path, 'utf8')) as { eventType?: string }).eventType);

/** The typed fields each extractor reads the subject's ids from (the project's are below). */
const typedIds: Record<string, string[]> = {
  'build.complete': ['resource.id'],
  'ms.vss-pipelines.run-state-changed-event': ['resource.run.id'],
  'ms.vss-endpoint.endpoint-created': ['resource.id'],
  'ms.vss-endpoint.endpoint-updated': ['resource.id'],
  'git.push': ['resource.pushId', 'resource.repository.id'],
  'git.repo.created': ['resource.repository.id'],
  'git.repo.renamed': ['resource.repository.id'],
  'git.repo.statuschanged': ['resource.repository.id'],
  'git.repo.deleted': ['resource.repositoryId'],
  'git.pullrequest.created': ['resource.pullRequestId', 'resource.repository.id', 'resource.lastMergeSourceCommit.commitId'],
  'git.pullrequest.updated': ['resource.pullRequestId', 'resource.repository.id', 'resource.lastMergeSourceCommit.commitId'],
  'ms.vss-code.git-pullrequest-comment-event': [
    'resource.pullRequest.pullRequestId',
    'resource.pullRequest.repository.id',
    'resource.comment.id',
  ],
  'workitem.created': ['resource.id'],
  'workitem.updated': ['resource.workItemId', 'resource.revision.id'],
  'workitem.deleted': ['resource.id'],
  'workitem.restored': ['resource.id'],
  'workitem.commented': ['resource.id'],
};

/** Typed fields that name the project besides resourceContainers. */
const typedProject: Record<string, string[]> = {
  'build.complete': ['resource.project.id'],
  'git.push': ['resource.repository.project.id'],
  'git.repo.created': ['resource.repository.project.id'],
  'git.repo.renamed': ['resource.repository.project.id'],
  'git.repo.statuschanged': ['resource.repository.project.id'],
  'git.repo.deleted': ['resource.project.id'],
  'git.pullrequest.created': ['resource.repository.project.id'],
  'git.pullrequest.updated': ['resource.repository.project.id'],
  'ms.vss-code.git-pullrequest-comment-event': ['resource.pullRequest.repository.project.id'],
};

/** Samples in which no URL names an id its typed field gave: with the typed field gone, the delivery is parked. */
const noUrlNames: Record<string, string[]> = {
  // Only `resource.project.url`: nothing links to the deleted repository.
  'git.repo.deleted.json': ['repositoryId'],
  // The resource has no Azure DevOps URL at all (a service connection's `url` is the service it points at).
  'ms.vss-endpoint.endpoint-created.json': ['endpointId'],
  'ms.vss-endpoint.endpoint-updated.json': ['endpointId'],
  // Its one URL spells the build `azure-devops:///Build/Build/…`, a slip of the 2025 docs (real payloads, and the 2022 edition, say `vstfs:///`).
  'alt/build.complete.minimal.docs-2025.json': ['buildId'],
};

/**
 * Where the URLs name another project than the typed fields, or none: with `resourceContainers` and
 * the typed project gone, the project is what the URLs say.
 */
const projectFromUrls: Record<string, string | undefined> = {
  // Work item URLs are organization-level (`…/_apis/wit/workItems/5`): they name no project.
  ...Object.fromEntries(samples.filter((name) => name.includes('workitem.')).map((name) => [name, undefined])),
  // The docs anonymised these samples' ids and URLs separately, so they disagree; real payloads agree.
  'alt/ms.vss-pipelines.run-state-changed-event.docs-2022.json': '863d0a5b-3c91-4bf3-8ad7-7f33736b7f4c',
  'docs-2018/build.complete.json': '71777fbc-1cf2-4bd1-9540-128c1c71f766',
  'git.pullrequest.created.json': 'abcd-1234-efgh-5678',
  // Its comment's `repository` link points at another server's project (`joscol2/DefaultCollection/ebed510c-…`).
  'ms.vss-code.git-pullrequest-comment-event.json': 'ebed510c-62eb-474b-965f-fd151ebb82e4',
};

function extract(payload: Payload): Extracted {
  return azureDevOpsSource.extractors[payload.eventType](payload);
}

function without(payload: Payload, paths: string[]): Payload {
  const copy = structuredClone(payload);
  for (const path of paths) {
    const parts = path.split('.');
    const last = parts.pop() as string;
    let parent: unknown = copy;
    for (const part of parts) parent = (parent as Record<string, unknown> | undefined)?.[part];
    if (typeof parent === 'object' && parent !== null) delete (parent as Record<string, unknown>)[last];
  }
  return copy;
}

function missingIds(action: () => unknown): string[] {
  try {
    action();
  } catch (error) {
    if (error instanceof UnidentifiedEventError) return error.missing;
    throw error;
  }
  throw new Error('expected the event to be unidentified');
}

describe('an Azure DevOps event read from its URLs when its typed fields are missing', () => {
  it('covers every Azure DevOps event type Vigil reads ids from (routed now or once its capability is built) with at least one recorded sample', () => {
    const routed = Object.keys(azureDevOpsSource.extractors);
    expect(new Set(samples.map((name) => read(name).eventType))).toEqual(new Set(routed));
    expect(Object.keys(typedIds).sort()).toEqual([...routed].sort());
  });

  it.each(samples.map((name) => [name]))('%s gives the same event without its typed ids', (name) => {
    const sample = read(name);
    const stripped = without(sample, typedIds[sample.eventType]);
    if (noUrlNames[name]) {
      expect(missingIds(() => extract(stripped))).toEqual(noUrlNames[name]);
    } else {
      expect(extract(stripped)).toEqual(extract(sample));
    }
  });

  it.each(samples.filter((name) => !noUrlNames[name]).map((name) => [name]))(
    '%s gives the same organization and ids without any typed field, resourceContainers included',
    (name) => {
      const sample = read(name);
      const stripped = without(sample, [...typedIds[sample.eventType], ...(typedProject[sample.eventType] ?? []), 'resourceContainers']);
      const full = extract(sample);
      const { project, ...rest } = extract(stripped);
      expect(rest).toEqual({ organization: full.organization, subject: full.subject });
      expect(project).toBe(name in projectFromUrls ? projectFromUrls[name] : full.project);
    },
  );

  it('prefers the typed fields when they and the URLs disagree', () => {
    const sample = read('git.push.json') as Payload & { resource: { pushId: number } };
    sample.resource.pushId = 99;
    expect(extract(sample).subject.pushId).toBe(99);
  });

  it('names the organization after the URLs rather than the account id when no base URL is given', () => {
    // The docs sample carries only resourceContainers.account.id (a GUID) and URLs on dev.azure.com/fabrikam-fiber-inc.
    expect(extract(read('git.push.json')).organization).toBe('fabrikam-fiber-inc');
  });
});

describe('an Azure DevOps event whose ids cannot be found', () => {
  it('names everything missing, so the parked delivery says what to report', () => {
    const payload = { id: 'x', eventType: 'git.push', resource: { url: 'https://example.com/elsewhere' } };
    expect(missingIds(() => extract(payload))).toEqual(['pushId', 'repositoryId', 'organization', 'project']);
  });

  it('cannot tell a run that finished from one that started without its state', () => {
    const sample = without(read('ms.vss-pipelines.run-state-changed-event.json'), ['resource.run.state']);
    expect(missingIds(() => extract(sample))).toEqual(['state']);
  });

  it.each(Object.keys(typedIds).map((type) => [type]))(
    '%s of any shape is either identified or unidentified, never an error of another kind',
    (type) => {
      const shapes: unknown[] = [
        undefined,
        null,
        'resource',
        42,
        [],
        [{ id: 1 }],
        { id: 'not-a-number', url: 7, _links: 'nope' },
        { id: -1, pushId: 1.5, repository: [], run: { id: '11', state: 7 }, workItemId: '5', revision: null },
        { _links: { self: null, web: { href: 12 }, other: { href: 'https://dev.azure.com/%zz/_apis/build/Builds/1' } } },
      ];
      for (const resource of shapes) {
        for (const resourceContainers of [undefined, 'x', { account: 'x', project: { id: 5 } }]) {
          const payload = { id: 'x', eventType: type, resource, resourceContainers } as Payload;
          try {
            extract(payload);
          } catch (error) {
            expect(error, JSON.stringify({ resource, resourceContainers })).toBeInstanceOf(UnidentifiedEventError);
          }
        }
      }
    },
  );
});
