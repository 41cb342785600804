import { type AuditedEndpoint, schemeIs, typeIs } from './auditedEndpoint';

export type AzureScopeBreadth = 'management-group' | 'subscription';

/**
 * How far an Azure Resource Manager connection reaches, by its settings (ADOScanner SC120): a
 * management group, or a whole subscription when no resource group scope
 * (`authorization.parameters.scope`) narrows it. Publish-profile connections reach one app and
 * Machine Learning workspace connections one workspace. Undefined: narrow, or not Azure.
 */
export function azureScopeBreadth(endpoint: AuditedEndpoint): AzureScopeBreadth | undefined {
  if (!typeIs(endpoint, 'azurerm') || schemeIs(endpoint, 'PublishProfile')) return undefined;
  const level = endpoint.scopeLevel?.toLowerCase();
  if (level === 'managementgroup') return 'management-group';
  if (level === 'subscription' && !endpoint.scope) return 'subscription';
  return undefined;
}
