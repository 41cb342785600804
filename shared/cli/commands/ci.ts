import { type Command, Option } from 'commander';
import { parsePositiveInteger } from '../options';
import { UsageError } from '../usageError';

/**
 * `vigil ci report FILE.sarif|-` (docs/ci-results.md): a step for any CI runner that posts a scanner's
 * SARIF log to Vigil with the context the runner's environment gives, and gates the pipeline with
 * `--fail-on`. The work loads on demand (shared/sarif/ciReport.ts).
 */
export function registerCiCommand(program: Command): void {
  const ci = program.command('ci').description("results from any CI and any scanner: post a SARIF log to Vigil's POST /api/hooks/ci");
  ci.command('report')
    .description('post a SARIF 2.1.0 log (FILE or - for standard input) with the CI context; exit 1 when results reach --fail-on')
    .argument('<file>', 'the SARIF log; - reads standard input')
    .option('--url <url>', "Vigil's address (default: VIGIL_URL)")
    .addOption(
      new Option('--fail-on <severity>', 'exit 1 when a result is at least this severe')
        .choices(['critical', 'high', 'medium', 'low', 'none'])
        .default('none'),
    )
    .option(
      '--retries <n>',
      'tries again this many times on a network error, 408, 429, 502, 503 or 504 (honouring Retry-After)',
      parsePositiveInteger,
      4,
    )
    .option('--json', 'print {"id","results","tool","failOn","failing"}')
    .addOption(new Option('--source <source>', 'the platform of the repository').choices(['azure-devops', 'github', 'gitlab']))
    .option('--organization <name>', 'the Vigil organization (vigil orgs list)')
    .option('--project <name>', 'the Azure DevOps project')
    .option('--repository <name>', 'the repository: a name (Azure DevOps), owner/name (GitHub), a project path (GitLab)')
    .option('--repository-id <id>', 'the Azure DevOps repository id or the GitLab project id')
    .option('--pull-request <n>', 'the pull request (or merge request iid) the results are for')
    .option('--commit <sha>', 'the full commit sha the results are for')
    .option('--branch <name>', 'the branch the results are for')
    .option('--run-url <url>', 'the run that produced the results')
    .option('--tool <name>', "the tool's name (default: the log's first tool)")
    .action(async (file: string, options: Record<string, string | number | boolean | undefined>) => {
      const { ciReport, CiReportUsageError } = await import('../../sarif/ciReport.js');
      const text = (name: string) => (typeof options[name] === 'string' ? (options[name] as string) : undefined);
      try {
        process.exitCode = await ciReport(
          {
            input: file,
            url: text('url'),
            failOn: options.failOn as 'none',
            retries: Number(options.retries),
            json: options.json === true,
            flags: {
              source: text('source'),
              organization: text('organization'),
              project: text('project'),
              repository: text('repository'),
              repositoryId: text('repositoryId'),
              pullRequest: text('pullRequest'),
              commit: text('commit'),
              branch: text('branch'),
              runUrl: text('runUrl'),
              tool: text('tool'),
            },
          },
          {
            env: process.env,
            stdin: process.stdin,
            stdout: (line) => process.stdout.write(line),
            stderr: (line) => process.stderr.write(line),
          },
        );
      } catch (error) {
        if (error instanceof CiReportUsageError) throw new UsageError(error.message);
        throw error;
      }
    });
}
