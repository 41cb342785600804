import { describe, expect, it } from 'vitest';
import { parseAuditedEndpoint } from '../../../shared/audit/auditedEndpoint';
import { azureRmEndpoint, genericEndpoint } from '../../support/azureDevOps/serviceConnectionRoutes';
import { fixtureBody } from '../../support/azureDevOpsServer';
import { SecretFactory } from '../../support/scanning/syntheticSecrets';

const secrets = new SecretFactory(41);

describe('reading a service connection for the audit', () => {
  it('keeps the recorded Azure Resource Manager settings the checks read', () => {
    const recorded = fixtureBody('serviceendpoint.endpoint.create-azurerm.json') as Record<string, unknown>;
    expect(parseAuditedEndpoint(recorded)).toEqual({
      id: '1dfdea68-9549-409e-abee-c5da69cfec5f',
      name: 'MyNewARMServiceEndpoint',
      type: 'AzureRM',
      url: 'https://management.azure.com/',
      scheme: 'ServicePrincipal',
      authenticationType: 'spnKey',
      scopeLevel: 'Subscription',
      creationMode: 'Manual',
      subscriptionName: 'subscriptionName',
      projects: [{ id: 'c7e5f0b3-71fa-4429-9fb3-3321963a7c06', name: 'TestProject' }],
    });
  });

  it('reads classic settings whatever the case of their keys (SubscriptionName)', () => {
    const [classic] = (fixtureBody('serviceendpoint.endpoints.list-by-type.json') as { value: unknown[] }).value;
    expect(parseAuditedEndpoint(classic)).toMatchObject({
      type: 'Azure',
      scheme: 'Certificate',
      subscriptionName: 'TestSubscriptionName',
      projects: [],
    });
  });

  it('drops every credential an answer might carry: client secrets, passwords, tokens', () => {
    const clientSecret = secrets.entraClientSecret();
    const password = secrets.password();
    const parsed = [
      parseAuditedEndpoint(azureRmEndpoint({ id: 'e1', name: 'arm', authenticationType: 'spnKey', secret: clientSecret })),
      parseAuditedEndpoint(genericEndpoint({ id: 'e2', name: 'generic', secret: password })),
    ];
    const text = JSON.stringify(parsed);
    expect(text).not.toContain(clientSecret);
    expect(text).not.toContain(password);
    expect(text).not.toContain('serviceprincipalkey');
  });

  it("treats Azure DevOps' 0001-01-01 placeholder as no creation date", () => {
    expect(parseAuditedEndpoint({ id: 'e3', name: 'x', creationDate: '0001-01-01T00:00:00' }).creationDate).toBeUndefined();
    expect(parseAuditedEndpoint({ id: 'e3', name: 'x', creationDate: new Date('2026-01-02T03:04:05Z') }).creationDate).toBe(
      '2026-01-02T03:04:05.000Z',
    );
  });

  it('refuses, as a permanent error, an answer without an id', () => {
    expect(() => parseAuditedEndpoint({ name: 'nameless' })).toThrow(/cannot read.*'id'/);
  });
});
