import { organizationFromUrl } from './azureDevOpsUrls';

/**
 * The organization an Azure DevOps service hook payload names, read from the payload as it arrived
 * (not from what a schema kept of it: validation strips the fields whose URLs tell the organization,
 * so the recorded `git.push` sample came out as its account id instead of `fabrikam-fiber-inc`).
 *
 * In order: `resourceContainers.account.baseUrl`, `resourceContainers.collection.baseUrl`, the first
 * Azure DevOps URL inside `resource`, and last the account id `resourceContainers.account.id` (which
 * the organization settings map back to a name when `vigil orgs add --account-id` recorded it).
 */
export function organizationNamedBy(payload: Record<string, unknown>): string | undefined {
  const containers = objectAt(payload, 'resourceContainers');
  const account = objectAt(containers, 'account');
  return (
    organizationFromUrl(stringAt(account, 'baseUrl')) ??
    organizationFromUrl(stringAt(objectAt(containers, 'collection'), 'baseUrl')) ??
    firstOrganizationIn(payload.resource, 4) ??
    stringAt(account, 'id')?.toLowerCase()
  );
}

/** The organization of the first URL (depth-first, in payload order) that names one. */
function firstOrganizationIn(value: unknown, depth: number): string | undefined {
  if (typeof value === 'string') return /^https?:\/\//i.test(value) ? organizationFromUrl(value) : undefined;
  if (depth === 0 || typeof value !== 'object' || value === null) return undefined;
  for (const child of Object.values(value)) {
    const found = firstOrganizationIn(child, depth - 1);
    if (found) return found;
  }
  return undefined;
}

function objectAt(value: unknown, key: string): Record<string, unknown> | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const child = (value as Record<string, unknown>)[key];
  return typeof child === 'object' && child !== null && !Array.isArray(child) ? (child as Record<string, unknown>) : undefined;
}

function stringAt(value: Record<string, unknown> | undefined, key: string): string | undefined {
  const child = value?.[key];
  return typeof child === 'string' && child.length > 0 ? child : undefined;
}
