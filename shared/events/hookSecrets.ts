import type { Clock } from '../clock';
import type { OrganizationDirectory } from '../organizations';
import { accountIdPattern, organizationNamePattern } from '../organizations';
import { hookSecretNames, type Vault } from '../vault';
import type { WebhookSource } from './envelope';

/**
 * Which secret a webhook delivery must carry. Each source has a shared secret (`hooks-azure-devops`,
 * `hooks-github`, `hooks-gitlab`), the single-tenant default. An organization added with `vigil orgs
 * add` may have one of its own (`hooks-azure-devops-contoso`); a delivery whose payload names that
 * organization must then carry that secret, and the shared one no longer speaks for it. So one
 * tenant's secret cannot make Vigil act on another tenant's events.
 *
 * Only organizations in the directory are looked up: an unauthenticated flood of payloads naming
 * made-up organizations then costs no vault calls (the list is read at most once per
 * `organizationsTtlMs`, the secrets come from the vault's own cache and are put together at most
 * once a second).
 */
export function organizationHookSecretName(source: WebhookSource, organization: string): string {
  return `${hookSecretNames[source]}-${organization}`;
}

export interface HookSecrets {
  source: WebhookSource;
  /** The source's shared secret, if set. */
  shared: string | undefined;
  /** Organizations in the directory that have a hook secret of their own, and that secret. */
  ownSecrets: ReadonlyMap<string, string>;
  /** Azure DevOps account id → organization name, for payloads that name their organization only by account id. */
  organizationsByAccountId: ReadonlyMap<string, string>;
}

export interface ExpectedSecret {
  /** The vault secret's name, for messages. */
  name: string;
  value: string | undefined;
}

/** The organization's name for what a payload names it by (a name in any case, or an account id), if it names one. */
export function organizationName(secrets: HookSecrets, named: string | undefined): string | undefined {
  if (!named) return undefined;
  const lower = named.toLowerCase();
  return secrets.organizationsByAccountId.get(lower) ?? lower;
}

/** The organization's own secret when it has one, else the shared one. */
export function expectedSecret(secrets: HookSecrets, organization: string | undefined): ExpectedSecret {
  const own = organization === undefined ? undefined : secrets.ownSecrets.get(organization);
  if (own !== undefined && organization !== undefined)
    return { name: organizationHookSecretName(secrets.source, organization), value: own };
  return { name: hookSecretNames[secrets.source], value: secrets.shared };
}

/** Every secret some delivery of the source could carry: what a request's headers are checked against before its body is read. */
export function candidateSecrets(secrets: HookSecrets): string[] {
  return [...(secrets.shared === undefined ? [] : [secrets.shared]), ...secrets.ownSecrets.values()];
}

export interface HookSecretResolver {
  secretsFor(source: WebhookSource): Promise<HookSecrets>;
}

export interface HookSecretResolverDependencies {
  vault: Vault;
  organizations: Pick<OrganizationDirectory, 'storedDocuments'>;
  clock: Clock;
}

const assembledTtlMs = 1_000;

interface DirectoryView {
  names: string[];
  organizationsByAccountId: Map<string, string>;
  readAt: number;
}

export function createHookSecretResolver(
  deps: HookSecretResolverDependencies,
  options: { organizationsTtlMs?: number } = {},
): HookSecretResolver {
  const ttlMs = options.organizationsTtlMs ?? 30_000;
  let view: DirectoryView | undefined;
  let reading: Promise<DirectoryView> | undefined;

  const readDirectory = async (): Promise<DirectoryView> => {
    // Read leniently: one settings document that no longer parses must not stop every delivery.
    const documents = await deps.organizations.storedDocuments();
    const names: string[] = [];
    const organizationsByAccountId = new Map<string, string>();
    for (const document of documents) {
      const name = document.organization;
      if (typeof name !== 'string' || !organizationNamePattern.test(name)) continue;
      names.push(name);
      const azureDevOps = document.azureDevOps;
      const accountId =
        typeof azureDevOps === 'object' && azureDevOps !== null ? (azureDevOps as Record<string, unknown>).accountId : undefined;
      if (typeof accountId === 'string' && accountIdPattern.test(accountId)) organizationsByAccountId.set(accountId, name);
    }
    return { names, organizationsByAccountId, readAt: deps.clock.now() };
  };

  // Failures are not cached: the next delivery tries again (and is answered 503 meanwhile).
  const currentView = (): Promise<DirectoryView> => {
    if (view && deps.clock.now() - view.readAt < ttlMs) return Promise.resolve(view);
    reading ??= readDirectory().then(
      (fresh) => {
        view = fresh;
        reading = undefined;
        return fresh;
      },
      (error: unknown) => {
        reading = undefined;
        throw error;
      },
    );
    return reading;
  };

  const assemble = async (source: WebhookSource): Promise<HookSecrets> => {
    const [shared, { names, organizationsByAccountId }] = await Promise.all([deps.vault.getSecret(hookSecretNames[source]), currentView()]);
    const own = await Promise.all(
      names.map(async (name) => [name, await deps.vault.getSecret(organizationHookSecretName(source, name))] as const),
    );
    const ownSecrets = new Map<string, string>();
    for (const [name, value] of own) if (value !== undefined) ownSecrets.set(name, value);
    return { source, shared, ownSecrets, organizationsByAccountId };
  };

  // Assembled at most once a second per source: under a burst of deliveries the lookups cost once, not per request.
  const assembled = new Map<WebhookSource, { at: number; secrets: Promise<HookSecrets> }>();
  return {
    secretsFor(source) {
      const now = deps.clock.now();
      const cached = assembled.get(source);
      if (cached && now - cached.at < assembledTtlMs) return cached.secrets;
      const secrets = assemble(source);
      assembled.set(source, { at: now, secrets });
      // A failure is not kept: the next delivery asks again.
      secrets.catch(() => {
        if (assembled.get(source)?.secrets === secrets) assembled.delete(source);
      });
      return secrets;
    },
  };
}
