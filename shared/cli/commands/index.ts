import type { Command } from 'commander';

/** Every `vigil` subcommand, in the order `--help` lists them. */
export function registerCommands(program: Command): void {
  void program;
}
