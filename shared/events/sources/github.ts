import { z } from 'zod';
import { WebhookRejection } from '../webhookErrors';
import { verifyGitHubSignature } from './githubSignature';
import { extractWith } from './schemaExtractor';
import type { Extracted, SourceAdapter } from './sourceAdapter';

/** GitHub webhooks: `X-Hub-Signature-256` over the raw body; `X-GitHub-Delivery` is stable across redeliveries. */
const repository = z.object({
  id: z.number().int(),
  full_name: z.string().min(1),
  owner: z.object({ login: z.string().min(1) }),
});

const workflowRun = z.object({ workflow_run: z.object({ id: z.number().int(), head_sha: z.string().optional() }), repository });
const workflowJob = z.object({ workflow_job: z.object({ id: z.number().int(), run_id: z.number().int() }), repository });
const push = z.object({ ref: z.string(), before: z.string(), after: z.string(), repository });
const pullRequest = z.object({
  number: z.number().int(),
  pull_request: z.object({ head: z.object({ sha: z.string() }) }),
  repository,
});

const issueComment = z.object({
  issue: z.object({ number: z.number().int(), pull_request: z.object({}).passthrough().optional() }),
  comment: z.object({ id: z.number().int(), body: z.string().nullable().optional() }),
  repository,
});
const reviewComment = z.object({
  pull_request: z.object({ number: z.number().int() }),
  comment: z.object({ id: z.number().int(), in_reply_to_id: z.number().int().optional(), body: z.string().nullable().optional() }),
  repository,
});

/** Whether a comment is a `/vigil` command: only those are worth a message (the handler reads the comment again). */
function commandFlag(body: string | null | undefined): 'yes' | 'no' {
  return /^\s*\/vigil\b/i.test(body ?? '') ? 'yes' : 'no';
}

function scope(p: { repository: z.infer<typeof repository> }): Pick<Extracted, 'organization'> {
  return { organization: p.repository.owner.login.toLowerCase() };
}

const pullRequestExtractor = extractWith(pullRequest, (p) => ({
  ...scope(p),
  subject: {
    repository: p.repository.full_name,
    repositoryId: p.repository.id,
    pullRequestNumber: p.number,
    commitId: p.pull_request.head.sha,
  },
}));

const issueCommentExtractor = extractWith(issueComment, (p) => ({
  ...scope(p),
  subject: {
    repository: p.repository.full_name,
    repositoryId: p.repository.id,
    pullRequestNumber: p.issue.number,
    commentId: p.comment.id,
    kind: 'conversation',
    // A comment on an issue that is not a pull request is nothing Vigil posted on.
    command: p.issue.pull_request ? commandFlag(p.comment.body) : 'no',
  },
}));

const reviewCommentExtractor = extractWith(reviewComment, (p) => ({
  ...scope(p),
  subject: {
    repository: p.repository.full_name,
    repositoryId: p.repository.id,
    pullRequestNumber: p.pull_request.number,
    commentId: p.comment.id,
    ...(p.comment.in_reply_to_id ? { threadId: p.comment.in_reply_to_id } : {}),
    kind: 'review',
    command: commandFlag(p.comment.body),
  },
}));

export const githubSource: SourceAdapter = {
  source: 'github',
  authenticatesFromHeaders: false,

  async authenticate(headers, rawBody, secret) {
    const signature = headers.get('x-hub-signature-256');
    if (!signature) return false;
    try {
      return await verifyGitHubSignature(secret, rawBody.toString('utf8'), signature);
    } catch {
      return false;
    }
  },

  // The repository's owner, as the extractors' organization; events without a repository name their organization.
  organizationOf(payload) {
    const login = loginAt(payload.repository, 'owner') ?? loginAt(payload, 'organization');
    return login?.toLowerCase();
  },

  identify(headers, payload) {
    const id = headers.get('x-github-delivery');
    const event = headers.get('x-github-event');
    if (!id) throw new WebhookRejection(400, 'missing_header', 'missing X-GitHub-Delivery header');
    if (!event) throw new WebhookRejection(400, 'missing_header', 'missing X-GitHub-Event header');
    const action = typeof payload.action === 'string' ? payload.action : undefined;
    return { id, type: action ? `${event}.${action}` : event };
  },

  extractors: {
    'workflow_run.completed': extractWith(workflowRun, (p) => ({
      ...scope(p),
      subject: { repository: p.repository.full_name, repositoryId: p.repository.id, runId: p.workflow_run.id },
    })),
    'workflow_job.completed': extractWith(workflowJob, (p) => ({
      ...scope(p),
      subject: {
        repository: p.repository.full_name,
        repositoryId: p.repository.id,
        runId: p.workflow_job.run_id,
        jobId: p.workflow_job.id,
      },
    })),
    push: extractWith(push, (p) => ({
      ...scope(p),
      subject: { repository: p.repository.full_name, repositoryId: p.repository.id, ref: p.ref, before: p.before, after: p.after },
    })),
    'pull_request.opened': pullRequestExtractor,
    'pull_request.synchronize': pullRequestExtractor,
    'pull_request.reopened': pullRequestExtractor,
    'issue_comment.created': issueCommentExtractor,
    'issue_comment.edited': issueCommentExtractor,
    'pull_request_review_comment.created': reviewCommentExtractor,
    'pull_request_review_comment.edited': reviewCommentExtractor,
  },
};

function loginAt(value: unknown, key: string): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const account = (value as Record<string, unknown>)[key];
  if (typeof account !== 'object' || account === null) return undefined;
  const login = (account as Record<string, unknown>).login;
  return typeof login === 'string' && login.length > 0 ? login : undefined;
}
