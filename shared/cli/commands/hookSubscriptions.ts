import { type Command, Option } from 'commander';
import type { AppServices } from '../../app';
import type { HookSubscriptionsClient, ResourceDetails, ServiceHookSubscription, TeamProjectReference, VigilHookEvent } from '../../devops';
import {
  type AzureDevOpsConnection,
  connectAzureDevOps,
  resourceDetailsChoices,
  vigilHookEvents,
  vigilHookSubscription,
  vigilSubscriptionConsumer,
} from '../../devops';
import { organizationHookSecretName } from '../../events';
import { printable } from '../../logging';
import type { OrganizationSettings } from '../../organizations';
import { OrganizationDirectory, OrganizationNotFoundError } from '../../organizations';
import { hookSecretNames, isValidSecretName, requireSecret } from '../../vault';
import { printJson, withServices } from '../cliServices';
import { decodeArgumentPart, UsageError } from '../usageError';

/**
 * `vigil hooks subscribe|list|remove`: the Azure DevOps service hook subscriptions that feed Vigil.
 *
 * A subscription is Vigil's when it is a Web Hooks `httpRequest` subscription whose URL path ends
 * with `/api/hooks/azure-devops` (Vigil's webhook route). `subscribe` keeps exactly one of them per
 * (project, event type): created when missing, replaced in place when what Azure DevOps returns
 * differs from what Vigil wants, left alone otherwise. Azure DevOps never returns the Basic-auth
 * password, so it cannot be compared: after rotating the hook secret, run `subscribe --force`.
 */

const webhookPath = '/api/hooks/azure-devops';

/** Statuses that need no fixing: on probation recovers by itself after one successful delivery. */
const healthyStatuses = new Set(['enabled', 'onProbation']);

interface ConnectOptions {
  org: string;
  auth?: 'managed-identity' | 'pat';
  tokenSecret?: string;
}

interface SubscribeOptions extends ConnectOptions {
  project: string;
  url: string;
  resourceDetails: ResourceDetails;
  force?: boolean;
}

interface ListOptions extends ConnectOptions {
  project?: string;
  json?: boolean;
}

interface RemoveOptions extends ConnectOptions {
  project?: string;
  yes?: boolean;
}

export function registerHookSubscriptionCommands(hooks: Command): void {
  const connection = (command: Command): Command =>
    command
      .requiredOption('--org <url>', 'the Azure DevOps organization URL, e.g. https://dev.azure.com/contoso')
      .addOption(
        new Option('--auth <mode>', "how to call Azure DevOps (default: the organization's settings in vigil orgs)").choices([
          'managed-identity',
          'pat',
        ]),
      )
      .option('--token-secret <secret>', 'with --auth pat: the vault secret holding the PAT');

  connection(
    hooks
      .command('subscribe')
      .description("create or update Vigil's service hook subscriptions for a project (idempotent)")
      .requiredOption('--project <name>', 'the Azure DevOps project')
      .requiredOption('--url <webhook-url>', 'the webhook, e.g. https://<app>.azurewebsites.net/api/hooks/azure-devops'),
  )
    .addOption(
      new Option('--resource-details <level>', 'how much of the resource each delivery carries (resourceDetailsToSend)')
        .choices(resourceDetailsChoices)
        .default('minimal'),
    )
    .option('--force', 'replace every subscription even when unchanged (after rotating the hook secret)')
    .addHelpText(
      'after',
      [
        '',
        `Subscribes ${vigilHookEvents.map((e) => e.eventType).join(', ')}.`,
        'Resource details: minimal (the default) is enough, since Vigil re-fetches what it acts on by the ids',
        '  in typed fields, resource.url or resource._links; all works the same and only adds bytes and personal',
        '  data (names, e-mail addresses, commit messages) passing through the webhook; none sends no resource,',
        '  so no ids: every delivery is answered 202 and parked (vigil dlq list), and nothing is scanned.',
        `Basic auth: user '${vigilSubscriptionConsumer.basicAuthUsername}', password the organization's own hook secret '${hookSecretNames['azure-devops']}-<org>' when the vault has it, else the shared '${hookSecretNames['azure-devops']}' (never printed).`,
        'After setting or rotating either, run with --force: Azure DevOps never returns the password, so a change cannot be seen.',
        'Auth to Azure DevOps: --auth/--token-secret when given, else the settings in vigil orgs of the organization named in --org.',
        'Prints one line per event type: created, updated or unchanged. Exit 0 ok, 2 usage or configuration, 1 failure.',
        'Example: vigil hooks subscribe --org https://dev.azure.com/contoso --project Web --url https://func-vigil.azurewebsites.net/api/hooks/azure-devops',
      ].join('\n'),
    )
    .action(async (options: SubscribeOptions) => {
      const webhookUrl = parseWebhookUrl(options.url);
      const org = parseOrganizationUrl(options.org);
      checkAuthFlags(options);
      if (options.resourceDetails === 'none') {
        process.stderr.write(
          'warning: with --resource-details none Azure DevOps sends no resource, so no ids: Vigil parks every delivery (vigil dlq list) and scans nothing\n',
        );
      }
      await withServices(async (services) => {
        // The organization's own hook secret when it has one (the webhook then accepts no other for it), else the shared one.
        const hookSecret =
          (await services.vault.getSecret(organizationHookSecretName('azure-devops', org.name))) ??
          (await requireSecret(services.vault, hookSecretNames['azure-devops']));
        await withClient(services, org, options, async (client) => {
          const project = await findProject(client, options.project);
          const ours = (await listVigilSubscriptions(client.hookSubscriptions)).filter((s) => s.publisherInputs?.projectId === project.id);
          for (const event of vigilHookEvents) {
            const target = { url: webhookUrl, resourceDetails: options.resourceDetails };
            const line = await reconcile(client.hookSubscriptions, event, project, target, hookSecret, ours, options.force === true);
            process.stdout.write(printable`${line}\n`);
          }
        });
      });
    });

  connection(
    hooks
      .command('list')
      .description("list Vigil's service hook subscriptions (id, event type, project, URL, status)")
      .option('--project <name>', 'only this project')
      .option('--json', 'print {"subscriptions":[{"id","eventType","project","projectId","url","status"}]}'),
  ).action(async (options: ListOptions) => {
    const org = parseOrganizationUrl(options.org);
    checkAuthFlags(options);
    await withServices(async (services) =>
      withClient(services, org, options, async (client) => {
        const { subscriptions } = await selectSubscriptions(client, options.project);
        if (options.json) return printJson({ subscriptions });
        if (subscriptions.length === 0)
          return void process.stderr.write('no Vigil service hook subscriptions (create them with vigil hooks subscribe)\n');
        for (const s of subscriptions) process.stdout.write(printable`${s.id}  ${s.eventType}  ${s.project}  ${s.status}  ${s.url}\n`);
      }),
    );
  });

  connection(
    hooks
      .command('remove')
      .description("delete Vigil's service hook subscriptions (all projects, or one with --project)")
      .option('--project <name>', 'only this project')
      .option('--yes', 'really delete them'),
  ).action(async (options: RemoveOptions) => {
    const org = parseOrganizationUrl(options.org);
    checkAuthFlags(options);
    if (!options.yes)
      throw new UsageError(
        "vigil hooks remove deletes Vigil's service hook subscriptions: add --yes to confirm (vigil hooks list shows them)",
      );
    await withServices(async (services) =>
      withClient(services, org, options, async (client) => {
        const { subscriptions } = await selectSubscriptions(client, options.project);
        if (subscriptions.length === 0) return void process.stderr.write('no Vigil service hook subscriptions to remove\n');
        for (const s of subscriptions) {
          await client.hookSubscriptions.deleteServiceHookSubscription(s.id);
          process.stdout.write(printable`removed ${s.eventType} ${s.id} (${s.project})\n`);
        }
      }),
    );
  });
}

// ── subscribe ─────────────────────────────────────────────────────────────────────────────────

async function reconcile(
  client: HookSubscriptionsClient,
  event: VigilHookEvent,
  project: TeamProjectReference & { id: string },
  target: { url: string; resourceDetails: ResourceDetails },
  hookSecret: string,
  ours: ServiceHookSubscription[],
  force: boolean,
): Promise<string> {
  const desired = vigilHookSubscription(event, project.id, target, hookSecret);
  const existing = ours.filter((s) => s.eventType === event.eventType && s.id);
  if (existing.length === 0) {
    const created = await client.createServiceHookSubscription(desired);
    return `created   ${event.eventType} ${created.id ?? ''}`.trimEnd();
  }
  // Keep one (an up-to-date one when there is one); any others would deliver every event twice.
  const keep = existing.find((s) => differences(s, desired).length === 0) ?? existing[0];
  const extras = existing.filter((s) => s !== keep);
  for (const extra of extras) await client.deleteServiceHookSubscription(extra.id ?? '');
  const removed = extras.length > 0 ? `; removed ${extras.length} duplicate(s)` : '';
  const changed = differences(keep, desired);
  if (changed.length === 0 && !force) return `unchanged ${event.eventType} ${keep.id ?? ''}${removed}`;
  const id = keep.id ?? '';
  // Start from what Azure DevOps has (its own publisher inputs such as hostId stay), then set ours.
  const { id: _id, url: _url, ...current } = keep;
  await client.replaceServiceHookSubscription(id, {
    ...current,
    ...desired,
    publisherInputs: { ...(keep.publisherInputs ?? {}), ...desired.publisherInputs },
    consumerInputs: { ...(keep.consumerInputs ?? {}), ...desired.consumerInputs },
    status: 'enabled',
  });
  return `updated   ${event.eventType} ${id} (${changed.length > 0 ? changed.join(', ') : 'forced'})${removed}`;
}

/** What differs between a subscription as Azure DevOps returns it and what Vigil wants (the password is never returned). */
function differences(actual: ServiceHookSubscription, desired: ServiceHookSubscription): string[] {
  const changed: string[] = [];
  for (const [key, value] of Object.entries(desired.consumerInputs ?? {})) {
    if (key === 'basicAuthPassword') continue;
    if ((actual.consumerInputs?.[key] ?? '') !== value) changed.push(key);
  }
  if (actual.publisherId !== desired.publisherId) changed.push('publisherId');
  if (typeof actual.status === 'string' && !healthyStatuses.has(actual.status)) changed.push(`status ${actual.status}`);
  return changed;
}

// ── list / remove ─────────────────────────────────────────────────────────────────────────────

interface SubscriptionRow {
  id: string;
  eventType: string;
  project: string;
  projectId: string;
  url: string;
  status: string;
}

async function selectSubscriptions(
  client: Pick<AzureDevOpsConnection, 'url' | 'projects' | 'hookSubscriptions'>,
  projectName: string | undefined,
): Promise<{ subscriptions: SubscriptionRow[] }> {
  const names = new Map<string, string>();
  let only: string | undefined;
  if (projectName !== undefined) {
    const project = await findProject(client, projectName);
    names.set(project.id, project.name ?? projectName);
    only = project.id;
  } else {
    for await (const project of client.projects.listProjects()) if (project.id) names.set(project.id, project.name ?? project.id);
  }
  const subscriptions = (await listVigilSubscriptions(client.hookSubscriptions))
    .filter((s) => only === undefined || s.publisherInputs?.projectId === only)
    .map((s) => {
      const projectId = s.publisherInputs?.projectId ?? '';
      return {
        id: s.id ?? '',
        eventType: s.eventType,
        project: names.get(projectId) ?? (projectId || '(all projects)'),
        projectId,
        url: s.consumerInputs?.url ?? '',
        status: typeof s.status === 'string' ? s.status : 'unknown',
      };
    })
    .sort((a, b) => a.project.localeCompare(b.project) || a.eventType.localeCompare(b.eventType) || a.id.localeCompare(b.id));
  return { subscriptions };
}

// ── shared plumbing ───────────────────────────────────────────────────────────────────────────

/** Web Hooks subscriptions that point at Vigil's Azure DevOps webhook route. */
async function listVigilSubscriptions(client: HookSubscriptionsClient): Promise<ServiceHookSubscription[]> {
  const { consumerId, consumerActionId } = vigilSubscriptionConsumer;
  const all = await client.listServiceHookSubscriptions({ consumerId, consumerActionId });
  return all.filter((s) => s.consumerId === consumerId && s.consumerActionId === consumerActionId && isVigilUrl(s.consumerInputs?.url));
}

function isVigilUrl(url: string | undefined): boolean {
  if (!url) return false;
  try {
    return new URL(url).pathname.replace(/\/+$/, '').toLowerCase().endsWith(webhookPath);
  } catch {
    return false;
  }
}

async function findProject(
  client: Pick<AzureDevOpsConnection, 'url' | 'projects'>,
  name: string,
): Promise<TeamProjectReference & { id: string }> {
  const seen: string[] = [];
  for await (const project of client.projects.listProjects()) {
    if (!project.id) continue;
    if (project.name?.toLowerCase() === name.toLowerCase() || project.id.toLowerCase() === name.toLowerCase())
      return { ...project, id: project.id };
    if (seen.length < 10 && project.name) seen.push(project.name);
  }
  throw new UsageError(
    `no project '${name}' in ${client.url}${seen.length > 0 ? ` (projects: ${seen.join(', ')}${seen.length === 10 ? ', ...' : ''})` : ''}`,
  );
}

const loopbackHosts = new Set(['127.0.0.1', 'localhost', '[::1]']);

function parseUrl(text: string, flag: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`${flag} '${text.slice(0, 200)}' is not a URL`);
  }
  if (url.username || url.password) throw new UsageError(`${flag} must not carry credentials`);
  const loopback = url.protocol === 'http:' && loopbackHosts.has(url.hostname.toLowerCase());
  if (url.protocol !== 'https:' && !loopback) throw new UsageError(`${flag} must be an https URL (http only for 127.0.0.1 or localhost)`);
  return url;
}

/** The webhook URL: Vigil's route is added to a bare host; any other path must end with it. */
function parseWebhookUrl(text: string): string {
  const url = parseUrl(text, '--url');
  const path = url.pathname.replace(/\/+$/, '');
  if (path === '') url.pathname = webhookPath;
  else if (!path.toLowerCase().endsWith(webhookPath))
    throw new UsageError(`--url must point at Vigil's Azure DevOps webhook (a path ending in ${webhookPath})`);
  else url.pathname = path;
  return url.toString();
}

interface OrganizationUrl {
  url: string;
  name: string;
}

/** `https://dev.azure.com/<name>` (or `https://<name>.visualstudio.com`); the name finds the settings in vigil orgs. */
function parseOrganizationUrl(text: string): OrganizationUrl {
  const url = parseUrl(text, '--org');
  const segment = url.pathname.split('/').filter(Boolean)[0];
  const host = url.hostname.toLowerCase();
  const name = host.endsWith('.visualstudio.com')
    ? host.slice(0, -'.visualstudio.com'.length)
    : segment
      ? decodeArgumentPart(segment, '--org')
      : undefined;
  if (!name) throw new UsageError(`--org '${text.slice(0, 200)}' names no organization: expected https://dev.azure.com/<name>`);
  let normalised: string;
  try {
    normalised = OrganizationDirectory.normaliseName(name);
  } catch (error) {
    throw new UsageError(`--org: ${(error as Error).message}`);
  }
  url.search = '';
  url.hash = '';
  return { url: url.toString().replace(/\/+$/, ''), name: normalised };
}

function checkAuthFlags(options: ConnectOptions): void {
  if (options.auth === 'pat' && !options.tokenSecret)
    throw new UsageError('--auth pat needs --token-secret NAME (the vault secret holding the PAT)');
  if (options.tokenSecret && options.auth !== 'pat') throw new UsageError('--token-secret goes with --auth pat');
  if (options.tokenSecret && !isValidSecretName(options.tokenSecret))
    throw new UsageError(`--token-secret '${options.tokenSecret.slice(0, 80)}' is not a vault secret name`);
}

/**
 * Connects with the organization's auth: --auth/--token-secret when given, else its settings in
 * vigil orgs. The URL is always the one given with --org.
 */
async function withClient<T>(
  services: AppServices,
  org: OrganizationUrl,
  options: ConnectOptions,
  work: (client: AzureDevOpsConnection) => Promise<T>,
): Promise<T> {
  let auth: NonNullable<OrganizationSettings['azureDevOps']>['auth'] | undefined;
  let stored: OrganizationSettings | undefined;
  if (options.auth === 'pat') auth = { mode: 'pat', tokenSecret: options.tokenSecret ?? '' };
  else if (options.auth === 'managed-identity') auth = { mode: 'managed-identity' };
  else {
    const directory = services.stores.organizations;
    stored = await directory.get(org.name).catch((error: unknown) => {
      if (error instanceof OrganizationNotFoundError) return undefined;
      throw error;
    });
    auth = stored?.azureDevOps?.auth;
  }
  if (!auth) {
    throw new UsageError(
      `organization '${org.name}' has no Azure DevOps settings in vigil orgs: add them (vigil orgs add ${org.name} --azure-devops-url ${org.url} --auth ...) or pass --auth managed-identity | --auth pat --token-secret NAME`,
    );
  }
  const now = new Date(services.clock.now()).toISOString();
  const settings: OrganizationSettings = {
    id: org.name,
    organization: org.name,
    alertChannels: [],
    workItems: { workItemType: 'Issue', stateMapping: {} },
    createdAt: now,
    updatedAt: now,
    ...stored,
    azureDevOps: { url: org.url, auth },
  };
  const client = await connectAzureDevOps(settings, { vault: services.vault });
  try {
    return await work(client);
  } finally {
    client.close();
  }
}
