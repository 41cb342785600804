import { afterEach, describe, expect, it, vi } from 'vitest';
import { createServiceBusQueue, type ServiceBusQueue } from '../../../shared/queue/serviceBus/serviceBusQueue';
import type { QueueRuntimePropertiesReader } from '../../../shared/queue/serviceBus/serviceBusSettings';

// No connection is made: the SDK client connects on first use, and counts() only uses the administration client.
const connectionString =
  'Endpoint=sb://vigil-test.servicebus.windows.net/;SharedAccessKeyName=ops;SharedAccessKey=c2VjcmV0LWtleS12YWx1ZS0xMjM0NQ==';

function restError(statusCode: number, message: string): Error {
  return Object.assign(new Error(message), { name: 'RestError', statusCode });
}

let queue: ServiceBusQueue | undefined;
afterEach(async () => {
  await queue?.close();
  queue = undefined;
});

function adapterWith(administrationClient: QueueRuntimePropertiesReader): ServiceBusQueue {
  queue = createServiceBusQueue({ auth: { kind: 'connection-string', connectionString }, administrationClient });
  return queue;
}

describe('Service Bus counts (ServiceBusAdministrationClient stubbed)', () => {
  it('reports active, scheduled and dead-lettered from the queue runtime properties', async () => {
    // Prepare: the fields getQueueRuntimeProperties returns, and more that counts() ignores.
    const getQueueRuntimeProperties = vi.fn(async () => ({
      name: 'build-scan',
      totalMessageCount: 12,
      activeMessageCount: 7,
      scheduledMessageCount: 2,
      deadLetterMessageCount: 3,
      transferMessageCount: 0,
      transferDeadLetterMessageCount: 0,
      sizeInBytes: 4_096,
    }));
    // Act
    const counts = await adapterWith({ getQueueRuntimeProperties }).counts('build-scan');
    // Assess
    expect(counts).toEqual({ active: 7, scheduled: 2, deadLettered: 3 });
    expect(getQueueRuntimeProperties).toHaveBeenCalledWith('build-scan');
  });

  it.each([
    [
      404,
      'configuration',
      /queue 'alerts' does not exist in namespace vigil-test\.servicebus\.windows\.net \(deploy infra\/ or create it\)/,
    ],
    [401, 'configuration', /Azure Service Bus Data Owner/],
    [403, 'configuration', /shared access policy is not authorized/],
    [503, 'transient', /HTTP 503/],
    [429, 'transient', /HTTP 429/],
    [400, 'permanent', /HTTP 400/],
  ])('maps HTTP %i from the administration API to a %s error that says what to do', async (status, kind, message) => {
    const failing = { getQueueRuntimeProperties: vi.fn(async () => Promise.reject(restError(status, `status ${status}`))) };
    await expect(adapterWith(failing).counts('alerts')).rejects.toMatchObject({ kind, message: expect.stringMatching(message) });
  });

  it('never repeats the key when the SDK message carries the connection string', async () => {
    const failing = { getQueueRuntimeProperties: vi.fn(async () => Promise.reject(restError(500, `bad request for ${connectionString}`))) };
    const failure: unknown = await adapterWith(failing)
      .counts('alerts')
      .catch((error: unknown) => error);
    expect(String((failure as Error).message)).not.toContain('c2VjcmV0LWtleS12YWx1ZS0xMjM0NQ==');
  });
});
