import { type Command, Option } from 'commander';
import type { AppServices } from '../../app';
import { printable } from '../../logging';
import { OrganizationDirectory, OrganizationNotFoundError } from '../../organizations';
import { assetView } from '../../overview';
import type { InventoryRecord, RepositoryAsset, RepositoryState } from '../../repositories';
import { inventoryRequestMessage } from '../../repositories';
import { narrowed } from '../../store';
import { printJson, withServices } from '../cliServices';
import { parsePositiveInteger } from '../options';
import { UsageError } from '../usageError';
import { registerReposScanCommand } from './reposScan';

interface ListOptions {
  org?: string;
  sort: 'risk' | 'name';
  state?: RepositoryState;
  json?: boolean;
}

interface InventoryOptions {
  now?: boolean;
  wait?: boolean;
  timeout: number;
  json?: boolean;
}

const states: RepositoryState[] = ['active', 'disabled', 'empty', 'deleted'];
const pollMs = 500;

/** `vigil repos list|inventory` (docs/repositories.md); `repos scan` comes from reposScan.ts. */
export function registerReposCommand(program: Command): void {
  const repos = program
    .command('repos')
    .description('the repository inventory: every Azure DevOps repository Vigil knows, its state and its risk score');

  repos
    .command('list')
    .description('list repository assets with their state and risk score (see the reasons with: vigil risks list --asset ID)')
    .option('--org <name>', 'only this organization')
    .addOption(
      new Option('--sort <order>', 'risk: riskiest first; name: by organization, project and name')
        .choices(['risk', 'name'])
        .default('name'),
    )
    .addOption(new Option('--state <state>', 'only repositories in this state').choices(states))
    .option(
      '--json',
      'print {"repositories":[{id,type,organization,project,name,defaultBranch,state,skipReason,riskScore,openRisks,reasons,webUrl}]} (the shape GET /api/assets answers)',
    )
    .action(async (options: ListOptions) => {
      const organization = options.org === undefined ? undefined : OrganizationDirectory.normaliseName(options.org);
      await withServices(async (services) => {
        const found = await services.stores.repositories.list({ organization, state: options.state });
        const sorted = found.sort(options.sort === 'risk' ? byRisk : byName);
        if (options.json) return printJson({ repositories: sorted.map(assetView) });
        if (sorted.length === 0) {
          return void process.stderr.write(
            `no repositories${organization ? ` in '${organization}'` : ''} (take an inventory with: vigil repos inventory ORG --now)\n`,
          );
        }
        process.stdout.write(`${'score'.padStart(5)}  ${'state'.padEnd(8)}  ${'open'.padStart(4)}  repository\n`);
        for (const asset of sorted) {
          const score = asset.riskScore ? String(asset.riskScore.score) : '-';
          const branch = asset.defaultBranch ? `  ${asset.defaultBranch.replace(/^refs\/heads\//, '')}` : '';
          const reason = asset.state !== 'active' && asset.skipReason ? `  (${asset.skipReason})` : '';
          process.stdout.write(
            printable`${score.padStart(5)}  ${asset.state.padEnd(8)}  ${String(asset.riskScore?.openRisks ?? 0).padStart(4)}  ${asset.organization}/${asset.project}/${asset.name}${branch}  ${asset.id}${reason}\n`,
          );
        }
      });
    });

  repos
    .command('inventory')
    .description(
      "take an inventory of an organization's repositories now, instead of waiting for the nightly timer. " +
        'By default the request is queued for the host (vigil start); --now runs it in this process.',
    )
    .argument('<org>', 'an organization added with vigil orgs add')
    .option('--now', 'run the inventory in this process, with progress on stderr (no host needed)')
    .option('--wait', 'after queueing, wait until a running host has taken the inventory, then print its summary')
    .option('--timeout <seconds>', 'how long --wait waits', parsePositiveInteger, 600)
    .option('--json', 'print the inventory record (with --now or --wait)')
    .action(async (org: string, options: InventoryOptions) => {
      if (options.now && options.wait) throw new UsageError('--now runs the inventory here and --wait waits for a host: choose one');
      await withServices(async (services) => {
        const organization = await knownOrganization(services, org);
        if (options.now) {
          const { runInventory } = await import('../../repositories/inventory/inventoryOrganization.js');
          const record = await runInventory(services, organization, {
            onProgress: (line) => process.stderr.write(printable`${organization}: ${line}\n`),
          });
          return report(record, options.json);
        }
        const requestId = `inventory:${organization}:cli:${new Date(services.clock.now()).toISOString()}`;
        await services.queue.send('repo-scan', [inventoryRequestMessage(organization, requestId, services.clock)]);
        if (!options.wait) {
          return void process.stdout.write(
            `inventory of '${organization}' requested (${requestId}).\n` +
              `A running host (vigil start, or the Function App) takes it from the repo-scan queue; with none running, the next start does.\n` +
              `Run it here instead with: vigil repos inventory ${organization} --now\n`,
          );
        }
        process.stderr.write(`inventory of '${organization}' requested; waiting up to ${options.timeout}s for a host to take it\n`);
        const record = await waitForInventory(services, organization, requestId, options.timeout * 1000);
        if (!record) {
          process.stderr.write(
            `vigil: the inventory of '${organization}' was not done within ${options.timeout}s: is a host running (vigil start)? It stays queued.\n`,
          );
          process.exitCode = 1;
          return;
        }
        report(record, options.json);
      });
    });

  registerReposScanCommand(repos);
}

async function knownOrganization(services: AppServices, name: string): Promise<string> {
  try {
    const settings = await services.stores.organizations.get(name);
    if (!settings.azureDevOps)
      throw new UsageError(
        `organization '${settings.organization}' has no Azure DevOps settings (vigil orgs add ${settings.organization} --azure-devops-url URL --auth ...)`,
      );
    return settings.organization;
  } catch (error) {
    if (error instanceof OrganizationNotFoundError) throw new UsageError(error.message);
    throw error;
  }
}

/** Polls the organization's inventory record until it is the one this request asked for. */
async function waitForInventory(
  services: AppServices,
  organization: string,
  requestId: string,
  timeoutMs: number,
): Promise<InventoryRecord | undefined> {
  const scans = services.stores.scans;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const record = narrowed(await scans.read(`inventory:${organization}`, organization), 'kind', 'inventory');
    if (record?.requestId === requestId) return record;
    if (Date.now() >= deadline) return undefined;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

function report(record: InventoryRecord, json: boolean | undefined): void {
  if (json) {
    const { _etag, _ts, ...plain } = record as InventoryRecord & { _etag?: string; _ts?: number };
    printJson(plain);
    return;
  }
  const lines = [
    `${record.organization}: ${record.repositories} repositories in ${record.projects} project(s): ${record.active} active ` +
      `(${record.created} new, ${record.updated} changed, ${record.unchanged} unchanged), ${record.skippedTotal} skipped, ${record.deleted} marked deleted`,
    `${record.scanRequests} full content scan(s) requested; ${record.apiCalls} Azure DevOps request(s) in ${(record.durationMs / 1000).toFixed(1)}s`,
    ...record.skipped.map((skipped) => printable`  skipped ${skipped.project}/${skipped.repository}: ${skipped.reason}`),
    ...(record.skippedTotal > record.skipped.length ? [`  ... and ${record.skippedTotal - record.skipped.length} more`] : []),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

function byName(a: RepositoryAsset, b: RepositoryAsset): number {
  return (
    a.organization.localeCompare(b.organization) ||
    a.project.localeCompare(b.project) ||
    a.name.localeCompare(b.name) ||
    a.id.localeCompare(b.id)
  );
}

/** Riskiest first; repositories never scored come last; ties by name. */
function byRisk(a: RepositoryAsset, b: RepositoryAsset): number {
  return (
    (b.riskScore?.score ?? -1) - (a.riskScore?.score ?? -1) || (b.riskScore?.openRisks ?? 0) - (a.riskScore?.openRisks ?? 0) || byName(a, b)
  );
}
