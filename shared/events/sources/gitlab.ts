import { createHash } from 'node:crypto';
import { z } from 'zod';
import { secretsEqual } from './constantTime';
import { extractWith } from './schemaExtractor';
import type { Extracted, SourceAdapter } from './sourceAdapter';

/** GitLab webhooks: the secret token comes back verbatim in `X-Gitlab-Token`. */
const project = z.object({ id: z.number().int(), path_with_namespace: z.string().min(1) });

const pipeline = z.object({
  object_attributes: z.object({ id: z.number().int(), status: z.string().min(1), ref: z.string().nullable().optional() }),
  project,
});
const push = z.object({ ref: z.string(), before: z.string(), after: z.string(), project });
const mergeRequest = z.object({
  object_attributes: z.object({ iid: z.number().int(), last_commit: z.object({ id: z.string() }).optional() }),
  project,
});

const note = z.object({
  object_attributes: z.object({
    id: z.number().int(),
    note: z.string().nullable().optional(),
    noteable_type: z.string(),
    discussion_id: z.string().nullable().optional(),
  }),
  merge_request: z.object({ iid: z.number().int() }).optional(),
  project,
});

function scope(p: { project: z.infer<typeof project> }): Pick<Extracted, 'organization'> {
  return { organization: p.project.path_with_namespace.split('/')[0].toLowerCase() };
}

const mergeRequestExtractor = extractWith(mergeRequest, (p) => ({
  ...scope(p),
  subject: {
    projectId: p.project.id,
    repository: p.project.path_with_namespace,
    mergeRequestIid: p.object_attributes.iid,
    ...(p.object_attributes.last_commit ? { commitId: p.object_attributes.last_commit.id } : {}),
  },
}));

/** A comment on a merge request: routed when it is a `/vigil` command (the handler reads the note again). */
const noteExtractor = extractWith(note, (p) => ({
  ...scope(p),
  subject: {
    projectId: p.project.id,
    repository: p.project.path_with_namespace,
    ...(p.merge_request ? { mergeRequestIid: p.merge_request.iid } : {}),
    noteId: p.object_attributes.id,
    ...(p.object_attributes.discussion_id ? { discussionId: p.object_attributes.discussion_id } : {}),
    command:
      p.object_attributes.noteable_type === 'MergeRequest' && p.merge_request && /^\s*\/vigil\b/i.test(p.object_attributes.note ?? '')
        ? 'yes'
        : 'no',
  },
}));

export const gitlabSource: SourceAdapter = {
  source: 'gitlab',
  authenticatesFromHeaders: true,

  async authenticate(headers, _rawBody, secret) {
    const token = headers.get('x-gitlab-token');
    return token !== null && secretsEqual(token, secret);
  },

  // The top-level group (or user) of the project, as the extractors' organization.
  organizationOf(payload) {
    const project = payload.project as { path_with_namespace?: unknown } | undefined;
    const path = project && typeof project === 'object' ? project.path_with_namespace : undefined;
    return typeof path === 'string' && path.length > 0 ? path.split('/')[0].toLowerCase() : undefined;
  },

  identify(headers, payload, rawBody) {
    // Older GitLab versions send no event UUID; the body's hash still makes redeliveries collapse.
    const id = headers.get('x-gitlab-event-uuid') ?? `sha256:${createHash('sha256').update(rawBody).digest('hex')}`;
    const kind = typeof payload.object_kind === 'string' ? payload.object_kind : (headers.get('x-gitlab-event') ?? 'unknown');
    const attributes = payload.object_attributes as { action?: unknown } | undefined;
    const action = attributes && typeof attributes.action === 'string' ? attributes.action : undefined;
    return { id, type: action ? `${kind}.${action}` : kind };
  },

  extractors: {
    pipeline: extractWith(pipeline, (p) => ({
      ...scope(p),
      subject: {
        projectId: p.project.id,
        repository: p.project.path_with_namespace,
        pipelineId: p.object_attributes.id,
        status: p.object_attributes.status,
        // The branch or tag, for trigger rules (docs/trigger-rules.md); the handler re-reads the pipeline.
        ...(p.object_attributes.ref ? { ref: p.object_attributes.ref } : {}),
      },
    })),
    push: extractWith(push, (p) => ({
      ...scope(p),
      subject: { projectId: p.project.id, repository: p.project.path_with_namespace, ref: p.ref, before: p.before, after: p.after },
    })),
    'merge_request.open': mergeRequestExtractor,
    'merge_request.update': mergeRequestExtractor,
    'merge_request.reopen': mergeRequestExtractor,
    // Comment events: `note` from GitLab versions before `object_attributes.action`, then `note.create` and `note.update`.
    note: noteExtractor,
    'note.create': noteExtractor,
    'note.update': noteExtractor,
  },
};
