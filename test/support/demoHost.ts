import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../shared/config';
import { type DemoOptions, type DemoRun, type DemoSummary, demoSummary, playDemoSequence } from '../../shared/demo';
import { createVault } from '../../shared/vault/createVault';
import { startTestHost, type TestHost, testHookSecrets } from './testHost';

export interface DemoHost {
  host: TestHost;
  /** The simulator (`run.world`: its work items, pull request, recorded calls, planted secrets) and the console alert channel. */
  run: DemoRun;
  summary: DemoSummary;
  dispose(): Promise<void>;
}

/**
 * A test host seeded with the demo's story (shared/demo/, docs/demo.md): a local vault in its data
 * folder (the demo stores the simulator's PAT and the alert channel's secrets there), every alert
 * sent at once, and the sequence played through its webhook. For tests of what a person sees after
 * the demo, such as the overview page.
 */
export async function startDemoHost(options: DemoOptions = {}): Promise<DemoHost> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-demo-host-'));
  const env = { ...testHookSecrets, VIGIL_DATA_DIR: dataDir };
  const vault = createVault(loadConfig(env), { env });
  const host = await startTestHost({ dataDir, vault, env: { VIGIL_ALERT_BURST_LIMIT: '1000' } });
  const startedAt = Date.now();
  let run: DemoRun;
  try {
    run = await playDemoSequence({ baseUrl: host.baseUrl, services: host.services, vault }, options);
  } catch (error) {
    await host.dispose();
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    host,
    run,
    summary: await demoSummary(host.services, run, startedAt),
    async dispose() {
      await run.close();
      await host.dispose();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
