import { afterEach } from 'vitest';
import {
  type AzureDevOpsConnection,
  type AzureDevOpsConnectionOptions,
  connectAzureDevOps,
} from '../../../shared/devops/azureDevOpsConnection';
import type { OrganizationSettings } from '../../../shared/organizations/organizationSettings';
import type { Vault } from '../../../shared/vault/port';
import { type AzureDevOpsServer, type AzureDevOpsServerOptions, startAzureDevOpsServer } from '../azureDevOpsServer';

/**
 * What the Azure DevOps connection tests share: a PAT the loopback Azure DevOps accepts, the
 * organization's settings, and servers and connections closed after each test. Waits are recorded
 * (`waits`), not slept, and backoff jitter is fixed.
 */
export const pat = `${'q7Rz'.repeat(19)}AZDO${'x9Kp'}`; // new-format PAT shape: 76 + AZDO + 4
export const secretName = 'ado-pat-contoso';
export const project = 'Fabrikam-Fiber-Git';

export function organization(url: string, auth: 'pat' | 'managed-identity' = 'pat'): OrganizationSettings {
  return {
    id: 'contoso',
    organization: 'contoso',
    azureDevOps: { url, auth: auth === 'pat' ? { mode: 'pat', tokenSecret: secretName } : { mode: 'managed-identity' } },
    alertChannels: [],
    workItems: { workItemType: 'Issue', stateMapping: {} },
    createdAt: '2025-01-01T00:00:00Z',
    updatedAt: '2025-01-01T00:00:00Z',
  };
}

export const vault = (values: Record<string, string> = { [secretName]: pat }): Vault => ({ getSecret: async (name) => values[name] });

export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

export interface LoopbackConnections {
  server(options?: AzureDevOpsServerOptions): Promise<AzureDevOpsServer>;
  connect(ado: AzureDevOpsServer, options?: AzureDevOpsConnectionOptions & { waits?: number[] }): Promise<AzureDevOpsConnection>;
  /** Close this after the test too (servers the test starts itself, connections it opens itself). */
  closeLater(closable: { close(): void | Promise<void> }): void;
}

/** Call at the top of a test file: registers the clean-up after each test. */
export function useLoopbackAzureDevOps(): LoopbackConnections {
  const closables: Array<{ close(): void | Promise<void> }> = [];
  afterEach(async () => {
    // Connections first, then servers: what was opened last is closed first.
    for (const closable of closables.splice(0).reverse()) await closable.close();
  });
  return {
    async server(options = {}) {
      const started = await startAzureDevOpsServer({ pat, ...options });
      closables.push(started);
      return started;
    },
    async connect(ado, options = {}) {
      const waits = options.waits ?? [];
      const connection = await connectAzureDevOps(organization(ado.url), {
        vault: vault(),
        options: { sleep: async (ms) => void waits.push(ms), random: () => 0.5, ...options },
      });
      closables.push(connection);
      return connection;
    },
    closeLater: (closable) => void closables.push(closable),
  };
}
