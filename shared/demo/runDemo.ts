import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createAppServices } from '../app';
import { loadConfig } from '../config';
import { type LocalHost, startLocalHost } from '../localHost';
import { createLogger } from '../logging';
import { createVault, hookSecretNames } from '../vault';
import { demoSummary, summaryText } from './demoSummary';
import { type DemoRun, DemoStepError, playDemoSequence } from './playDemoSequence';

/**
 * `npm run demo` / `vigil demo`: the local host on a fresh data folder and the Azure DevOps simulator
 * beside it, the demo's story played through the real webhook, then a summary. No Azure, no account,
 * nothing read from the caller's environment but PATH: the demo's settings are its own.
 */
export interface DemoCommandOptions {
  /** Print only the summary, as one JSON object. */
  json?: boolean;
  /** Leave the host and the simulator running until Ctrl+C. */
  keep?: boolean;
  /** Use (and keep) this data folder instead of a fresh temporary one. */
  dataDir?: string;
  /** The seed of the synthetic secrets (default: drawn at run time). */
  seed?: number;
}

export interface DemoOutput {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Resolves when the user asks to stop (Ctrl+C), for --keep. */
  untilStopped: () => Promise<void>;
}

/** Exit codes: 0 done, 1 a step failed, 2 a data folder that is not empty (other usage errors are the command line's). */
export async function runDemo(options: DemoCommandOptions, output: DemoOutput): Promise<number> {
  const startedAt = Date.now();
  if (options.dataDir && existsSync(options.dataDir) && readdirSync(options.dataDir).length > 0) {
    output.err(`vigil demo: --data-dir ${options.dataDir} is not empty: the demo starts from a fresh folder (remove it or name another)\n`);
    return 2;
  }
  const dataDir = options.dataDir ? resolve(options.dataDir) : mkdtempSync(join(tmpdir(), 'vigil-demo-'));
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const logFile = join(dataDir, 'host.log');
  const log = createWriteStream(logFile, { flags: 'a', mode: 0o600 });
  const say = options.json ? () => undefined : (line: string) => output.out(`${line}\n`);
  const env = {
    VIGIL_DATA_DIR: dataDir,
    PORT: '0',
    // Show every alert as it comes instead of holding a burst for a grouped message a minute later.
    VIGIL_ALERT_BURST_LIMIT: '1000',
    VIGIL_LOG_LEVEL: 'info',
  };
  const config = loadConfig(env);
  const vault = createVault(config, { env });
  await vault.setSecret(hookSecretNames['azure-devops'], randomBytes(24).toString('hex'));
  const logger = createLogger({ level: 'info', format: 'json', sink: { write: (line) => log.write(line) } });
  const services = await createAppServices(config, { logger, vault });

  let host: LocalHost | undefined;
  let run: DemoRun | undefined;
  let failed = false;
  try {
    host = await startLocalHost({ config, services, idlePollMs: 50 });
    say('Vigil demo: the local host and an Azure DevOps simulator, no Azure and no account needed');
    say(`  host ${host.baseUrl} · data ${dataDir} · host log ${logFile}`);
    run = await playDemoSequence(
      { baseUrl: host.baseUrl, services, vault },
      {
        seed: options.seed,
        progress: (line) => say(line.startsWith(' ') ? line : `• ${line}`),
        onAlert: (alert) => say(`    alert [${alert.severity}] ${alert.headline} (${alert.redacted})`),
      },
    );
    const summary = await demoSummary(services, run, startedAt);
    if (options.json) output.out(`${JSON.stringify(summary)}\n`);
    else say(summaryText(summary, options.keep ? host.overviewUrl : undefined, run.leftOut));
    if (options.keep) {
      output.err(
        `host ${host.baseUrl} and simulator ${run.world.simulator.url} keep running; data in ${dataDir}; overview ${host.overviewUrl}. Press Ctrl+C to stop.\n`,
      );
      await output.untilStopped();
    }
    return 0;
  } catch (error) {
    failed = true;
    const [step, reason] = error instanceof DemoStepError ? [error.step, error.reason] : ['start', (error as Error).message];
    output.err(`vigil demo: step '${step}' failed: ${reason}\n  host log: ${logFile} (the data folder is kept)\n`);
    return 1;
  } finally {
    await run?.close();
    await host?.stop();
    await services.close();
    await new Promise((done) => log.end(done));
    if (!options.dataDir && !failed) rmSync(dataDir, { recursive: true, force: true });
  }
}
