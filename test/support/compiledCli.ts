import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** The compiled `vigil` command (`npm run build` writes it). */
export const compiledCli = join(__dirname, '..', '..', 'dist', 'shared', 'cli', 'main.js');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the compiled `vigil` in a child process with exactly `env` (nothing inherited), as a user's
 * shell would, and answers its exit code and output whether it succeeded or not.
 */
export async function runCompiledCli(env: NodeJS.ProcessEnv, ...args: string[]): Promise<CliRun> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [compiledCli, ...args], { env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}
