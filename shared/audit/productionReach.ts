import type { AuditedEndpoint } from './auditedEndpoint';
import { azureScopeBreadth } from './azureScope';

/**
 * Whether a connection reaches production, and why (shown in evidence). The rule, documented in
 * docs/audit.md: its name, its subscription or management group name, or its resource group scope
 * has the word `prod`, `production` or `prd` (a word: `ContosoProd`, `web-prod-01` and `pre-prod`
 * do, `product` and `preprod` do not); or it is an Azure Resource Manager connection scoped to a
 * whole subscription or management group, which reaches whatever production runs there.
 */
export function productionReach(endpoint: AuditedEndpoint): string | undefined {
  const named: Array<[string, string | undefined]> = [
    ['name', endpoint.name],
    ['subscription name', endpoint.subscriptionName],
    ['management group name', endpoint.managementGroupName],
    ['resource group scope', endpoint.scope],
  ];
  for (const [what, value] of named) if (value && mentionsProduction(value)) return `${what} mentions prod`;
  const breadth = azureScopeBreadth(endpoint);
  if (breadth) return `${breadth}-wide Azure scope`;
  return undefined;
}

export function mentionsProduction(value: string): boolean {
  // Split camelCase first (`ContosoProd` → `Contoso Prod`), then look for the word between non-letters.
  const words = value.replace(/([a-z0-9])([A-Z])/g, '$1 $2');
  return /(?:^|[^a-z])(?:prod|production|prd)(?:[^a-z]|$)/i.test(words);
}
