/**
 * A local host for the crash-recovery test, run as a child process (`node --import tsx`): the real
 * webhook, plus a probe function on `repo-scan` whose side effect is a line appended to a file.
 * With PROBE_HANG_ON=<event id> the probe hangs on that event's first run, so the test can kill
 * the process mid-handler. Prints `ready <baseUrl>`, `hanging <id>`, `effect <id>` on stdout.
 */
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import '../../functions/webhook';
import { registeredFunctions, registerQueueFunction } from '../../shared/azureFunctions/functionRegistry';
import { queueTrigger } from '../../shared/azureFunctions/queueTrigger';
import { loadConfig } from '../../shared/config';
import { startLocalHost } from '../../shared/localHost/localHost';

const effectsFile = required('PROBE_EFFECTS_FILE');
const hangOn = process.env.PROBE_HANG_ON;

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

registerQueueFunction('probe', {
  queue: 'repo-scan',
  handler: queueTrigger('probe', 'repo-scan', async (envelope) => {
    const marker = `${effectsFile}.hung`;
    if (envelope.id === hangOn && !existsSync(marker)) {
      writeFileSync(marker, envelope.id);
      process.stdout.write(`hanging ${envelope.id}\n`);
      await new Promise(() => undefined);
    }
    appendFileSync(effectsFile, `${envelope.id}\n`);
    process.stdout.write(`effect ${envelope.id}\n`);
  }),
});

async function main(): Promise<void> {
  const host = await startLocalHost({ config: loadConfig(), functions: registeredFunctions(), idlePollMs: 50 });
  process.stdout.write(`ready ${host.baseUrl} recovered=${host.recovered.locks}\n`);
  process.once('SIGTERM', () => {
    host.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`crashable host failed: ${String(error)}\n`);
  process.exit(1);
});
