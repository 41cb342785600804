import { z } from 'zod';
import { PermanentError } from '../errors';

/**
 * A service connection as the audit sees it: only settings, never credentials. Azure DevOps may
 * hand back `authorization.parameters` with secret values (a client secret, a password, a token);
 * parsing keeps two named, non-secret parameters and drops every other one, so nothing
 * downstream (checks, evidence, fingerprints, logs) can ever hold a credential.
 */
export interface AuditedEndpoint {
  id: string;
  name: string;
  /** As Azure DevOps spells it (`AzureRM`, `azurerm`, `Generic`): compare with `typeIs`. */
  type: string;
  url?: string;
  /** `authorization.scheme`: ServicePrincipal, WorkloadIdentityFederation, UsernamePassword, Token, ... */
  scheme?: string;
  /** `authorization.parameters.authenticationType` (spnKey, spnCertificate): an enumeration, never a credential. */
  authenticationType?: string;
  /** `authorization.parameters.scope`: the resource group path an Azure Resource Manager connection is limited to. */
  scope?: string;
  /** `data.scopeLevel`: Subscription, ManagementGroup, AzureMLWorkspace. */
  scopeLevel?: string;
  /** `data.creationMode`: Automatic (Azure DevOps assigned the role) or Manual (someone did, in Azure). */
  creationMode?: string;
  subscriptionName?: string;
  managementGroupName?: string;
  /** The projects it is shared with (`serviceEndpointProjectReferences`). */
  projects: Array<{ id: string; name: string }>;
  /** ISO 8601, when Azure DevOps says (`creationDate`; not every answer has it). */
  creationDate?: string;
}

const dateLike = z.union([z.date(), z.string()]).nullish();

const ServiceEndpointSchema = z.object({
  id: z.string().min(1),
  name: z.string().nullish(),
  type: z.string().nullish(),
  url: z.string().nullish(),
  data: z.record(z.string(), z.unknown()).nullish(),
  authorization: z
    .object({
      scheme: z.string().nullish(),
      parameters: z.record(z.string(), z.unknown()).nullish(),
    })
    .nullish(),
  serviceEndpointProjectReferences: z
    .array(z.object({ projectReference: z.object({ id: z.string().nullish(), name: z.string().nullish() }).nullish() }))
    .nullish(),
  creationDate: dateLike,
});

/** Validates a service connection from the API and keeps what the checks read (PermanentError when it has no id). */
export function parseAuditedEndpoint(raw: unknown): AuditedEndpoint {
  const parsed = ServiceEndpointSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PermanentError(
      `Azure DevOps answered a service connection Vigil cannot read (field '${issue.path.join('.')}': ${issue.message})`,
    );
  }
  const endpoint = parsed.data;
  const data = caseless(endpoint.data);
  const parameters = caseless(endpoint.authorization?.parameters);
  const projects = (endpoint.serviceEndpointProjectReferences ?? []).flatMap((reference) => {
    const project = reference.projectReference;
    return project?.id ? [{ id: project.id, name: project.name ?? project.id }] : [];
  });
  return {
    id: endpoint.id,
    name: endpoint.name || endpoint.id,
    type: endpoint.type ?? 'unknown',
    ...optional('url', endpoint.url ?? undefined),
    ...optional('scheme', endpoint.authorization?.scheme ?? undefined),
    ...optional('authenticationType', text(parameters.authenticationtype)),
    ...optional('scope', text(parameters.scope)),
    ...optional('scopeLevel', text(data.scopelevel)),
    ...optional('creationMode', text(data.creationmode)),
    ...optional('subscriptionName', text(data.subscriptionname)),
    ...optional('managementGroupName', text(data.managementgroupname)),
    projects,
    ...optional('creationDate', isoDate(endpoint.creationDate)),
  };
}

/** `AzureRM` and `azurerm` are the same type: Azure DevOps' own examples use both spellings. */
export function typeIs(endpoint: AuditedEndpoint, type: string): boolean {
  return endpoint.type.toLowerCase() === type.toLowerCase();
}

export function schemeIs(endpoint: AuditedEndpoint, ...schemes: string[]): boolean {
  const scheme = endpoint.scheme?.toLowerCase();
  return scheme !== undefined && schemes.some((s) => s.toLowerCase() === scheme);
}

/** Classic connections write `SubscriptionName`, newer ones `subscriptionName`: look keys up without case. */
function caseless(record: Record<string, unknown> | null | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record ?? {})) out[key.toLowerCase()] = value;
  return out;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** An API date (a Date from node-api, or a string) as ISO 8601; undefined when absent or a placeholder. */
export function isoDate(value: Date | string | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  const time = value instanceof Date ? value.getTime() : Date.parse(value);
  // Azure DevOps writes 0001-01-01 for "never"; anything before 2000 is not a real date.
  return Number.isFinite(time) && time > Date.UTC(2000, 0, 1) ? new Date(time).toISOString() : undefined;
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
