#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { packageRoot } from '../azureFunctions';
import { failureKindOf } from '../errors';
import { printable } from '../logging';
import { registerCommands } from './commands';
import { exitCodes, UsageError } from './usageError';

export function buildProgram(): Command {
  const program = new Command('vigil')
    .description('Security automation for Azure DevOps: webhook intake, secret scanning, risks, alerts.')
    .version(readVersion(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerCommands(program);
  for (const command of program.commands) applyExitOverride(command);
  return program;
}

function applyExitOverride(command: Command): void {
  command.exitOverride();
  for (const sub of command.commands) applyExitOverride(sub);
}

/** Runs the CLI and returns its exit code (0 ok, 1 findings or failure, 2 usage or configuration). */
export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram();
  process.exitCode = undefined;
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : exitCodes.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end through here with exit code 0.
      return error.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
    }
    if (error instanceof UsageError || failureKindOf(error) === 'configuration') {
      process.stderr.write(printable`vigil: ${(error as Error).message}\n`);
      return exitCodes.usage;
    }
    process.stderr.write(printable`vigil: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`);
    return exitCodes.failure;
  }
}

function readVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

if (require.main === module) {
  runCli(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(printable`vigil: ${String(error)}\n`);
      process.exitCode = exitCodes.failure;
    },
  );
}
