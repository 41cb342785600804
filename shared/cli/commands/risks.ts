import type { Command } from 'commander';
import type { Risk } from '../../risks';
import { printJson, withServices } from '../cliServices';
import { printable } from '../../logging';

interface ListOptions {
  org?: string;
  status?: string;
  asset?: string;
  json?: boolean;
}

/** `vigil risks list` (docs/architecture.md, "The `vigil` command"): what Vigil found, redacted, newest sighting first. */
export function registerRisksCommand(program: Command): void {
  const risks = program.command('risks').description('risks Vigil found: leaked secrets and risky service connections (redacted)');
  risks
    .command('list')
    .description('list risks, most recently seen first')
    .option('--org <name>', 'only this organization')
    .option('--status <status>', 'open or resolved')
    .option('--asset <id>', 'only this asset (repository, pipeline or service connection id)')
    .option('--json', 'print {"risks":[{id,organization,kind,ruleId,severity,status,asset,occurrences,firstSeenAt,lastSeenAt,evidence:{location,redacted}}]}')
    .action(async (options: ListOptions) => {
      await withServices(async (services) => {
        const found = await services.stores.risks.list({
          organization: options.org?.toLowerCase(),
          status: options.status,
          assetId: options.asset,
        });
        if (options.json) return printJson({ risks: found.map(publicView) });
        if (found.length === 0) return void process.stderr.write('no risks\n');
        for (const r of found) {
          process.stdout.write(
            printable`${r.severity.padEnd(8)} ${r.status.padEnd(8)} ${r.organization}  ${r.asset.name}  ${r.ruleId}  ${r.evidence.redacted}  x${r.occurrences}  ${r.evidence.location}\n`,
          );
        }
      });
    });
}

function publicView(risk: Risk) {
  return {
    id: risk.id,
    organization: risk.organization,
    kind: risk.kind,
    ruleId: risk.ruleId,
    severity: risk.severity,
    status: risk.status,
    asset: risk.asset,
    occurrences: risk.occurrences,
    firstSeenAt: risk.firstSeenAt,
    lastSeenAt: risk.lastSeenAt,
    evidence: { location: risk.evidence.location, redacted: risk.evidence.redacted },
  };
}
