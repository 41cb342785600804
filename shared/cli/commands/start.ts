import type { Command } from 'commander';
import { loadConfig } from '../../config';
import { type LocalHost, startLocalHost } from '../../localHost';
import { environmentVariableFor, hookSecretNames } from '../../vault';
import { parsePort } from '../options';
import { untilSignalled } from '../untilSignalled';

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('run the function app locally: webhook, queue handlers and timers on the embedded queue and store')
    .option('-p, --port <port>', 'port for the HTTP functions (default: PORT or 7071; 0 picks a free one)', parsePort)
    .addHelpText(
      'after',
      `
Settings come from the environment (see README "Configuration"): VIGIL_DATA_DIR (default .vigil),
VIGIL_HOOK_SECRET_AZURE_DEVOPS / _GITHUB / _GITLAB, and the Azure settings that switch adapters.
Telemetry is on: log lines of a delivery carry its traceId (VIGIL_TELEMETRY=off turns it off);
OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318 exports the traces and metrics to a collector.
Stop with Ctrl+C: running handlers get VIGIL_SHUTDOWN_GRACE_MS to finish; unfinished messages are
redelivered at the next start.`,
    )
    .action(async (options: { port?: number }) => {
      // Telemetry is on under the local host unless VIGIL_TELEMETRY=off: every log line of a delivery names its trace.
      const base = { VIGIL_TELEMETRY: 'on', ...process.env };
      const env = options.port === undefined ? base : { ...base, PORT: String(options.port) };
      const host = await startLocalHost({ config: loadConfig(env) });
      await printBanner(host);
      await untilSignalled();
      process.stdout.write('vigil: stopping…\n');
      await host.stop();
    });
}

async function printBanner(host: LocalHost): Promise<void> {
  const { config, vault } = host.services;
  const lines = [`Vigil local host listening on ${host.baseUrl}`];
  if (host.functions.some((fn) => fn.name === 'overview')) lines.push(`  overview (open this): ${host.overviewUrl}`);
  for (const fn of host.functions) {
    if (fn.kind === 'http') lines.push(`  ${fn.name.padEnd(20)} ${fn.methods.join(',').padEnd(5)} ${host.baseUrl}/${fn.route}`);
    else if (fn.kind === 'queue') lines.push(`  ${fn.name.padEnd(20)} queue ${fn.queue}`);
    else lines.push(`  ${fn.name.padEnd(20)} timer ${fn.schedule} (UTC)`);
  }
  lines.push(`  data ${config.dataDir} (queue: ${config.queueBackend}, store: ${config.storeBackend}, vault: ${config.vaultBackend})`);
  if (host.recovered.locks + host.recovered.claims > 0) {
    lines.push(
      `  recovered ${host.recovered.locks} message(s) and ${host.recovered.claims} claim(s) left by a host that did not stop cleanly`,
    );
  }
  for (const [source, secretName] of Object.entries(hookSecretNames)) {
    if (!(await vault.getSecret(secretName))) {
      lines.push(
        `  note: no secret '${secretName}': deliveries from ${source} are refused unless their organization has its own (vigil secrets set ${secretName}, or set ${environmentVariableFor(secretName)})`,
      );
    }
  }
  lines.push('Press Ctrl+C to stop.');
  process.stdout.write(`${lines.join('\n')}\n`);
}
