import { z } from 'zod';
import { bodyDigestId } from '../deliveryId';
import { extractIds } from './azureDevOpsIds';
import { organizationNamedBy } from './azureDevOpsOrganization';
import { readAzureDevOpsUrls } from './azureDevOpsUrls';
import { secretsEqual } from './constantTime';
import type { HeaderReader, SourceAdapter } from './sourceAdapter';

export { organizationFromUrl } from './azureDevOpsUrls';

/**
 * Azure DevOps service hooks (Web Hooks consumer). They carry no signature: the subscription is
 * configured with a shared secret sent as the Basic-auth password or an `X-Vigil-Hook-Secret` header.
 */
// Every field an extractor reads is optional and a wrong type counts as absent: whatever is missing
// is looked for in the payload's URLs next, and an event with no usable id is parked, not refused.
const lenient = <T extends z.ZodType>(schema: T) => schema.optional().catch(undefined);
const typedId = lenient(z.string().min(1).max(200));
const typedNumber = lenient(z.number().int().positive().max(Number.MAX_SAFE_INTEGER));
const text = lenient(z.string().max(4096));
const links = lenient(z.record(z.string(), lenient(z.object({ href: text }))));
/** Any object with an id, a `url` and `_links`, the fields a Minimal payload keeps. */
const linked = { id: typedId, url: text, _links: links };
const reference = lenient(z.object(linked));
const container = lenient(z.object({ id: typedId, baseUrl: text }));
const containers = lenient(z.object({ account: container, collection: container, project: container }));
const repository = lenient(z.object({ ...linked, project: reference }));

/** A payload whose `resource` has these fields (besides `resourceContainers`). */
const withResource = <S extends z.ZodRawShape>(shape: S) =>
  z.object({ resourceContainers: containers, resource: lenient(z.object({ ...linked, ...shape })) });

const buildComplete = withResource({ id: typedNumber, project: reference });
const runStateChanged = withResource({
  run: lenient(z.object({ ...linked, id: typedNumber, state: lenient(z.string().min(1).max(100)) })),
  pipeline: lenient(z.object({ id: typedNumber })),
});
const endpointChanged = withResource({});
const push = withResource({ pushId: typedNumber, repository });
const repositoryEvent = withResource({ repository });
const repositoryDeleted = withResource({ repositoryId: typedId, project: reference });
const pullRequest = withResource({
  pullRequestId: typedNumber,
  repository,
  lastMergeSourceCommit: lenient(z.object({ commitId: typedId, url: text })),
});
const pullRequestComment = withResource({
  comment: lenient(z.object({ ...linked, id: typedNumber })),
  pullRequest: lenient(z.object({ ...linked, pullRequestId: typedNumber, repository })),
});
const workItem = withResource({ id: typedNumber, rev: typedNumber });
const workItemUpdated = withResource({
  workItemId: typedNumber,
  rev: typedNumber,
  revision: lenient(z.object({ ...linked, id: typedNumber, rev: typedNumber })),
});

const workItemExtractor = extractIds(workItem, (r) => ({
  subject: { workItemId: r?.id, rev: r?.rev },
  required: ['workItemId'],
  urls: [r],
  fromUrls: { workItemId: ['workItemId'] },
}));
const repositoryExtractor = extractIds(repositoryEvent, (r) => ({
  subject: { repositoryId: r?.repository?.id },
  required: ['repositoryId'],
  project: r?.repository?.project?.id,
  urls: [r?.repository, r?.repository?.project, r],
  fromUrls: { repositoryId: ['repositoryId'] },
}));
const endpointExtractor = extractIds(endpointChanged, (r) => ({
  subject: { endpointId: r?.id },
  required: ['endpointId'],
  projectRequired: true,
  // Not resource.url: a service connection's url is the service it points at, not Azure DevOps.
  urls: [{ _links: r?._links }],
  fromUrls: { endpointId: ['endpointId'] },
}));
const pullRequestExtractor = extractIds(pullRequest, (r) => ({
  subject: {
    pullRequestId: r?.pullRequestId,
    repositoryId: r?.repository?.id,
    // Only the source commit's own URL: the target and merge commits' URLs name other commits.
    commitId: r?.lastMergeSourceCommit?.commitId ?? readAzureDevOpsUrls([r?.lastMergeSourceCommit?.url]).ids.commitId,
  },
  required: ['pullRequestId', 'repositoryId'],
  project: r?.repository?.project?.id,
  projectRequired: true,
  urls: [r, r?.repository, r?.repository?.project],
  fromUrls: { pullRequestId: ['pullRequestId'], repositoryId: ['repositoryId'] },
}));

export const azureDevOpsSource: SourceAdapter = {
  source: 'azure-devops',

  authenticatesFromHeaders: true,

  async authenticate(headers, _rawBody, secret) {
    const presented = headers.get('x-vigil-hook-secret') ?? basicAuthPassword(headers);
    return presented !== undefined && presented !== null && secretsEqual(presented, secret);
  },

  organizationOf: organizationNamedBy,

  identify(_headers, payload, rawBody) {
    // Lenient on purpose: an event nothing routes is acknowledged whatever its shape (a 4xx would put
    // the subscription on probation); a routed one is held to what its extractor needs.
    const eventType = nonEmptyString(payload.eventType) ?? 'unknown';
    const id = nonEmptyString(payload.id) ?? bodyDigestId(rawBody);
    // One subscription per event type: without a subscription id, the event type keeps ids apart.
    return { id: `${nonEmptyString(payload.subscriptionId) ?? eventType}:${id}`, type: eventType };
  },

  extractors: {
    'build.complete': extractIds(buildComplete, (r) => ({
      subject: { buildId: r?.id },
      required: ['buildId'],
      project: r?.project?.id,
      projectRequired: true,
      urls: [r, r?.project],
      fromUrls: { buildId: ['buildId'] },
    })),
    'ms.vss-pipelines.run-state-changed-event': extractIds(runStateChanged, (r) => ({
      // Only completed runs are routed: without its state a run cannot be told apart from one that just started.
      subject: { runId: r?.run?.id, state: r?.run?.state, pipelineId: r?.pipeline?.id },
      required: ['runId', 'state'],
      projectRequired: true,
      urls: [r?.run, r],
      // A run's id is its build's id (`_build/results?buildId=` in its web link).
      fromUrls: { runId: ['runId', 'buildId'] },
    })),
    'ms.vss-endpoint.endpoint-created': endpointExtractor,
    'ms.vss-endpoint.endpoint-updated': endpointExtractor,
    'git.push': extractIds(push, (r) => ({
      subject: { pushId: r?.pushId, repositoryId: r?.repository?.id },
      required: ['pushId', 'repositoryId'],
      project: r?.repository?.project?.id,
      projectRequired: true,
      urls: [r, r?.repository, r?.repository?.project],
      fromUrls: { pushId: ['pushId'], repositoryId: ['repositoryId'] },
    })),
    'git.repo.created': repositoryExtractor,
    'git.repo.renamed': repositoryExtractor,
    'git.repo.statuschanged': repositoryExtractor,
    'git.repo.deleted': extractIds(repositoryDeleted, (r) => ({
      subject: { repositoryId: r?.repositoryId },
      required: ['repositoryId'],
      project: r?.project?.id,
      urls: [r, r?.project],
      fromUrls: { repositoryId: ['repositoryId'] },
    })),
    'git.pullrequest.created': pullRequestExtractor,
    'git.pullrequest.updated': pullRequestExtractor,
    'ms.vss-code.git-pullrequest-comment-event': extractIds(pullRequestComment, (r) => ({
      subject: {
        pullRequestId: r?.pullRequest?.pullRequestId,
        repositoryId: r?.pullRequest?.repository?.id,
        threadId: undefined,
        // Not the comment's text: a Minimal payload leaves it out, so every comment is routed and the handler reads it.
        commentId: r?.comment?.id,
      },
      required: ['pullRequestId', 'repositoryId', 'threadId', 'commentId'],
      project: r?.pullRequest?.repository?.project?.id,
      projectRequired: true,
      urls: [r?.comment, r?.pullRequest, r?.pullRequest?.repository, r?.pullRequest?.repository?.project],
      fromUrls: { pullRequestId: ['pullRequestId'], repositoryId: ['repositoryId'], threadId: ['threadId'], commentId: ['commentId'] },
    })),
    'workitem.created': workItemExtractor,
    'workitem.deleted': workItemExtractor,
    'workitem.restored': workItemExtractor,
    'workitem.commented': workItemExtractor,
    'workitem.updated': extractIds(workItemUpdated, (r) => ({
      // In updates, resource.id is the update's id; the work item is workItemId (or the revision's id).
      subject: { workItemId: r?.workItemId ?? r?.revision?.id, rev: r?.rev ?? r?.revision?.rev },
      required: ['workItemId'],
      urls: [r, r?.revision],
      fromUrls: { workItemId: ['workItemId'] },
    })),
  },
};

function basicAuthPassword(headers: HeaderReader): string | undefined {
  const header = headers.get('authorization');
  if (!header || !/^basic\s+/i.test(header)) return undefined;
  const decoded = Buffer.from(header.replace(/^basic\s+/i, ''), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? undefined : decoded.slice(colon + 1);
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
