import { z } from 'zod';
import { secretsEqual } from './constantTime';
import { extractWith } from './schemaExtractor';
import type { Extracted, HeaderReader, SourceAdapter } from './sourceAdapter';
import { WebhookRejection } from '../webhookErrors';

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
type Common = z.infer<typeof common>;

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

const workItemExtractor = extractWith(workItem, (p) => ({
  ...scope(p),
  subject: { workItemId: p.resource.id, ...(p.resource.rev === undefined ? {} : { rev: p.resource.rev }) },
}));
const repositoryExtractor = extractWith(repositoryEvent, (p) => ({
  ...scope(p, p.resource.repository.project?.id),
  subject: { repositoryId: p.resource.repository.id },
}));

export const azureDevOpsSource: SourceAdapter = {
  source: 'azure-devops',

  async authenticate(headers, _rawBody, secret) {
    const presented = headers.get('x-vigil-hook-secret') ?? basicAuthPassword(headers);
    return presented !== undefined && presented !== null && secretsEqual(presented, secret);
  },

  identify(_headers, payload) {
    const parsed = common.safeParse(payload);
    if (!parsed.success) {
      const field = parsed.error.issues[0].path.map(String).join('.');
      throw new WebhookRejection(422, 'invalid_payload', `payload field '${field}': ${parsed.error.issues[0].message}`, field);
    }
    // One subscription per event type: without a subscription id, the event type keeps ids apart.
    return { id: `${parsed.data.subscriptionId ?? parsed.data.eventType}:${parsed.data.id}`, type: parsed.data.eventType };
  },

  extractors: {
    'build.complete': extractWith(buildComplete, (p) => ({
      ...scope(p, p.resource.project?.id),
      subject: { buildId: p.resource.id },
    })),
    'ms.vss-pipelines.run-state-changed-event': extractWith(runStateChanged, (p) => {
      const runId = p.resource.run.id ?? runIdFromUrl(p.resource.run.url);
      if (runId === undefined) {
        throw new WebhookRejection(422, 'invalid_payload', "payload field 'resource.run.id': missing, and no run id in resource.run.url", 'resource.run.id');
      }
      return {
        ...scope(p),
        subject: { runId, state: p.resource.run.state, ...(p.resource.pipeline ? { pipelineId: p.resource.pipeline.id } : {}) },
      };
    }),
    'ms.vss-endpoint.endpoint-created': extractWith(endpointChanged, (p) => ({ ...scope(p), subject: { endpointId: p.resource.id } })),
    'ms.vss-endpoint.endpoint-updated': extractWith(endpointChanged, (p) => ({ ...scope(p), subject: { endpointId: p.resource.id } })),
    'git.push': extractWith(push, (p) => ({
      ...scope(p, p.resource.repository.project?.id),
      subject: { pushId: p.resource.pushId, repositoryId: p.resource.repository.id },
    })),
    'git.repo.created': repositoryExtractor,
    'git.repo.renamed': repositoryExtractor,
    'git.repo.statuschanged': repositoryExtractor,
    'git.repo.deleted': extractWith(repositoryDeleted, (p) => ({
      ...scope(p, p.resource.project?.id),
      subject: { repositoryId: p.resource.repositoryId },
    })),
    'git.pullrequest.created': extractWith(pullRequest, pullRequestSubject),
    'git.pullrequest.updated': extractWith(pullRequest, pullRequestSubject),
    'workitem.created': workItemExtractor,
    'workitem.deleted': workItemExtractor,
    'workitem.restored': workItemExtractor,
    'workitem.commented': workItemExtractor,
    'workitem.updated': extractWith(workItemUpdated, (p) => {
      // In updates, resource.id is the update's id; the work item is workItemId (or the revision's id).
      const workItemId = p.resource.workItemId || p.resource.revision?.id;
      if (!workItemId) {
        throw new WebhookRejection(422, 'invalid_payload', "payload field 'resource.workItemId': missing", 'resource.workItemId');
      }
      const rev = p.resource.rev ?? p.resource.revision?.rev;
      return { ...scope(p), subject: { workItemId, ...(rev === undefined ? {} : { rev }) } };
    }),
  },
};

function pullRequestSubject(p: z.infer<typeof pullRequest>): Extracted {
  return {
    ...scope(p, p.resource.repository.project?.id),
    subject: {
      pullRequestId: p.resource.pullRequestId,
      repositoryId: p.resource.repository.id,
      ...(p.resource.lastMergeSourceCommit ? { commitId: p.resource.lastMergeSourceCommit.commitId } : {}),
    },
  };
}

/** The organization (by name when a URL tells it, else the account id) and project of an event. */
function scope(payload: Common & { resource: unknown }, projectId?: string): { organization: string; project?: string } {
  const containers = payload.resourceContainers;
  const organization =
    organizationFromUrl(containers?.account?.baseUrl) ??
    organizationFromUrl(containers?.collection?.baseUrl) ??
    organizationFromUrl(firstUrlIn(payload.resource, 4)) ??
    containers?.account?.id;
  if (!organization) {
    throw new WebhookRejection(
      422,
      'invalid_payload',
      "payload field 'resourceContainers.account': cannot tell the organization (no account id and no Azure DevOps URL)",
      'resourceContainers.account',
    );
  }
  const project = projectId ?? containers?.project?.id;
  return project ? { organization, project } : { organization };
}

export function organizationFromUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const host = parsed.hostname.toLowerCase();
  if (host.endsWith('.visualstudio.com')) return host.slice(0, -'.visualstudio.com'.length);
  // Organization names are case-insensitive in Azure DevOps; one spelling keeps settings lookups simple.
  const first = parsed.pathname.split('/').find((segment) => segment.length > 0);
  return first ? decodeURIComponent(first).toLowerCase() : undefined;
}

function firstUrlIn(value: unknown, depth: number): string | undefined {
  if (typeof value === 'string') return /^https?:\/\//i.test(value) ? value : undefined;
  if (depth === 0 || typeof value !== 'object' || value === null) return undefined;
  for (const child of Object.values(value)) {
    const found = firstUrlIn(child, depth - 1);
    if (found) return found;
  }
  return undefined;
}

function runIdFromUrl(url: string | undefined): number | undefined {
  const match = url ? /\/runs\/(\d+)(?:[/?#]|$)/i.exec(url) : null;
  return match ? Number(match[1]) : undefined;
}

function basicAuthPassword(headers: HeaderReader): string | undefined {
  const header = headers.get('authorization');
  if (!header || !/^basic\s+/i.test(header)) return undefined;
  const decoded = Buffer.from(header.replace(/^basic\s+/i, ''), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? undefined : decoded.slice(colon + 1);
}
