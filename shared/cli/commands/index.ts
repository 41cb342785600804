import type { Command } from 'commander';
import { registerCiCommand } from './ci';
import { registerDemoCommand } from './demo';
import { registerDlqCommand } from './dlq';
import { registerHooksCommand } from './hooks';
import { registerOrgsCommand } from './orgs';
import { registerReposCommand } from './repos';
import { registerRisksCommand } from './risks';
import { registerScanCommand } from './scan';
import { registerSecretsCommand } from './secrets';
import { registerStartCommand } from './start';
import { registerStatusCommand } from './status';
import { registerTraceCommand } from './trace';
import { registerWorkItemsCommand } from './workitems';

/**
 * Every `vigil` subcommand, in the order `--help` lists them. Each capability owns one file here that
 * exports `register<Name>Command(program)`; this list is the only place they meet.
 */
export function registerCommands(program: Command): void {
  registerStartCommand(program);
  registerStatusCommand(program);
  registerTraceCommand(program);
  registerDlqCommand(program);
  registerHooksCommand(program);
  registerReposCommand(program);
  registerRisksCommand(program);
  registerWorkItemsCommand(program);
  registerOrgsCommand(program);
  registerSecretsCommand(program);
  registerScanCommand(program);
  registerDemoCommand(program);
  registerCiCommand(program);
}
