import type { TokenCredential } from '@azure/identity';
import { describe, expect, it, vi } from 'vitest';
import { namespaceOf, serviceBusSettingsFromEnvironment } from '../../../shared/queue/serviceBus/serviceBusSettings';

const credential: TokenCredential = { getToken: async () => null };
const connectionString =
  'Endpoint=sb://vigil.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=a2V5LWZvci10ZXN0cy1vbmx5LTEyMzQ1Ng==';

describe('Service Bus settings', () => {
  it('uses the identity with the user-assigned client id when only the namespace is set', () => {
    const factory = vi.fn(() => credential);
    const settings = serviceBusSettingsFromEnvironment(
      { ServiceBusConnection__fullyQualifiedNamespace: 'sb://vigil.servicebus.windows.net/', ServiceBusConnection__clientId: 'client-1' },
      factory,
    );
    expect(settings.auth).toEqual({
      kind: 'identity',
      fullyQualifiedNamespace: 'vigil.servicebus.windows.net',
      credential,
      managedIdentityClientId: 'client-1',
    });
    expect(factory).toHaveBeenCalledWith('client-1');
  });

  it('uses a connection string when one is configured, as the Functions host does', () => {
    const factory = vi.fn(() => credential);
    const settings = serviceBusSettingsFromEnvironment(
      { ServiceBusConnection: connectionString, ServiceBusConnection__fullyQualifiedNamespace: 'other.servicebus.windows.net' },
      factory,
    );
    expect(settings.auth).toEqual({ kind: 'connection-string', connectionString });
    expect(namespaceOf(settings.auth)).toBe('vigil.servicebus.windows.net');
    expect(factory).not.toHaveBeenCalled();
  });

  it('names the settings to set when there is no connection at all', () => {
    expect(() => serviceBusSettingsFromEnvironment({}, () => credential)).toThrow(
      /ServiceBusConnection__fullyQualifiedNamespace .*ServiceBusConnection/,
    );
  });

  it('refuses something that is not a connection string without echoing it', () => {
    const pasted = 'a2V5LWZvci10ZXN0cy1vbmx5LTEyMzQ1Ng==';
    expect(() => serviceBusSettingsFromEnvironment({ ServiceBusConnection: pasted }, () => credential)).toThrow(
      expect.objectContaining({ kind: 'configuration', message: expect.not.stringContaining(pasted) }),
    );
  });
});
