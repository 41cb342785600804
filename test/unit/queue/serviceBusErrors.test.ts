import { ServiceBusError, type ServiceBusErrorCode } from '@azure/service-bus';
import { describe, expect, it } from 'vitest';
import { type ServiceBusOperation, toQueueError } from '../../../shared/queue/serviceBus/serviceBusErrors';

const sending: ServiceBusOperation = {
  action: 'send to',
  entity: 'build-scan',
  namespace: 'vigil.servicebus.windows.net',
  principal: 'the managed identity with client id 0000-1111',
};

describe('Service Bus error mapping', () => {
  it.each<[ServiceBusErrorCode, string]>([
    ['ServiceBusy', 'transient'],
    ['ServiceTimeout', 'transient'],
    ['ServiceCommunicationProblem', 'transient'],
    ['GeneralError', 'transient'],
    ['MessageLockLost', 'transient'],
    ['MessagingEntityNotFound', 'configuration'],
    ['UnauthorizedAccess', 'configuration'],
    ['QuotaExceeded', 'configuration'],
    ['MessagingEntityDisabled', 'configuration'],
    ['MessageSizeExceeded', 'permanent'],
  ])('maps %s to a %s error', (code, kind) => {
    expect(toQueueError(new ServiceBusError('it failed', code), sending)).toMatchObject({ kind });
  });

  it('says which queue is missing and how to create it', () => {
    const error = toQueueError(
      new ServiceBusError("The messaging entity 'sb://x/build-scan' could not be found.", 'MessagingEntityNotFound'),
      {
        ...sending,
        entity: 'build-scan/$DeadLetterQueue',
      },
    );
    expect(error.message).toBe("queue 'build-scan' does not exist in namespace vigil.servicebus.windows.net (deploy infra/ or create it)");
  });

  it('names the identity and the role it lacks', () => {
    const error = toQueueError(new ServiceBusError('Unauthorized access.', 'UnauthorizedAccess'), sending);
    expect(error.message).toContain('the managed identity with client id 0000-1111');
    expect(error.message).toContain("'Azure Service Bus Data Sender'");
  });

  it('turns a missing Azure credential into a configuration error with the fix', () => {
    const unavailable = Object.assign(new Error('DefaultAzureCredential failed to retrieve a token'), {
      name: 'CredentialUnavailableError',
    });
    const error = toQueueError(unavailable, sending);
    expect(error).toMatchObject({ kind: 'configuration' });
    expect(error.message).toMatch(/ServiceBusConnection__clientId|az login/);
  });

  it('treats network failures as transient', () => {
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    expect(toQueueError(reset, sending)).toMatchObject({ kind: 'transient' });
  });

  it('scrubs keys and signatures out of the SDK text it keeps', () => {
    const leaky = new ServiceBusError(
      'bad token SharedAccessSignature sr=x&sig=abcdef123456&se=1 for Endpoint=sb://ns/;SharedAccessKeyName=k;SharedAccessKey=s3cr3tKeyValue=',
      'UnauthorizedAccess',
    );
    const message = toQueueError(leaky, sending).message;
    expect(message).not.toContain('abcdef123456');
    expect(message).not.toContain('s3cr3tKeyValue');
  });
});
