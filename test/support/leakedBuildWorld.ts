import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type AlertReceiver, startAlertReceiver } from './alertReceiver';
import { ServiceConnectionRoutes } from './azureDevOps/serviceConnectionRoutes';
import { type AzureDevOpsServer, type LoopbackLog, startAzureDevOpsServer } from './azureDevOpsServer';
import { startTestHost, type TestHost } from './testHost';

/**
 * The world a finished build is followed through end to end: the real `build.complete` sample, a
 * loopback Azure DevOps that serves that build with the given logs (its project has no service
 * connections, so the audit after it finds nothing), a receiver for signed alerts, and the local
 * host with organization `fabrikamfiber` set up for both. The credentials are made at run time.
 */
export interface LeakedBuildWorld {
  fixture: Buffer;
  project: string;
  buildId: number;
  pat: string;
  signingSecret: string;
  devops: AzureDevOpsServer;
  receiver: AlertReceiver;
  host: TestHost;
  close(): Promise<void>;
}

export const buildCompleteFixture = readFileSync(join(__dirname, '..', 'fixtures', 'azure-devops', 'service-hooks', 'build.complete.json'));
/** The project and build the `build.complete` sample names. */
const project = '33dd33dd-ee44-ff55-aa66-77bb77bb77bb';
const buildId = 2727068;

export async function startLeakedBuildWorld(options: { logs: LoopbackLog[]; env?: Record<string, string> }): Promise<LeakedBuildWorld> {
  const pat = `test-pat-${randomBytes(12).toString('hex')}`;
  const signingSecret = `whsec_${randomBytes(32).toString('base64')}`;
  const devops = await startAzureDevOpsServer({
    organization: 'fabrikamfiber',
    pat,
    projects: [{ id: project, name: 'FabrikamFiberChat' }],
    extensions: [new ServiceConnectionRoutes()],
    builds: [{ id: buildId, project, logs: options.logs }],
  });
  const receiver = await startAlertReceiver();
  const host = await startTestHost({
    env: {
      VIGIL_SECRET_ADO_PAT_FABRIKAMFIBER: pat,
      VIGIL_SECRET_ALERT_HOOK_URL: receiver.url,
      VIGIL_SECRET_ALERT_HOOK_KEY: signingSecret,
      ...options.env,
    },
  });
  const organizations = host.services.stores.organizations;
  await organizations.add('fabrikamfiber', {
    azureDevOps: { url: devops.url, auth: { mode: 'pat', tokenSecret: 'ado-pat-fabrikamfiber' } },
  });
  await organizations.addChannel('fabrikamfiber', { type: 'webhook', urlSecret: 'alert-hook-url', signingSecret: 'alert-hook-key' });
  return {
    fixture: buildCompleteFixture,
    project,
    buildId,
    pat,
    signingSecret,
    devops,
    receiver,
    host,
    async close() {
      await host.dispose();
      await devops.close();
      await receiver.close();
    },
  };
}
