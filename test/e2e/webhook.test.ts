import { readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import examples from '@octokit/webhooks-examples';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventEnvelopeSchema } from '../../shared/events/envelope';
import { type QueueName, queueNames } from '../../shared/queue/names';
import { jsonFilesUnder, minimalServiceHookSamples } from '../support/minimalServiceHooks';
import { appFunctions, startTestHost, type TestHost, testHookSecrets } from '../support/testHost';
import { azureDevOpsHeaders, githubHeaders, gitlabHeaders, post } from '../support/webhookClient';

const fixtures = join(__dirname, '..', 'fixtures');
const serviceHooks = join(fixtures, 'azure-devops', 'service-hooks');

/** What the README's routing table says each Azure DevOps event does (independent of shared/app/eventRoutes.ts). */
const azureDevOpsQueues: Record<string, QueueName> = {
  'build.complete': 'build-scan',
  'ms.vss-pipelines.run-state-changed-event': 'build-scan',
  'ms.vss-endpoint.endpoint-created': 'build-scan',
  'ms.vss-endpoint.endpoint-updated': 'build-scan',
  'git.push': 'repo-scan',
  'git.repo.created': 'repo-scan',
  'git.repo.renamed': 'repo-scan',
  'git.repo.statuschanged': 'repo-scan',
  'git.repo.deleted': 'repo-scan',
  'git.pullrequest.created': 'repo-scan',
  'git.pullrequest.updated': 'repo-scan',
  'ms.vss-code.git-pullrequest-comment-event': 'pr-publish',
  'workitem.updated': 'workitem-sync',
  'workitem.deleted': 'workitem-sync',
  'workitem.restored': 'workitem-sync',
};

/** Events a built capability has no use for: acknowledged, never parked, with the reason. */
const ignoredOnPurpose: Record<string, RegExp> = {
  'workitem.created': /^work-item sync follows updates, deletions and restores/,
  'workitem.commented': /^work-item sync follows updates, deletions and restores/,
};

/*
 * Every published sample is answered 202: none is refused for its shape. (`manualintervention.pending.json`
 * has no `eventType` or `id`: nothing routes it, so it is acknowledged as ignored; the minimal
 * `build.complete` names its organization only in `resource.url`, which is where it is read from.)
 */

/** The recorded samples; their minimal variants (minimal/) have a describe block of their own. */
const recordedSamples = jsonFilesUnder(serviceHooks).filter((path) => !path.startsWith(minimalServiceHookSamples + sep));

let host: TestHost;

async function activeMessages(): Promise<Record<QueueName, number>> {
  const counts = {} as Record<QueueName, number>;
  for (const queue of queueNames) counts[queue] = (await host.services.queue.counts(queue)).active;
  return counts;
}

function enqueuedBetween(before: Record<QueueName, number>, after: Record<QueueName, number>): QueueName[] {
  return queueNames.filter((queue) => after[queue] > before[queue]);
}

beforeAll(async () => {
  // HTTP functions only: queued messages stay on the queues for the assertions to count.
  host = await startTestHost({ functions: (await appFunctions()).filter((f) => f.kind === 'http') });
});

afterAll(async () => {
  await host?.dispose();
});

describe('Azure DevOps service hooks', () => {
  const seenIds = new Set<string>();

  it.each(recordedSamples.map((path) => [relative(serviceHooks, path), path]))(
    '%s is answered as the routing table says',
    async (_name, path) => {
      const body = readFileSync(path);
      const eventType = (JSON.parse(body.toString('utf8')) as { eventType?: string }).eventType ?? '';
      const before = await activeMessages();
      const response = await post(host.url('/hooks/azure-devops'), body, azureDevOpsHeaders());
      const enqueued = enqueuedBetween(before, await activeMessages());

      expect(response.status).toBe(202);
      const queue = azureDevOpsQueues[eventType];
      const id = String(response.body.id);
      if (!queue) {
        expect(response.body.queues).toEqual([]);
        expect(enqueued).toEqual([]);
        if (ignoredOnPurpose[eventType]) expect(response.body.ignored).toMatch(ignoredOnPurpose[eventType]);
      } else if (seenIds.has(id)) {
        // The same sample appears in two editions: the second post is the same delivery.
        expect(response.body).toMatchObject({ queues: [queue], duplicate: true });
        expect(enqueued).toEqual([]);
      } else {
        expect(response.body.queues).toEqual([queue]);
        expect(enqueued).toEqual([queue]);
      }
      seenIds.add(id);
    },
  );

  it('puts a valid envelope on the queue with messageId = the envelope id and the ids a handler re-fetches by', async () => {
    const messages = await host.services.queue.receive('build-scan', { maxMessages: 20, lockDurationMs: 60_000 });
    const message = messages.find((m) => m.type === 'build.complete');
    if (!message) throw new Error('no build.complete message on build-scan');
    const envelope = EventEnvelopeSchema.parse(message.body);
    expect(message.messageId).toBe(envelope.id);
    expect(message.type).toBe(envelope.type);
    expect(envelope).toMatchObject({ source: 'azure-devops', type: 'build.complete' });
    expect(envelope.organization).toMatch(/^[a-z0-9-]+$/);
    expect(typeof envelope.subject.buildId).toBe('number');
    for (const m of messages) await host.services.queue.abandon(m, 'inspected by a test');
  });

  it('accepts the secret in the X-Vigil-Hook-Secret header as well as Basic auth', async () => {
    const body = readFileSync(join(serviceHooks, 'git.repo.created.json'));
    const response = await post(host.url('/hooks/azure-devops'), body, {
      'content-type': 'application/json',
      'x-vigil-hook-secret': testHookSecrets.VIGIL_HOOK_SECRET_AZURE_DEVOPS,
    });
    expect(response.status).toBe(202);
  });

  it('records every accepted and ignored delivery with id, source, type, time and outcome', async () => {
    const page = await host.services.stores.deliveries.query({ where: { source: 'azure-devops', outcome: 'accepted' }, limit: 500 });
    const buildComplete = page.items.find((record) => record.outcome !== 'refused' && record.type === 'build.complete');
    expect(buildComplete).toMatchObject({ source: 'azure-devops', outcome: 'accepted', queues: ['build-scan'] });
    expect(Date.parse(buildComplete && buildComplete.outcome !== 'refused' ? buildComplete.receivedAt : '')).not.toBeNaN();
    const ignored = await host.services.stores.deliveries.count({ source: 'azure-devops', outcome: 'ignored' });
    expect(ignored).toBeGreaterThan(10);
  });
});

describe('Azure DevOps minimal payloads (what `vigil hooks subscribe` asks Azure DevOps for)', () => {
  const seenIds = new Set<string>();
  /** A delivery id of its own, else each would only be answered as a duplicate of its recorded sample. */
  const minimalId = (id: string) => `${id}.minimal`;

  it.each(jsonFilesUnder(minimalServiceHookSamples).map((path) => [relative(minimalServiceHookSamples, path), path]))(
    'minimal/%s is routed as the routing table says, never parked',
    async (_name, path) => {
      const payload = JSON.parse(readFileSync(path, 'utf8')) as { id: string; eventType: string };
      const before = await activeMessages();
      const response = await post(
        host.url('/hooks/azure-devops'),
        JSON.stringify({ ...payload, id: minimalId(payload.id) }),
        azureDevOpsHeaders(),
      );
      const enqueued = enqueuedBetween(before, await activeMessages());
      const queue = azureDevOpsQueues[payload.eventType];
      expect(response.status).toBe(202);
      expect(response.body.parked).toBeUndefined();
      const id = String(response.body.id);
      if (ignoredOnPurpose[payload.eventType]) {
        // Its envelope is checked against the recorded sample's in test/unit/events/minimalServiceHooks.test.ts.
        expect(response.body).toMatchObject({ queues: [], ignored: expect.stringMatching(ignoredOnPurpose[payload.eventType]) });
        expect(enqueued).toEqual([]);
        return;
      }
      if (seenIds.has(id)) {
        expect(response.body).toMatchObject({ queues: [queue], duplicate: true });
        expect(enqueued).toEqual([]);
      } else {
        expect(response.body.queues).toEqual([queue]);
        expect(enqueued).toEqual([queue]);
      }
      seenIds.add(id);
    },
  );

  it('puts the same events on the queues as the recorded samples did', async () => {
    let compared = 0;
    for (const queue of queueNames) {
      const envelopes = await envelopesOn(host, queue);
      for (const [id, minimal] of envelopes) {
        if (!id.endsWith('.minimal')) continue;
        const recorded = envelopes.get(id.slice(0, -'.minimal'.length));
        expect({ ...minimal, id: undefined, receivedAt: undefined }, id).toEqual({ ...recorded, id: undefined, receivedAt: undefined });
        compared++;
      }
    }
    expect(compared).toBe(seenIds.size);
  });
});

/** The envelopes waiting on a queue, by message id; they are given back, not consumed. */
async function envelopesOn(on: TestHost, queue: QueueName): Promise<Map<string, Record<string, unknown>>> {
  const messages = await on.services.queue.receive(queue, { maxMessages: 10_000, lockDurationMs: 60_000 });
  for (const message of messages) await on.services.queue.abandon(message, 'inspected by a test');
  return new Map(messages.map((message) => [message.messageId, message.body as Record<string, unknown>]));
}

describe('GitHub webhooks', () => {
  const routed: Record<string, QueueName> = {
    'workflow_run.completed': 'build-scan',
    'workflow_job.completed': 'build-scan',
    push: 'repo-scan',
    'pull_request.opened': 'repo-scan',
    'pull_request.synchronize': 'repo-scan',
    'pull_request.reopened': 'repo-scan',
  };
  const cases = examples.flatMap((group) =>
    group.examples.map((payload, index) => {
      const action = (payload as { action?: unknown }).action;
      const type = typeof action === 'string' ? `${group.name}.${action}` : group.name;
      return [`${type} #${index}`, group.name, type, JSON.stringify(payload)] as const;
    }),
  );

  it.each(cases)('%s from @octokit/webhooks-examples is verified and routed', async (_label, event, type, body) => {
    const response = await post(host.url('/hooks/github'), body, githubHeaders(event, body));
    expect(response.status).toBe(202);
    expect(response.body.queues).toEqual(routed[type] ? [routed[type]] : []);
  });

  it('enqueues a redelivery (same X-GitHub-Delivery) once', async () => {
    const push = examples.find((group) => group.name === 'push')?.examples[0];
    const body = JSON.stringify(push);
    const headers = githubHeaders('push', body, { delivery: 'redelivered-push-1' });
    const before = await activeMessages();
    const first = await post(host.url('/hooks/github'), body, headers);
    const second = await post(host.url('/hooks/github'), body, headers);
    expect(first).toMatchObject({ status: 202, body: { id: 'redelivered-push-1', queues: ['repo-scan'] } });
    expect(second).toMatchObject({ status: 202, body: { id: 'redelivered-push-1', duplicate: true } });
    expect((await activeMessages())['repo-scan']).toBe(before['repo-scan'] + 1);
  });
});

describe('GitLab webhooks', () => {
  it.each([
    ['pipeline.success.json', ['build-scan']],
    ['pipeline.running.json', []],
    ['push.json', ['repo-scan']],
    ['merge_request.open.json', ['repo-scan']],
  ])('%s is routed to %j', async (file, queues) => {
    const body = readFileSync(join(fixtures, 'gitlab', file), 'utf8');
    const response = await post(host.url('/hooks/gitlab'), body, gitlabHeaders(body));
    expect(response.status).toBe(202);
    expect(response.body.queues).toEqual(queues);
  });

  it('says a running pipeline is not scanned yet, and why', async () => {
    const pipeline = readFileSync(join(fixtures, 'gitlab', 'pipeline.running.json'), 'utf8');
    expect((await post(host.url('/hooks/gitlab'), pipeline, gitlabHeaders(pipeline, { uuid: 'pipeline-again' }))).body.ignored).toBe(
      'only finished pipelines (success, failed, canceled) have job logs to scan',
    );
  });

  it('takes a comment on a merge request to triage only when it is a /vigil command', async () => {
    const note = (text: string) =>
      JSON.stringify({
        object_kind: 'note',
        event_type: 'note',
        project: { id: 1, path_with_namespace: 'contoso/gitlab-test' },
        object_attributes: { id: 1244, note: text, noteable_type: 'MergeRequest', discussion_id: 'a1b2c3', action: 'create' },
        merge_request: { iid: 1 },
      });
    const chatter = note('Looks good to me');
    const command = note('/vigil false-positive a test fixture');
    expect((await post(host.url('/hooks/gitlab'), chatter, gitlabHeaders(chatter))).body).toMatchObject({
      queues: [],
      ignored: 'only /vigil commands on pull requests are acted on',
    });
    expect((await post(host.url('/hooks/gitlab'), command, gitlabHeaders(command))).body).toMatchObject({ queues: ['pr-publish'] });
  });
});

describe('refused deliveries', () => {
  const buildComplete = readFileSync(join(serviceHooks, 'build.complete.json'));
  let before: Record<QueueName, number>;

  beforeAll(async () => {
    before = await activeMessages();
  });

  it.each([
    ['no credentials', { 'content-type': 'application/json' }],
    ['a wrong Basic-auth password', azureDevOpsHeaders('not-the-secret')],
    ['a wrong X-Vigil-Hook-Secret', { 'content-type': 'application/json', 'x-vigil-hook-secret': 'nope' }],
  ])('401 for %s', async (_case, headers) => {
    const response = await post(host.url('/hooks/azure-devops'), buildComplete, headers);
    expect(response).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
  });

  it('401 for a GitHub body whose signature does not match', async () => {
    const body = JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1 });
    const response = await post(host.url('/hooks/github'), `${body} `, githubHeaders('ping', body));
    expect(response.status).toBe(401);
  });

  it('401 for a wrong X-Gitlab-Token', async () => {
    const body = readFileSync(join(fixtures, 'gitlab', 'push.json'), 'utf8');
    expect((await post(host.url('/hooks/gitlab'), body, gitlabHeaders(body, { secret: 'wrong' }))).status).toBe(401);
  });

  it('404 for a source Vigil does not know', async () => {
    const response = await post(host.url('/hooks/bitbucket'), buildComplete, azureDevOpsHeaders());
    expect(response).toMatchObject({ status: 404, body: { error: 'unknown_source' } });
  });

  it('405 for a GET on the webhook', async () => {
    const response = await fetch(host.url('/hooks/azure-devops'));
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
  });

  it('413 for a body over 2 MB', async () => {
    const huge = JSON.stringify({ padding: 'x'.repeat(2 * 1024 * 1024) });
    const response = await post(host.url('/hooks/azure-devops'), huge, azureDevOpsHeaders());
    expect(response).toMatchObject({ status: 413, body: { error: 'payload_too_large' } });
  });

  it('415 for a body that is not declared as JSON', async () => {
    const response = await post(host.url('/hooks/azure-devops'), buildComplete, { ...azureDevOpsHeaders(), 'content-type': 'text/plain' });
    expect(response).toMatchObject({ status: 415, body: { error: 'unsupported_media_type' } });
  });

  it.each([
    ['not JSON', '{"eventType": "build.complete",'],
    ['a JSON array', '[1, 2, 3]'],
  ])('400 for a body that is %s', async (_case, body) => {
    const response = await post(host.url('/hooks/azure-devops'), body, azureDevOpsHeaders());
    expect(response.status).toBe(400);
    expect(response.body.error).toBeTypeOf('string');
  });

  it('400 for a GitHub delivery without X-GitHub-Event', async () => {
    const body = JSON.stringify({ zen: 'Design for failure.' });
    const { 'x-github-event': _omitted, ...headers } = githubHeaders('ping', body);
    expect((await post(host.url('/hooks/github'), body, headers)).status).toBe(400);
  });

  it('422 with the field path for a GitHub payload that fails the schema', async () => {
    // An Azure DevOps delivery of a routed type is parked instead (see parkedDeliveries.test.ts).
    const body = JSON.stringify({ ref: 'refs/heads/main', before: 'a', after: 'b' });
    const response = await post(host.url('/hooks/github'), body, githubHeaders('push', body));
    expect(response).toMatchObject({ status: 422, body: { error: 'invalid_payload', field: 'repository' } });
  });

  it('enqueues nothing for any of them, and counts them as refused', async () => {
    expect(await activeMessages()).toEqual(before);
  });

  it('never writes a hook secret to the log', () => {
    const log = host.logLines.join('');
    for (const secret of Object.values(testHookSecrets)) expect(log).not.toContain(secret);
  });
});

describe('a source with no secret configured', () => {
  it('refuses every delivery with 401 and says which secret is missing', async () => {
    const unconfigured = await startTestHost({ env: { VIGIL_HOOK_SECRET_GITLAB: undefined }, functions: host.functions });
    try {
      const body = readFileSync(join(fixtures, 'gitlab', 'push.json'), 'utf8');
      const response = await post(unconfigured.url('/hooks/gitlab'), body, gitlabHeaders(body, { secret: '' }));
      expect(response.status).toBe(401);
      expect(response.body.message).toContain("no secret 'hooks-gitlab'");
    } finally {
      await unconfigured.dispose();
    }
  });
});

describe('when the queue cannot take the event', () => {
  it('answers 503 with Retry-After, never 500, and records no delivery', async () => {
    const broken = await startTestHost({ functions: host.functions });
    try {
      broken.services.queue.send = () => Promise.reject(new Error('broker unreachable'));
      const body = readFileSync(join(serviceHooks, 'git.push.json'));
      const response = await fetch(broken.url('/hooks/azure-devops'), { method: 'POST', headers: azureDevOpsHeaders(), body });
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(await broken.services.stores.deliveries.count({ outcome: 'accepted' })).toBe(0);
    } finally {
      await broken.dispose();
    }
  });
});
