import { type Command, Option } from 'commander';
import type { AppServices } from '../../app';
import { printable } from '../../logging';
import {
  accountIdPattern,
  OrganizationDirectory,
  type OrganizationSettings,
  PullRequestSettingsSchema,
  referencedSecrets,
  stateCategories,
  summaryModes,
  type WorkItemRoute,
  WorkItemRouteSchema,
} from '../../organizations';
import { printJson, withServices } from '../cliServices';
import { parsePositiveInteger } from '../options';
import { UsageError } from '../usageError';
import { describeRule, registerOrgRulesCommand } from './orgRules';
import { describeSummaries, registerOrgSummariesCommand } from './orgSummaries';

interface WorkItemOptions {
  workItemType?: string;
  /** The same as workItemType (`--type`). */
  type?: string;
  areaPath?: string;
  iterationPath?: string;
  state?: string[];
  project?: string;
  route?: string[];
  minSeverity?: 'critical' | 'high' | 'medium' | 'low';
  grouping?: 'risk' | 'repository-rule';
  falsePositiveReason?: string[];
  acceptDays?: number;
}

interface AddOptions extends WorkItemOptions {
  azureDevopsUrl?: string;
  accountId?: string;
  auth?: 'managed-identity' | 'pat';
  tokenSecret?: string;
  githubTokenSecret?: string;
  gitlabUrl?: string;
  gitlabTokenSecret?: string;
  workItems?: boolean;
  prSummary?: (typeof summaryModes)[number];
  prFailOn?: 'introduced' | 'all';
  prMinConfidence?: 'low' | 'medium' | 'high';
  prThreadBudget?: string;
  prReportUrl?: string;
  verify?: boolean;
}

interface WorkItemsCommandOptions extends WorkItemOptions {
  enable?: boolean;
  disable?: boolean;
  ownProject?: boolean;
  clearRoutes?: boolean;
  json?: boolean;
}

/** `vigil orgs` (docs/architecture.md, "The `vigil` command"): the organizations Vigil serves and how it reaches them, by secret *names*. */
export function registerOrgsCommand(program: Command): void {
  const orgs = program
    .command('orgs')
    .description(
      'organizations Vigil serves: Azure DevOps URL and auth, GitHub/GitLab tokens, alert channels, work items, trigger rules, summaries',
    );

  orgs
    .command('add')
    .description('add an organization (settings name vault secrets; set their values with vigil secrets set)')
    .argument('<name>', 'the organization, as in dev.azure.com/<name>')
    .option('--azure-devops-url <url>', 'e.g. https://dev.azure.com/contoso')
    .addOption(new Option('--auth <mode>', 'how to call Azure DevOps').choices(['managed-identity', 'pat']))
    .option('--token-secret <secret>', 'with --auth pat: the vault secret holding the PAT')
    .option(
      '--account-id <guid>',
      "the organization's account id: service hooks whose payload names no URL name the organization only by it",
    )
    .option('--github-token-secret <secret>', 'the vault secret holding a GitHub token')
    .option('--gitlab-url <url>', 'e.g. https://gitlab.com')
    .option('--gitlab-token-secret <secret>', 'the vault secret holding a GitLab token')
    .option('--work-items', 'file a work item for each risk (see vigil orgs work-items for every setting)')
    .option('--verify', "check whether credentials found in its build logs are live, with read-only calls to each credential's own service")
    .addOption(
      new Option('--pr-summary <mode>', 'pull request summary: update it in place, post a new one each run, or post it once').choices([
        ...summaryModes,
      ]),
    )
    .addOption(
      new Option(
        '--pr-fail-on <scope>',
        'which findings fail the pull request status: those it introduces (default) or all in the files it changes',
      ).choices(['introduced', 'all']),
    )
    .addOption(
      new Option('--pr-min-confidence <level>', 'the least confidence that fails the status (default medium)').choices([
        'low',
        'medium',
        'high',
      ]),
    )
    .option('--pr-thread-budget <n>', 'threads on lines per pull request per run (default 30; the rest are listed in the summary)')
    .option('--pr-report-url <url>', 'where a cut summary links the full report: a URL with {scanId}');
  const add = orgs.commands.find((c) => c.name() === 'add');
  if (!add) throw new Error('vigil orgs add is registered above');
  workItemOptions(add)
    .addHelpText(
      'after',
      '\nExamples:\n  vigil orgs add contoso --azure-devops-url https://dev.azure.com/contoso --auth managed-identity\n  vigil orgs add fabrikam --azure-devops-url https://dev.azure.com/fabrikam --auth pat --token-secret ado-pat-fabrikam' +
        '\n\nAn event is found either by the organization name its URLs carry or, when it carries none, by --account-id.' +
        '\nA hook secret of its own (vigil secrets set hooks-azure-devops-NAME) makes the webhook accept its events only with that secret.',
    )
    .action(async (name: string, options: AddOptions) => {
      const settings = newOrganization({ ...options, workItemType: options.workItemType ?? options.type });
      await withServices(async (services) => {
        const added = await directoryOf(services).add(name, settings);
        process.stdout.write(`added organization '${added.organization}'\n`);
        await warnAboutMissingSecrets(services, added);
      });
    });

  workItemOptions(
    orgs
      .command('work-items')
      .description('how risks become Azure Boards work items (docs/work-items.md): change the settings given, keep the rest')
      .argument('<name>', 'the organization')
      .option('--enable', 'file work items for risks')
      .option('--disable', 'stop filing and syncing work items (links stay)')
      .option('--own-project', "file each work item in its risk's own project (the default), not in one --project"),
  )
    .option('--clear-routes', 'remove every routing rule (before adding any --route given)')
    .option('--json', 'print the work-item settings after the change')
    .addHelpText(
      'after',
      [
        '',
        'Routing rules (first match wins): --route "repository=payments-*,area=Web\\Payments,iteration=Web\\Sprint 9"',
        '  keys project= and repository= (patterns, * and ?, case-insensitive), area= and iteration= (paths).',
        `States by category: --state Resolved=Fixed --state Removed=Cut (categories: ${stateCategories.join(', ')}).`,
        'A change of settings clears a failing sync: the next message tries again.',
        'Example: vigil orgs work-items contoso --enable --project Security --type Bug --area-path Security\\Leaks --min-severity high',
      ].join('\n'),
    )
    .action(async (name: string, options: WorkItemsCommandOptions) => {
      if (options.enable && options.disable) throw new UsageError('--enable and --disable contradict each other');
      if (options.ownProject && options.project) throw new UsageError('--own-project and --project contradict each other');
      const routes = (options.route ?? []).map(parseRoute);
      const stateMapping = parseStates(options.state);
      await withServices(async (services) => {
        const updated = await directoryOf(services).update(name, (current) => {
          const w = { ...current.workItems };
          if (options.enable) w.enabled = true;
          if (options.disable) w.enabled = false;
          if (options.ownProject) delete w.project;
          if (options.project) w.project = options.project;
          const workItemType = options.workItemType ?? options.type;
          if (workItemType) w.workItemType = workItemType;
          if (options.areaPath) w.areaPath = options.areaPath;
          if (options.iterationPath) w.iterationPath = options.iterationPath;
          if (options.clearRoutes) delete w.routes;
          if (routes.length > 0) w.routes = [...(w.routes ?? []), ...routes];
          if (options.minSeverity) w.minimumSeverity = options.minSeverity;
          if (options.grouping) w.grouping = options.grouping;
          if (options.state) w.stateMapping = { ...w.stateMapping, ...stateMapping };
          if (options.falsePositiveReason) w.falsePositiveReasons = options.falsePositiveReason;
          if (options.acceptDays !== undefined) w.acceptDays = options.acceptDays;
          // New settings end a failing sync: the next message tries them.
          const { workItemSync: _cleared, ...rest } = current;
          return { ...rest, workItems: w } as OrganizationSettings;
        });
        if (options.json) return printJson({ organization: updated.organization, workItems: updated.workItems });
        process.stdout.write(`organization '${updated.organization}': ${describeWorkItems(updated)}\n`);
      });
    });

  orgs
    .command('verification')
    .description('whether credentials found in the organization\'s build logs are checked for liveness (docs/scanning.md, "Verification")')
    .argument('<name>', 'the organization')
    .option('--enable', "ask each found credential's own service, read-only, whether it is live")
    .option('--disable', 'stop checking (the default)')
    .action(async (name: string, options: { enable?: boolean; disable?: boolean }) => {
      if (options.enable === options.disable) throw new UsageError('give one of --enable or --disable');
      await withServices(async (services) => {
        const updated = await directoryOf(services).update(name, (current) => ({
          ...current,
          verification: { enabled: options.enable === true },
        }));
        process.stdout.write(`organization '${updated.organization}': verification ${updated.verification?.enabled ? 'on' : 'off'}\n`);
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
          const reach = [o.azureDevOps && `azure-devops ${o.azureDevOps.auth.mode}`, o.github && 'github', o.gitlab && 'gitlab'].filter(
            Boolean,
          );
          process.stdout.write(
            printable`${o.organization}  ${reach.join(', ') || 'no sources'}  ${o.alertChannels.length} alert channel(s)\n`,
          );
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

  registerOrgRulesCommand(orgs);
  registerOrgSummariesCommand(orgs);
}

function newOrganization(options: AddOptions): Parameters<OrganizationDirectory['add']>[1] {
  if (!options.azureDevopsUrl && !options.githubTokenSecret && !options.gitlabUrl) {
    throw new UsageError('say how to reach the organization: --azure-devops-url, --github-token-secret or --gitlab-url');
  }
  if (options.azureDevopsUrl && !options.auth) throw new UsageError('--azure-devops-url needs --auth managed-identity or --auth pat');
  if (options.auth === 'pat' && !options.tokenSecret)
    throw new UsageError('--auth pat needs --token-secret NAME (the vault secret holding the PAT)');
  if (options.auth === 'managed-identity' && options.tokenSecret) throw new UsageError('--token-secret applies to --auth pat only');
  if (Boolean(options.gitlabUrl) !== Boolean(options.gitlabTokenSecret))
    throw new UsageError('--gitlab-url and --gitlab-token-secret go together');
  if (options.accountId && !options.azureDevopsUrl) throw new UsageError('--account-id goes with --azure-devops-url');
  const accountId = options.accountId?.trim().toLowerCase();
  if (accountId !== undefined && !accountIdPattern.test(accountId)) {
    throw new UsageError(
      `--account-id '${options.accountId?.slice(0, 80)}' is not a GUID (it is resourceContainers.account.id in a service hook payload)`,
    );
  }
  const stateMapping = parseStates(options.state);
  const routes = (options.route ?? []).map(parseRoute);
  return {
    ...(options.azureDevopsUrl
      ? {
          azureDevOps: {
            url: options.azureDevopsUrl.replace(/\/+$/, ''),
            auth:
              options.auth === 'pat'
                ? { mode: 'pat' as const, tokenSecret: options.tokenSecret ?? '' }
                : { mode: 'managed-identity' as const },
            ...(accountId ? { accountId } : {}),
          },
        }
      : {}),
    ...(options.githubTokenSecret ? { github: { tokenSecret: options.githubTokenSecret } } : {}),
    ...(options.gitlabUrl ? { gitlab: { url: options.gitlabUrl.replace(/\/+$/, ''), tokenSecret: options.gitlabTokenSecret ?? '' } } : {}),
    workItems: {
      workItemType: options.workItemType ?? 'Issue',
      ...(options.workItems ? { enabled: true } : {}),
      ...(options.project ? { project: options.project } : {}),
      ...(options.areaPath ? { areaPath: options.areaPath } : {}),
      ...(options.iterationPath ? { iterationPath: options.iterationPath } : {}),
      ...(routes.length > 0 ? { routes } : {}),
      ...(options.minSeverity ? { minimumSeverity: options.minSeverity } : {}),
      ...(options.grouping ? { grouping: options.grouping } : {}),
      ...(options.falsePositiveReason ? { falsePositiveReasons: options.falsePositiveReason } : {}),
      ...(options.acceptDays !== undefined ? { acceptDays: options.acceptDays } : {}),
      stateMapping,
    },
    ...pullRequestOptions(options),
    ...(options.verify ? { verification: { enabled: true } } : {}),
  };
}

/** The work-item options `orgs add` and `orgs work-items` share. */
function workItemOptions(command: Command): Command {
  return command
    .option('--project <name>', "file every work item in this one project (default: the risk's own project)")
    .option('--work-item-type <type>', 'work item type for risks (default Issue)')
    .option('--type <type>', 'the same as --work-item-type')
    .option('--area-path <path>', 'area path for risk work items, e.g. Web\\Security')
    .option('--iteration-path <path>', 'iteration path for risk work items')
    .option('--route <rule...>', 'area/iteration by project or repository name pattern: "repository=web-*,area=Web\\Security"')
    .addOption(
      new Option('--min-severity <level>', 'risks below this get no work item (default low)').choices([
        'critical',
        'high',
        'medium',
        'low',
      ]),
    )
    .addOption(
      new Option('--grouping <mode>', 'one work item per risk (default) or per repository and rule').choices(['risk', 'repository-rule']),
    )
    .option('--state <category=state...>', `state to use per category (${stateCategories.join(', ')}), e.g. Completed=Done`)
    .option(
      '--false-positive-reason <reason...>',
      'System.Reason values that make a Removed work item a false positive (default "False Positive")',
    )
    .option('--accept-days <days>', 'how long a risk accepted in a work item stays accepted (default 90)', parsePositiveInteger);
}

function parseStates(pairs: string[] | undefined): Record<string, string> {
  const stateMapping: Record<string, string> = {};
  for (const pair of pairs ?? []) {
    const [category, state] = pair.split('=', 2);
    if (!state || !(stateCategories as readonly string[]).includes(category)) {
      throw new UsageError(`--state ${pair}: expected CATEGORY=STATE with CATEGORY one of ${stateCategories.join(', ')}`);
    }
    stateMapping[category] = state;
  }
  return stateMapping;
}

function parseRoute(text: string): WorkItemRoute {
  const route: Record<string, string> = {};
  const keys: Record<string, keyof WorkItemRoute> = {
    project: 'project',
    repository: 'repository',
    area: 'areaPath',
    iteration: 'iterationPath',
  };
  for (const part of text.split(',')) {
    const [key, ...value] = part.split('=');
    const field = keys[key.trim().toLowerCase()];
    if (!field || value.length === 0 || !value.join('=').trim()) {
      throw new UsageError(
        `--route '${text.slice(0, 200)}': expected key=value pairs separated by commas, keys project, repository, area, iteration`,
      );
    }
    route[field] = value.join('=').trim();
  }
  const parsed = WorkItemRouteSchema.safeParse(route);
  if (!parsed.success) throw new UsageError(`--route '${text.slice(0, 200)}': ${parsed.error.issues[0].message}`);
  return parsed.data;
}

/** The `--pr-*` options as pull request settings (docs/pull-requests.md, "Settings"); none given, none stored (the defaults apply). */
function pullRequestOptions(options: AddOptions): { pullRequests?: OrganizationSettings['pullRequests'] } {
  if (!options.prSummary && !options.prFailOn && !options.prMinConfidence && !options.prThreadBudget && !options.prReportUrl) return {};
  const budget = options.prThreadBudget === undefined ? undefined : Number(options.prThreadBudget);
  const parsed = PullRequestSettingsSchema.safeParse({
    ...(options.prSummary ? { summary: options.prSummary } : {}),
    ...(options.prFailOn || options.prMinConfidence
      ? {
          failOn: {
            ...(options.prFailOn ? { scope: options.prFailOn } : {}),
            ...(options.prMinConfidence ? { minConfidence: options.prMinConfidence } : {}),
          },
        }
      : {}),
    ...(budget !== undefined ? { threadBudget: budget } : {}),
    ...(options.prReportUrl ? { reportUrl: options.prReportUrl } : {}),
  });
  if (!parsed.success)
    throw new UsageError(
      `--pr-${String(parsed.error.issues[0].path[0]).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: ${parsed.error.issues[0].message}`,
    );
  return { pullRequests: parsed.data };
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

function describeWorkItems(settings: OrganizationSettings): string {
  const w = settings.workItems;
  const states = Object.entries(w.stateMapping)
    .map(([c, s]) => `${c}=${s}`)
    .join(' ');
  return [
    w.enabled ? 'on' : 'off',
    `type ${w.workItemType}`,
    w.project ? `project ${w.project}` : "each risk's own project",
    ...(w.areaPath ? [`area ${w.areaPath}`] : []),
    ...(w.iterationPath ? [`iteration ${w.iterationPath}`] : []),
    ...(w.routes?.length ? [`${w.routes.length} route(s)`] : []),
    `severity ${w.minimumSeverity ?? 'low'} and up`,
    `one per ${w.grouping === 'repository-rule' ? 'repository and rule' : 'risk'}`,
    ...(states ? [`states ${states}`] : []),
  ].join(', ');
}

function describe(settings: OrganizationSettings): string {
  const lines = [`organization ${settings.organization}`];
  if (settings.azureDevOps) {
    const auth = settings.azureDevOps.auth;
    lines.push(
      printable`  azure devops  ${settings.azureDevOps.url}  auth ${auth.mode}${auth.mode === 'pat' ? ` (secret ${auth.tokenSecret})` : ''}`,
    );
    if (settings.azureDevOps.accountId) lines.push(`  account id    ${settings.azureDevOps.accountId}`);
  }
  if (settings.github) lines.push(`  github        token secret ${settings.github.tokenSecret}`);
  if (settings.gitlab) lines.push(printable`  gitlab        ${settings.gitlab.url}  token secret ${settings.gitlab.tokenSecret}`);
  lines.push(printable`  work items    ${describeWorkItems(settings)}`);
  if (settings.workItemSync)
    lines.push(printable`  work-item sync FAILING since ${settings.workItemSync.since}: ${settings.workItemSync.reason}`);
  for (const c of settings.alertChannels)
    lines.push(`  alerts        ${c.type} (url secret ${c.urlSecret}${c.signingSecret ? `, signed with ${c.signingSecret}` : ''})`);
  lines.push(printable`  summaries     ${describeSummaries(settings.summaries)}`);
  for (const [index, rule] of (settings.triggerRules ?? []).entries())
    lines.push(printable`  trigger rule  ${String(index + 1)}. ${describeRule(rule)}`);
  return `${lines.join('\n')}\n`;
}
