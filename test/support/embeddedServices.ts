import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AppServices, createAppServices } from '../../shared/app/services';
import { loadConfig } from '../../shared/config';
import type { EventEnvelope } from '../../shared/events/envelope';
import { createLogger } from '../../shared/logging/logger';
import { ManualClock } from './manualClock';

/**
 * What the queue trigger's and the journeys' unit tests start each test with: the app's services on the
 * embedded store in a data directory of their own, on a manual clock, logging nowhere.
 */
export interface EmbeddedServices {
  dataDir: string;
  clock: ManualClock;
  services: AppServices;
  /** Closes the services and deletes the data directory. */
  close(): Promise<void>;
}

/** `env` adds settings to the configuration (e.g. `VIGIL_MAX_DELIVERY_COUNT`); `label` names the data directory, for finding a leftover one. */
export async function startEmbeddedServices(options: { env?: Record<string, string>; label?: string } = {}): Promise<EmbeddedServices> {
  const dataDir = mkdtempSync(join(tmpdir(), `vigil-${options.label ?? 'services'}-`));
  const clock = new ManualClock();
  const services = await createAppServices(loadConfig({ VIGIL_DATA_DIR: dataDir, ...options.env }), {
    clock,
    logger: createLogger({ sink: { write: () => undefined } }),
  });
  return {
    dataDir,
    clock,
    services,
    async close() {
      await services.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** An Azure DevOps `build.complete` delivery of build 7 in contoso/web, as the webhook enqueues it. */
export const buildCompleteEvent = (id: string): EventEnvelope => ({
  id,
  source: 'azure-devops',
  type: 'build.complete',
  organization: 'contoso',
  project: 'web',
  subject: { buildId: 7 },
  receivedAt: '2026-11-20T10:00:00.000Z',
});
