import { Option, type Command } from 'commander';
import { OrganizationDirectory } from '../../organizations';
import { accountIdPattern, referencedSecrets, stateCategories, type OrganizationSettings } from '../../organizations';
import type { AppServices } from '../../app';
import { UsageError } from '../usageError';
import { printJson, withServices } from '../cliServices';
import { printable } from '../../logging';

interface AddOptions {
  azureDevopsUrl?: string;
  accountId?: string;
  auth?: 'managed-identity' | 'pat';
  tokenSecret?: string;
  githubTokenSecret?: string;
  gitlabUrl?: string;
  gitlabTokenSecret?: string;
  workItemType?: string;
  areaPath?: string;
  state?: string[];
}

/** `vigil orgs` (docs/architecture.md, "The `vigil` command"): the organizations Vigil serves and how it reaches them, by secret *names*. */
export function registerOrgsCommand(program: Command): void {
  const orgs = program.command('orgs').description('organizations Vigil serves: Azure DevOps URL and auth, GitHub/GitLab tokens, alert channels, work items');

  orgs
    .command('add')
    .description('add an organization (settings name vault secrets; set their values with vigil secrets set)')
    .argument('<name>', 'the organization, as in dev.azure.com/<name>')
    .option('--azure-devops-url <url>', 'e.g. https://dev.azure.com/contoso')
    .addOption(new Option('--auth <mode>', 'how to call Azure DevOps').choices(['managed-identity', 'pat']))
    .option('--token-secret <secret>', 'with --auth pat: the vault secret holding the PAT')
    .option('--account-id <guid>', "the organization's account id: service hooks whose payload names no URL name the organization only by it")
    .option('--github-token-secret <secret>', 'the vault secret holding a GitHub token')
    .option('--gitlab-url <url>', 'e.g. https://gitlab.com')
    .option('--gitlab-token-secret <secret>', 'the vault secret holding a GitLab token')
    .option('--work-item-type <type>', 'work item type for risks (default Issue)')
    .option('--area-path <path>', 'area path for risk work items, e.g. Web\\Security')
    .option('--state <category=state...>', `state to use per category (${stateCategories.join(', ')}), e.g. Completed=Done`)
    .addHelpText(
      'after',
      '\nExamples:\n  vigil orgs add contoso --azure-devops-url https://dev.azure.com/contoso --auth managed-identity\n  vigil orgs add fabrikam --azure-devops-url https://dev.azure.com/fabrikam --auth pat --token-secret ado-pat-fabrikam' +
        '\n\nAn event is found either by the organization name its URLs carry or, when it carries none, by --account-id.' +
        '\nA hook secret of its own (vigil secrets set hooks-azure-devops-NAME) makes the webhook accept its events only with that secret.',
    )
    .action(async (name: string, options: AddOptions) => {
      const settings = newOrganization(options);
      await withServices(async (services) => {
        const added = await directoryOf(services).add(name, settings);
        process.stdout.write(`added organization '${added.organization}'\n`);
        await warnAboutMissingSecrets(services, added);
      });
    });

  orgs
    .command('list')
    .description('list organizations')
    .option('--json', 'print {"organizations":[settings]}')
    .action(async (options: { json?: boolean }) => {
      await withServices(async (services) => {
        const organizations = await directoryOf(services).list();
        if (options.json) return printJson({ organizations });
        if (organizations.length === 0) return void process.stderr.write('no organizations (add one with vigil orgs add)\n');
        for (const o of organizations) {
          const reach = [o.azureDevOps && `azure-devops ${o.azureDevOps.auth.mode}`, o.github && 'github', o.gitlab && 'gitlab'].filter(Boolean);
          process.stdout.write(printable`${o.organization}  ${reach.join(', ') || 'no sources'}  ${o.alertChannels.length} alert channel(s)\n`);
        }
      });
    });

  orgs
    .command('show')
    .description("show an organization's settings (secret names only)")
    .argument('<name>')
    .option('--json', 'print the settings document')
    .action(async (name: string, options: { json?: boolean }) => {
      await withServices(async (services) => {
        const settings = await directoryOf(services).get(name);
        if (options.json) return printJson(settings);
        process.stdout.write(describe(settings));
        await warnAboutMissingSecrets(services, settings);
      });
    });

  orgs
    .command('remove')
    .description('remove an organization (its risks and assets stay)')
    .argument('<name>')
    .action(async (name: string) => {
      await withServices(async (services) => {
        await directoryOf(services).remove(name);
        process.stdout.write(`removed organization '${OrganizationDirectory.normaliseName(name)}'\n`);
      });
    });

  const channel = orgs.command('channel').description('where alerts for an organization go');
  channel
    .command('add')
    .description('add an alert channel')
    .argument('<name>', 'the organization')
    .addOption(new Option('--type <type>', 'channel kind').choices(['teams', 'slack', 'webhook']).makeOptionMandatory())
    .requiredOption('--url-secret <secret>', 'the vault secret holding the destination URL')
    .option('--signing-secret <secret>', 'webhook: the vault secret that signs deliveries')
    .action(async (name: string, options: { type: 'teams' | 'slack' | 'webhook'; urlSecret: string; signingSecret?: string }) => {
      if (options.signingSecret && options.type !== 'webhook') throw new UsageError('--signing-secret applies to --type webhook only');
      await withServices(async (services) => {
        const updated = await directoryOf(services).addChannel(name, {
          type: options.type,
          urlSecret: options.urlSecret,
          ...(options.signingSecret ? { signingSecret: options.signingSecret } : {}),
        });
        process.stdout.write(`organization '${updated.organization}' has ${updated.alertChannels.length} alert channel(s)\n`);
        await warnAboutMissingSecrets(services, updated);
      });
    });
}

function newOrganization(options: AddOptions): Parameters<OrganizationDirectory['add']>[1] {
  if (!options.azureDevopsUrl && !options.githubTokenSecret && !options.gitlabUrl) {
    throw new UsageError('say how to reach the organization: --azure-devops-url, --github-token-secret or --gitlab-url');
  }
  if (options.azureDevopsUrl && !options.auth) throw new UsageError('--azure-devops-url needs --auth managed-identity or --auth pat');
  if (options.auth === 'pat' && !options.tokenSecret) throw new UsageError('--auth pat needs --token-secret NAME (the vault secret holding the PAT)');
  if (options.auth === 'managed-identity' && options.tokenSecret) throw new UsageError('--token-secret applies to --auth pat only');
  if (Boolean(options.gitlabUrl) !== Boolean(options.gitlabTokenSecret)) throw new UsageError('--gitlab-url and --gitlab-token-secret go together');
  if (options.accountId && !options.azureDevopsUrl) throw new UsageError('--account-id goes with --azure-devops-url');
  const accountId = options.accountId?.trim().toLowerCase();
  if (accountId !== undefined && !accountIdPattern.test(accountId)) {
    throw new UsageError(`--account-id '${options.accountId?.slice(0, 80)}' is not a GUID (it is resourceContainers.account.id in a service hook payload)`);
  }
  const stateMapping: Record<string, string> = {};
  for (const pair of options.state ?? []) {
    const [category, state] = pair.split('=', 2);
    if (!state || !(stateCategories as readonly string[]).includes(category)) {
      throw new UsageError(`--state ${pair}: expected CATEGORY=STATE with CATEGORY one of ${stateCategories.join(', ')}`);
    }
    stateMapping[category] = state;
  }
  return {
    ...(options.azureDevopsUrl
      ? {
          azureDevOps: {
            url: options.azureDevopsUrl.replace(/\/+$/, ''),
            auth: options.auth === 'pat' ? { mode: 'pat' as const, tokenSecret: options.tokenSecret ?? '' } : { mode: 'managed-identity' as const },
            ...(accountId ? { accountId } : {}),
          },
        }
      : {}),
    ...(options.githubTokenSecret ? { github: { tokenSecret: options.githubTokenSecret } } : {}),
    ...(options.gitlabUrl ? { gitlab: { url: options.gitlabUrl.replace(/\/+$/, ''), tokenSecret: options.gitlabTokenSecret ?? '' } } : {}),
    workItems: { workItemType: options.workItemType ?? 'Issue', ...(options.areaPath ? { areaPath: options.areaPath } : {}), stateMapping },
  };
}

function directoryOf(services: AppServices): OrganizationDirectory {
  return services.stores.organizations;
}

/** Settings only name secrets; say which of them have no value yet, so the first event does not find out. */
async function warnAboutMissingSecrets(services: AppServices, settings: OrganizationSettings): Promise<void> {
  for (const name of referencedSecrets(settings)) {
    if ((await services.vault.getSecret(name)) === undefined) {
      process.stderr.write(`note: secret '${name}' is not in the vault yet (vigil secrets set ${name})\n`);
    }
  }
}

function describe(settings: OrganizationSettings): string {
  const lines = [`organization ${settings.organization}`];
  if (settings.azureDevOps) {
    const auth = settings.azureDevOps.auth;
    lines.push(printable`  azure devops  ${settings.azureDevOps.url}  auth ${auth.mode}${auth.mode === 'pat' ? ` (secret ${auth.tokenSecret})` : ''}`);
    if (settings.azureDevOps.accountId) lines.push(`  account id    ${settings.azureDevOps.accountId}`);
  }
  if (settings.github) lines.push(`  github        token secret ${settings.github.tokenSecret}`);
  if (settings.gitlab) lines.push(printable`  gitlab        ${settings.gitlab.url}  token secret ${settings.gitlab.tokenSecret}`);
  const { workItemType, areaPath, stateMapping } = settings.workItems;
  const states = Object.entries(stateMapping).map(([c, s]) => `${c}=${s}`).join(' ');
  lines.push(printable`  work items    type ${workItemType}${areaPath ? `, area ${areaPath}` : ''}${states ? `, states ${states}` : ''}`);
  for (const c of settings.alertChannels) lines.push(`  alerts        ${c.type} (url secret ${c.urlSecret}${c.signingSecret ? `, signed with ${c.signingSecret}` : ''})`);
  return `${lines.join('\n')}\n`;
}
