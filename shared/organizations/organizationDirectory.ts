import type { Clock } from '../clock';
import { ConfigurationError, PermanentError } from '../errors';
import type { Container } from '../store';
import { isConflict, isNotFound, isPreconditionFailed, queryAll } from '../store';
import {
  type AlertChannel,
  accountIdPattern,
  type OrganizationSettings,
  OrganizationSettingsSchema,
  organizationNamePattern,
} from './organizationSettings';

export class OrganizationNotFoundError extends PermanentError {
  constructor(readonly organization: string) {
    super(
      accountIdPattern.test(organization)
        ? `no organization with account id '${organization}' (record it: vigil orgs add NAME --azure-devops-url https://dev.azure.com/NAME --auth managed-identity --account-id ${organization})`
        : `no organization '${organization}' (add it with: vigil orgs add ${organization} --azure-devops-url https://dev.azure.com/${organization} --auth managed-identity)`,
    );
  }
}

export class OrganizationExistsError extends ConfigurationError {
  constructor(organization: string) {
    super(`organization '${organization}' already exists (vigil orgs show ${organization}; remove it first to start over)`);
  }
}

export type NewOrganization = Omit<
  OrganizationSettings,
  'id' | 'organization' | 'createdAt' | 'updatedAt' | 'alertChannels' | 'workItems' | 'workItemSync'
> &
  Partial<Pick<OrganizationSettings, 'alertChannels' | 'workItems'>>;

/** The organizations Vigil serves: read by handlers, written by `vigil orgs`. */
export class OrganizationDirectory {
  constructor(
    private readonly organizations: Container<OrganizationSettings>,
    private readonly clock: Clock,
  ) {}

  static normaliseName(name: string): string {
    const normalised = name.trim().toLowerCase();
    if (!organizationNamePattern.test(normalised)) {
      throw new ConfigurationError(
        `invalid organization name '${name.slice(0, 80)}': use letters, digits and '-' (up to 63), as in dev.azure.com/<name>`,
      );
    }
    return normalised;
  }

  async add(name: string, settings: NewOrganization): Promise<OrganizationSettings> {
    const organization = OrganizationDirectory.normaliseName(name);
    const now = new Date(this.clock.now()).toISOString();
    const document = validSettings({ ...settings, id: organization, organization, createdAt: now, updatedAt: now });
    try {
      return await this.organizations.create(document);
    } catch (error) {
      if (isConflict(error)) throw new OrganizationExistsError(organization);
      throw error;
    }
  }

  /** By name, or by Azure DevOps account id (what an event whose payload carries no URL names its organization by). */
  async get(name: string): Promise<OrganizationSettings> {
    const organization = OrganizationDirectory.normaliseName(name);
    const stored = (await this.organizations.read(organization, organization)) ?? (await this.byAccountId(organization));
    if (!stored) throw new OrganizationNotFoundError(organization);
    return OrganizationSettingsSchema.parse(stored);
  }

  private async byAccountId(accountId: string): Promise<OrganizationSettings | undefined> {
    if (!accountIdPattern.test(accountId)) return undefined;
    const page = await this.organizations.query({ where: { 'azureDevOps.accountId': accountId }, limit: 1 });
    return page.items[0];
  }

  async list(): Promise<OrganizationSettings[]> {
    const all = await queryAll(this.organizations, { orderBy: { field: 'organization' } });
    return all.map((item) => OrganizationSettingsSchema.parse(item));
  }

  /**
   * Every settings document as stored, not validated: for readers that must not stop because one
   * document no longer parses (the webhook's hook-secret lookup), and check the fields they read.
   */
  async storedDocuments(): Promise<Array<Partial<Record<keyof OrganizationSettings, unknown>>>> {
    return queryAll(this.organizations, {});
  }

  async remove(name: string): Promise<void> {
    const organization = OrganizationDirectory.normaliseName(name);
    try {
      await this.organizations.delete(organization, organization);
    } catch (error) {
      if (isNotFound(error)) throw new OrganizationNotFoundError(organization);
      throw error;
    }
  }

  /**
   * Applies `change` to the stored settings, etag-checked and re-applied after a concurrent edit;
   * `change` returns undefined to leave them as they are. Returns the settings as stored after.
   * `touch` (default true) sets `updatedAt`: an operator's edit; the sync's own status is not one.
   */
  async update(
    name: string,
    change: (current: OrganizationSettings) => OrganizationSettings | undefined,
    options: { touch?: boolean } = {},
  ): Promise<OrganizationSettings> {
    const organization = OrganizationDirectory.normaliseName(name);
    for (;;) {
      const stored = await this.organizations.read(organization, organization);
      if (!stored) throw new OrganizationNotFoundError(organization);
      const current = OrganizationSettingsSchema.parse(stored);
      const changed = change(current);
      if (!changed) return current;
      const updated = validSettings({
        ...changed,
        id: organization,
        organization,
        ...(options.touch === false ? {} : { updatedAt: new Date(this.clock.now()).toISOString() }),
      });
      try {
        return await this.organizations.replace(updated, { ifMatch: stored._etag });
      } catch (error) {
        if (!isPreconditionFailed(error)) throw error;
      }
    }
  }

  /** Adds an alert channel; an identical one is not added twice. Etag-checked, so concurrent edits are not lost. */
  async addChannel(name: string, channel: AlertChannel): Promise<OrganizationSettings> {
    const organization = OrganizationDirectory.normaliseName(name);
    for (;;) {
      const stored = await this.organizations.read(organization, organization);
      if (!stored) throw new OrganizationNotFoundError(organization);
      const current = OrganizationSettingsSchema.parse(stored);
      if (current.alertChannels.some((c) => c.type === channel.type && c.urlSecret === channel.urlSecret)) return current;
      const updated = validSettings({
        ...current,
        alertChannels: [...current.alertChannels, channel],
        updatedAt: new Date(this.clock.now()).toISOString(),
      });
      try {
        return await this.organizations.replace(updated, { ifMatch: stored._etag });
      } catch (error) {
        // Someone changed the settings in between: read again and re-apply.
        if (!isPreconditionFailed(error)) throw error;
      }
    }
  }
}

/** Settings as an operator gave them: a wrong value is a one-line configuration error naming the field. */
function validSettings(input: unknown): OrganizationSettings {
  const parsed = OrganizationSettingsSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new ConfigurationError(`invalid organization setting ${issue.path.join('.')}: ${issue.message}`);
}
