import type { Command } from 'commander';

/** `vigil repos scan` lands with the repository content scan. */
export function registerReposScanCommand(_repos: Command): void {}
