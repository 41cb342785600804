import { messageOf } from '../errors';
import { scrubSecrets } from '../logging/logger';
import { type QueueName, queueNames } from '../queue/names';
import type { AppServices } from './services';

export interface HealthAnswer {
  status: 200 | 503;
  headers?: Record<string, string>;
  jsonBody: Record<string, unknown>;
}

export type DependencyCheck = { status: 'ok' } | { status: 'unavailable'; reason: string };

export interface HealthOptions {
  /** How long one probe may take before it counts as unreachable. */
  probeTimeoutMs?: number;
}

/** A probe that hangs (a network that drops packets) must not hold the platform's probe for minutes. */
export const defaultProbeTimeoutMs = 10_000;
/** Answers are reused this long: an anonymous flood of health requests costs one round of probes a second. */
export const healthAnswerTtlMs = 1_000;
/** A secret no one sets: reading it shows the vault answers without touching any real secret. */
export const vaultProbeSecret = 'vigil-health-probe';

/**
 * `GET /api/health` (docs/operations.md, "Health"): the store, the queue and the vault each reached
 * (the reason when not), and how long the oldest active message of each queue has waited. 503 with
 * Retry-After when any dependency is down, so a platform probe (Azure's health check) takes the
 * instance out; a backlog alone is not a failure, it is a number to alert on.
 */
export async function checkHealth(services: AppServices, options: HealthOptions = {}): Promise<HealthAnswer> {
  const now = services.clock.now();
  const cached = answers.get(services);
  if (cached && now - cached.at < healthAnswerTtlMs) return cached.answer;
  const answer = probe(services, options);
  answers.set(services, { at: now, answer });
  return answer;
}

const answers = new WeakMap<AppServices, { at: number; answer: Promise<HealthAnswer> }>();

async function probe(services: AppServices, options: HealthOptions): Promise<HealthAnswer> {
  const { config, logger } = services;
  const timeoutMs = options.probeTimeoutMs ?? defaultProbeTimeoutMs;
  const [store, vault, queue] = await Promise.all([
    check('store', timeoutMs, () => probeStore(services)),
    check('vault', timeoutMs, () => services.vault.getSecret(vaultProbeSecret)),
    check('queue', timeoutMs, () => oldestMessages(services)),
  ]);
  const checks = { store: store.check, queue: queue.check, vault: vault.check };
  const backends = { queue: config.queueBackend, store: config.storeBackend, vault: config.vaultBackend };
  const queues = queue.value ? { queues: queue.value } : {};
  const down = Object.entries(checks).flatMap(([name, check]) => (check.status === 'ok' ? [] : [`${name}: ${check.reason}`]));
  if (down.length === 0) return { status: 200, jsonBody: { status: 'ok', ...backends, checks, ...queues } };
  logger.warn('health: a dependency is unavailable', { problems: down });
  return {
    status: 503,
    headers: { 'retry-after': '30' },
    jsonBody: { status: 'unavailable', ...backends, problem: down.join('; '), checks, ...queues },
  };
}

async function probeStore(services: AppServices): Promise<void> {
  try {
    await services.checkStoreWritable();
  } catch {
    // The embedded store on a full disk: the host cannot record deliveries.
    throw new Error('the store does not take writes (is the disk full?)');
  }
  // A point read of an id no document takes: Cosmos DB answers it for 1 RU, or says why it cannot.
  await services.stores.deliveries.read('health~probe', 'vigil');
}

/** Per queue, how long its oldest active message has waited, in ms (null when it has none). */
async function oldestMessages(services: AppServices): Promise<Record<string, { oldestMessageAgeMs: number | null }>> {
  const now = services.clock.now();
  const ages = await Promise.all(
    queueNames.map(async (queue: QueueName) => {
      const since = await services.queue.oldestActiveSince(queue);
      return [queue, { oldestMessageAgeMs: since ? Math.max(0, now - since.getTime()) : null }] as const;
    }),
  );
  return Object.fromEntries(ages);
}

async function check<T>(name: string, timeoutMs: number, work: () => Promise<T>): Promise<{ check: DependencyCheck; value?: T }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the ${name} did not answer within ${timeoutMs} ms`)), timeoutMs);
    timer.unref();
  });
  try {
    const value = await Promise.race([work(), timeout]);
    return { check: { status: 'ok' }, value };
  } catch (error) {
    return { check: { status: 'unavailable', reason: reasonOf(error) } };
  } finally {
    clearTimeout(timer);
  }
}

/** The error's own message (they say what to do), never a secret, and short: the endpoint is anonymous. */
function reasonOf(error: unknown): string {
  const text = scrubSecrets(error instanceof Error && error.name === 'Error' ? error.message : messageOf(error));
  return text.length > 300 ? `${text.slice(0, 299)}…` : text;
}
