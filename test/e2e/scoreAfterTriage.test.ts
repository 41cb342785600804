import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repositoryAssetId } from '../../shared/repositories/assets/asset';
import { refreshRiskScore } from '../../shared/repositories/assets/refreshRiskScore';
import { triageRisk } from '../../shared/risks';
import { queuesSettled } from '../support/alertReceiver';
import { startTestHost, type TestHost } from '../support/testHost';

/**
 * A repository's risk score follows a person's triage at once (docs/repositories.md, "Risk score"):
 * accepting its only risk brings the score to 0 on the local host, reopening it brings the score
 * back, without waiting for the repository's next scan.
 */
const organization = 'contoso';
const assetId = repositoryAssetId('5f2c3a1e-0000-4000-8000-00000000c0de');
let host: TestHost;
let riskId: string;

async function score(): Promise<number | undefined> {
  return (await host.services.stores.repositories.get(organization, assetId))?.riskScore?.score;
}

async function triage(status: 'accepted' | 'open', reason: string): Promise<void> {
  const { risks } = host.services.stores;
  await triageRisk({ risks, queue: host.services.queue, clock: host.services.clock }, organization, riskId, {
    status,
    reason,
    by: 'Lee',
    source: 'cli',
  });
  await queuesSettled(host, ['repo-scan', 'alerts', 'workitem-sync']);
}

beforeAll(async () => {
  host = await startTestHost();
  await host.services.stores.repositories.upsertIfChanged({
    organization,
    repositoryId: '5f2c3a1e-0000-4000-8000-00000000c0de',
    name: 'payments-api',
    project: 'Payments',
    projectId: 'b7a4c1d2-0000-4000-8000-0000000000aa',
    projectVisibility: 'private',
    size: 1024,
    state: 'active',
    defaultBranch: 'refs/heads/main',
  });
  const { risk } = await host.services.stores.risks.record({
    organization,
    kind: 'leaked-secret',
    ruleId: 'github-pat',
    title: 'GitHub personal access token',
    severity: 'critical',
    asset: { id: assetId, name: 'payments-api', type: 'repository' },
    fingerprint: 'fp-payments-api-settings',
    verified: true,
    evidence: { location: 'src/settings.ts:4', redacted: 'ghp_****************************3kT9' },
    remediation: 'Revoke it.',
    sightingId: 'scan:payments-api:src/settings.ts:4',
  });
  riskId = risk.id;
  await refreshRiskScore(host.services, organization, assetId);
});

afterAll(async () => {
  await host?.dispose();
});

describe("a repository's risk score after triage", () => {
  it('drops to 0 when a person accepts its only risk, and comes back when they reopen it', async () => {
    const before = await score();
    expect(before).toBeGreaterThan(0);

    await triage('accepted', 'a test fixture, revoked');
    expect(await score()).toBe(0);

    await triage('open', 'the fixture is used in production after all');
    expect(await score()).toBe(before);
  });
});
