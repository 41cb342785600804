import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DemoStepError, playDemoSequence } from '../../shared/demo';
import { type DemoHost, startDemoHost } from '../support/demoHost';
import { recordedRequestText } from '../support/recordedRequests';
import { startTestHost } from '../support/testHost';

/**
 * The demo's sequence (shared/demo/playDemoSequence.ts) seeding a test host in this process, as the
 * overview page's tests use it: what it leaves behind in the store and in the simulator, and that no
 * planted secret reached the host's log, a request Vigil made, an alert, or the store.
 */
let demo: DemoHost;
const progress: string[] = [];

beforeAll(async () => {
  demo = await startDemoHost({ progress: (line) => progress.push(line) });
});

afterAll(async () => {
  await demo?.dispose();
});

describe('the demo sequence on a test host', () => {
  it('leaves leaked secrets, service connection risks, work items and pull request feedback behind', async () => {
    const risks = await demo.host.services.stores.risks.list({ organization: 'demo' });
    expect(demo.summary.risks.opened).toBe(risks.length);
    expect(risks.filter((r) => r.kind === 'leaked-secret').map((r) => r.evidence.location)).toHaveLength(5);
    expect(risks.filter((r) => r.kind === 'service-connection').map((r) => r.ruleId)).toContain('service-connection/open-to-all-pipelines');
    expect(risks.filter((r) => r.status === 'resolved')).toEqual([
      expect.objectContaining({ kind: 'leaked-secret', resolution: expect.stringMatching(/^closed in work item #\d+ by Dana Whitfield/) }),
    ]);
    const { world } = demo.run;
    expect(world.boards.workItems()).toHaveLength(risks.length);
    const pullRequest = world.feedback.pullRequest(world.repository.id, world.pullRequestId);
    expect(pullRequest.statuses.map((s) => s.state)).toEqual(['pending', 'failed']);
    expect(demo.run.alerts.alerts).toHaveLength(risks.length);
    expect(demo.run.alerts.refused).toBe(0);
    expect(demo.run.leftOut).toEqual([]);
    expect(progress.filter((line) => /left out/.test(line))).toEqual([]);
  });

  it('never puts a planted secret or the PAT in the log, a request to Azure DevOps, an alert, the store or its progress', async () => {
    const { world } = demo.run;
    const everything = [
      ...demo.host.logLines,
      recordedRequestText(world.simulator.calls),
      JSON.stringify(demo.run.alerts.alerts),
      JSON.stringify(await demo.host.services.stores.risks.list()),
      JSON.stringify(world.boards.workItems()),
      ...progress,
    ].join('\n');
    expect(everything).toContain('ghp_');
    for (const secret of world.planted) expect(everything).not.toContain(secret);
  });
});

describe('a demo step that fails', () => {
  it('is named, with what to do, when the host cannot read the secrets the demo stores', async () => {
    // The host reads only its environment; what the demo stores goes elsewhere.
    const host = await startTestHost();
    const elsewhere = new Map<string, string>();
    try {
      const played = playDemoSequence({
        baseUrl: host.baseUrl,
        services: host.services,
        vault: { setSecret: async (name, value) => void elsewhere.set(name, value) },
      });
      await expect(played).rejects.toBeInstanceOf(DemoStepError);
      await expect(played).rejects.toMatchObject({
        step: 'subscribe the service hooks',
        reason: expect.stringContaining('ado-pat-demo'),
      });
    } finally {
      await host.dispose();
    }
  });
});
