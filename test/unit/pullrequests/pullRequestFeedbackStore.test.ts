import { describe, expect, it } from 'vitest';
import type { PullRequestKey } from '../../../shared/codeHosts';
import {
  PublishSuperseded,
  type PullRequestFeedback,
  PullRequestFeedbackStore,
} from '../../../shared/pullrequests/feedback/pullRequestFeedback';
import { openInMemoryDatabase } from '../../../shared/store/embedded/embeddedDatabase';
import { createEmbeddedStore } from '../../../shared/store/embedded/embeddedStore';
import { ManualClock } from '../../support/manualClock';

const key: PullRequestKey = { source: 'github', repositoryId: 'octo-org/payments', number: 12 };
const head = (commit: string, at: number, iteration?: number) => ({
  commitId: commit.repeat(40),
  scanId: `scan-${commit}`,
  order: { at, ...(iteration ? { iteration } : {}) },
});

function setup(claimTtlMs = 600_000) {
  const clock = new ManualClock();
  const store = new PullRequestFeedbackStore(
    createEmbeddedStore(openInMemoryDatabase(), clock).container<PullRequestFeedback>('pullRequestFeedback'),
    clock,
    claimTtlMs,
  );
  const publish = async (h: ReturnType<typeof head>) => {
    await store.update('contoso', key, (current) => ({ ...current, published: { ...h, state: 'failed', at: 'now' }, claim: undefined }));
  };
  return { clock, store, publish };
}

describe('who publishes a pull request', () => {
  it('lets a head be published once: a redelivery finds it already published', async () => {
    const { store, publish } = setup();
    expect((await store.claim('contoso', key, head('a', 1))).outcome).toBe('go');
    await publish(head('a', 1));
    expect(await store.claim('contoso', key, head('a', 1))).toMatchObject({ outcome: 'already-published' });
  });

  it('never lets an older head overwrite a newer one, published or being published', async () => {
    const { store, publish } = setup();
    expect((await store.claim('contoso', key, head('b', 20))).outcome).toBe('go');
    expect(await store.claim('contoso', key, head('a', 10))).toMatchObject({
      outcome: 'superseded',
      why: expect.stringMatching(/being published/),
    });
    await publish(head('b', 20));
    expect(await store.claim('contoso', key, head('a', 10))).toMatchObject({
      outcome: 'superseded',
      why: expect.stringMatching(/already published/),
    });
  });

  it('orders Azure DevOps scans by iteration before time', async () => {
    const { store, publish } = setup();
    await store.claim('contoso', key, head('b', 10, 3));
    await publish(head('b', 10, 3));
    expect((await store.claim('contoso', key, head('a', 20, 2))).outcome).toBe('superseded');
  });

  it('lets a newer head take the pull request over, and the older publish stops at its next write', async () => {
    const { store } = setup();
    await store.claim('contoso', key, head('a', 10));
    expect((await store.claim('contoso', key, head('b', 20))).outcome).toBe('go');
    await expect(store.update('contoso', key, (current) => current, { commitId: 'a'.repeat(40), scanId: 'scan-a' })).rejects.toBeInstanceOf(
      PublishSuperseded,
    );
  });

  it('lets a head be published again once the claim of a newer one that died has expired', async () => {
    const { store, clock } = setup(60_000);
    await store.claim('contoso', key, head('b', 20));
    expect((await store.claim('contoso', key, head('a', 10))).outcome).toBe('superseded');
    clock.advance(61_000);
    expect((await store.claim('contoso', key, head('a', 10))).outcome).toBe('go');
  });
});

describe("a pull request's channels", () => {
  it("finds the secret scan's document and every tool's for one pull request, whatever the repository's case, and no other pull request's", async () => {
    const { store } = setup();
    const touch = (k: PullRequestKey & { channel?: string }) => store.update('contoso', k, (current) => ({ ...current }));
    await touch({ ...key, channel: 'trivy' });
    await touch(key);
    await touch({ ...key, repositoryId: 'Octo-Org/Payments', channel: 'codeql' });
    await touch({ ...key, number: 13, channel: 'trivy' });
    await touch({ ...key, repositoryId: 'octo-org/ledger' });
    const channels = await store.channelsOf('contoso', { ...key, repositoryId: 'OCTO-ORG/payments' });
    expect(channels.map((feedback) => feedback.channel ?? 'secret-scan')).toEqual(['secret-scan', 'codeql', 'trivy']);
    expect(await store.channelsOf('fabrikam', key)).toEqual([]);
  });
});
