import { z } from 'zod';
import { secretsEqual } from './constantTime';
import { extractWith } from './schemaExtractor';
import type { Extracted, HeaderReader, SourceAdapter } from './sourceAdapter';
import { WebhookRejection } from '../webhookErrors';
import { bodyDigestId } from '../deliveryId';
import { organizationNamedBy, projectNamedBy } from './azureDevOpsOrganization';

export { organizationFromUrl } from './azureDevOpsOrganization';

/**
 * Azure DevOps service hooks (Web Hooks consumer). They carry no signature: the subscription is
 * configured with a shared secret sent as the Basic-auth password or an `X-Vigil-Hook-Secret` header.
 */
const container = z.object({ id: z.string().optional(), baseUrl: z.string().optional() }).optional();
const common = z.object({
  id: z.string().min(1),
  eventType: z.string().min(1),
  subscriptionId: z.string().optional(),
  resourceContainers: z
    .object({ account: container, collection: container, project: container })
    .partial()
    .optional(),
});

const repository = z.object({ id: z.string().min(1), project: z.object({ id: z.string().min(1) }).optional() });

const buildComplete = common.extend({
  resource: z.object({ id: z.number().int(), project: z.object({ id: z.string() }).optional() }),
});
const runStateChanged = common.extend({
  resource: z.object({
    run: z.object({ id: z.number().int().optional(), url: z.string().optional(), state: z.string().min(1) }),
    pipeline: z.object({ id: z.number().int() }).optional(),
  }),
});
const endpointChanged = common.extend({
  resource: z.object({ id: z.string().min(1), type: z.string().optional(), projectIds: z.array(z.string()).optional() }),
});
const push = common.extend({
  resource: z.object({ pushId: z.number().int(), repository }),
});
const repositoryEvent = common.extend({ resource: z.object({ repository }) });
const repositoryDeleted = common.extend({
  resource: z.object({ repositoryId: z.string().min(1), project: z.object({ id: z.string() }).optional() }),
});
const pullRequest = common.extend({
  resource: z.object({
    pullRequestId: z.number().int(),
    repository,
    lastMergeSourceCommit: z.object({ commitId: z.string() }).optional(),
  }),
});
const workItem = common.extend({
  resource: z.object({ id: z.number().int(), rev: z.number().int().optional() }),
});
const workItemUpdated = common.extend({
  resource: z.object({
    id: z.number().int(),
    workItemId: z.number().int().optional(),
    rev: z.number().int().optional(),
    revision: z.object({ id: z.number().int(), rev: z.number().int().optional() }).optional(),
  }),
});

const workItemExtractor = extractWith(workItem, (p, raw) => ({
  ...scope(raw),
  subject: { workItemId: p.resource.id, ...(p.resource.rev === undefined ? {} : { rev: p.resource.rev }) },
}));
const repositoryExtractor = extractWith(repositoryEvent, (p, raw) => ({
  ...scope(raw, p.resource.repository.project?.id),
  subject: { repositoryId: p.resource.repository.id },
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
    // the subscription on probation); a routed one is held to its schema by its extractor.
    const eventType = nonEmptyString(payload.eventType) ?? 'unknown';
    const id = nonEmptyString(payload.id) ?? bodyDigestId(rawBody);
    // One subscription per event type: without a subscription id, the event type keeps ids apart.
    return { id: `${nonEmptyString(payload.subscriptionId) ?? eventType}:${id}`, type: eventType };
  },

  extractors: {
    'build.complete': extractWith(buildComplete, (p, raw) => ({
      ...scope(raw, p.resource.project?.id),
      subject: { buildId: p.resource.id },
    })),
    'ms.vss-pipelines.run-state-changed-event': extractWith(runStateChanged, (p, raw) => {
      const runId = p.resource.run.id ?? runIdFromUrl(p.resource.run.url);
      if (runId === undefined) {
        throw new WebhookRejection(422, 'invalid_payload', "payload field 'resource.run.id': missing, and no run id in resource.run.url", 'resource.run.id');
      }
      return {
        ...scope(raw),
        subject: { runId, state: p.resource.run.state, ...(p.resource.pipeline ? { pipelineId: p.resource.pipeline.id } : {}) },
      };
    }),
    'ms.vss-endpoint.endpoint-created': extractWith(endpointChanged, (p, raw) => ({ ...scope(raw), subject: { endpointId: p.resource.id } })),
    'ms.vss-endpoint.endpoint-updated': extractWith(endpointChanged, (p, raw) => ({ ...scope(raw), subject: { endpointId: p.resource.id } })),
    'git.push': extractWith(push, (p, raw) => ({
      ...scope(raw, p.resource.repository.project?.id),
      subject: { pushId: p.resource.pushId, repositoryId: p.resource.repository.id },
    })),
    'git.repo.created': repositoryExtractor,
    'git.repo.renamed': repositoryExtractor,
    'git.repo.statuschanged': repositoryExtractor,
    'git.repo.deleted': extractWith(repositoryDeleted, (p, raw) => ({
      ...scope(raw, p.resource.project?.id),
      subject: { repositoryId: p.resource.repositoryId },
    })),
    'git.pullrequest.created': extractWith(pullRequest, pullRequestSubject),
    'git.pullrequest.updated': extractWith(pullRequest, pullRequestSubject),
    'workitem.created': workItemExtractor,
    'workitem.deleted': workItemExtractor,
    'workitem.restored': workItemExtractor,
    'workitem.commented': workItemExtractor,
    'workitem.updated': extractWith(workItemUpdated, (p, raw) => {
      // In updates, resource.id is the update's id; the work item is workItemId (or the revision's id).
      const workItemId = p.resource.workItemId || p.resource.revision?.id;
      if (!workItemId) {
        throw new WebhookRejection(422, 'invalid_payload', "payload field 'resource.workItemId': missing", 'resource.workItemId');
      }
      const rev = p.resource.rev ?? p.resource.revision?.rev;
      return { ...scope(raw), subject: { workItemId, ...(rev === undefined ? {} : { rev }) } };
    }),
  },
};

function pullRequestSubject(p: z.infer<typeof pullRequest>, raw: Record<string, unknown>): Extracted {
  return {
    ...scope(raw, p.resource.repository.project?.id),
    subject: {
      pullRequestId: p.resource.pullRequestId,
      repositoryId: p.resource.repository.id,
      ...(p.resource.lastMergeSourceCommit ? { commitId: p.resource.lastMergeSourceCommit.commitId } : {}),
    },
  };
}

/** The organization (by name when a URL tells it, else the account id) and project of an event, from the payload as it arrived. */
function scope(payload: Record<string, unknown>, projectId?: string): { organization: string; project?: string } {
  const organization = organizationNamedBy(payload);
  if (!organization) {
    throw new WebhookRejection(
      422,
      'invalid_payload',
      "payload field 'resourceContainers.account': cannot tell the organization (no account id and no Azure DevOps URL)",
      'resourceContainers.account',
    );
  }
  const project = projectId ?? projectNamedBy(payload);
  return project ? { organization, project } : { organization };
}

function runIdFromUrl(url: string | undefined): number | undefined {
  const match = url ? /\/runs\/(\d+)(?:[/?#]|$)/i.exec(url) : null;
  return match ? Number(match[1]) : undefined;
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function basicAuthPassword(headers: HeaderReader): string | undefined {
  const header = headers.get('authorization');
  if (!header || !/^basic\s+/i.test(header)) return undefined;
  const decoded = Buffer.from(header.replace(/^basic\s+/i, ''), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? undefined : decoded.slice(colon + 1);
}
