import type { Command } from 'commander';
import { parsePositiveInteger } from '../options';
import { untilSignalled } from '../untilSignalled';

/**
 * `vigil demo`: the whole loop on this machine with no Azure and no account (shared/demo/). The demo
 * and the simulator load only when the command runs, so no other command pays for them.
 */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('see Vigil work: the local host and an Azure DevOps simulator, a realistic sequence of events, a summary')
    .option(
      '--json',
      'print only the summary, as one JSON object: {"risks","alerts","workItems","pullRequestComments","statuses","seconds"}',
    )
    .option('--keep', 'leave the host and the simulator running after the summary, until Ctrl+C')
    .option('--data-dir <dir>', 'use and keep this data folder, new or empty (default: a fresh temporary folder, deleted at the end)')
    .option(
      '--seed <n>',
      'the seed of the synthetic secrets (default: random); the same seed plants the same secrets',
      parsePositiveInteger,
    )
    .addHelpText(
      'after',
      `
Starts the local host (embedded queue, store and vault) in a fresh data folder and the Azure DevOps
simulator beside it, registers the organization 'demo' against the simulator (its PAT in the local
vault), subscribes the service hooks, then lets the simulator deliver, through the real webhook:
three builds whose logs leak secrets (plain, base64 in a git Authorization: basic header, in an
environment dump), a push that adds a private key, a pull request that adds a token (findings posted
back as a summary, threads and a status), a service connection open to every pipeline, and a person
closing a work item Vigil filed. Alerts go to a console channel and are printed as they arrive.
Every secret is synthetic, made at run time; only redacted previews are printed.

Exit codes: 0 done, 1 a step failed (named on stderr, the data folder kept with its host log), 2 usage\n(a --data-dir that is not empty included).
Examples:
  npm run demo
  npm run --silent demo -- --json
  npm run demo -- --keep`,
    )
    .action(async (options: { json?: boolean; keep?: boolean; dataDir?: string; seed?: number }) => {
      const { runDemo } = await import('../../demo/index.js');
      process.exitCode = await runDemo(options, {
        out: (text) => process.stdout.write(text),
        err: (text) => process.stderr.write(text),
        untilStopped: untilSignalled,
      });
    });
}
