import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { type Command, Option } from 'commander';
import { loadConfig } from '../../config';
import {
  azureDevOpsSource,
  githubSource,
  gitlabSource,
  organizationHookSecretName,
  signGitHubPayload,
  type WebhookSource,
  webhookSources,
} from '../../events';
import { printable } from '../../logging';
import { organizationNamePattern } from '../../organizations';
import { createVault, environmentVariableFor, hookSecretNames } from '../../vault';
import { UsageError } from '../usageError';
import { registerHookSubscriptionCommands } from './hookSubscriptions';

interface SendOptions {
  source: WebhookSource;
  event?: string;
  deliveryId?: string;
  url?: string;
}

export function registerHooksCommand(program: Command): void {
  const hooks = program.command('hooks').description('webhook deliveries: send a recorded payload to a running host');

  hooks
    .command('send')
    .description('post a payload file to the webhook, authenticated the way its source does it (prints the answer)')
    .argument('<file>', 'a JSON payload, e.g. a recorded Azure DevOps service hook')
    .addOption(new Option('-s, --source <source>', 'who sent it').choices([...webhookSources]).makeOptionMandatory())
    .option('-e, --event <name>', 'GitHub: the X-GitHub-Event header (push, workflow_run, pull_request, ...)')
    .option('--delivery-id <id>', 'GitHub/GitLab delivery id (default: a new UUID); send the same id twice to see duplicate handling')
    .option('--url <url>', 'the host to post to (default: VIGIL_HOST_URL or http://127.0.0.1:PORT)')
    .addHelpText(
      'after',
      '\nExit 0 when the webhook accepted the delivery (2xx), 1 when it refused it.\nExample: vigil hooks send build.complete.json --source azure-devops',
    )
    .action(async (file: string, options: SendOptions) => {
      if (options.source === 'github' && !options.event)
        throw new UsageError('--event is required for GitHub deliveries (the X-GitHub-Event header)');
      const body = await readFile(file).catch((error: NodeJS.ErrnoException) => {
        throw new UsageError(`cannot read ${file}: ${error.code ?? error.message}`);
      });
      const config = loadConfig();
      const vault = createVault(config);
      // Signed as the webhook will check it: with the hook secret of the organization the payload names, when it has one.
      const organization = organizationNamedIn(options.source, body);
      const ownSecret =
        organization === undefined ? undefined : await vault.getSecret(organizationHookSecretName(options.source, organization));
      const secretName = hookSecretNames[options.source];
      const secret = ownSecret ?? (await vault.getSecret(secretName));
      if (!secret)
        throw new UsageError(
          `no secret '${secretName}' to sign with (vigil secrets set ${secretName}, or set ${environmentVariableFor(secretName)})`,
        );

      const target = `${(options.url ?? config.hostUrl).replace(/\/+$/, '')}/api/hooks/${options.source}`;
      const response = await fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(await authenticationHeaders(options, body, secret)) },
        body,
      }).catch((error: Error) => {
        throw new UsageError(
          `cannot reach ${target}: ${error.cause instanceof Error ? error.cause.message : error.message} (is \`vigil start\` running?)`,
        );
      });
      process.stdout.write(printable`${response.status} ${await response.text()}\n`);
      if (!response.ok) process.exitCode = 1;
    });

  registerHookSubscriptionCommands(hooks);
}

async function authenticationHeaders(options: SendOptions, body: Buffer, secret: string): Promise<Record<string, string>> {
  const deliveryId = options.deliveryId ?? randomUUID();
  switch (options.source) {
    case 'azure-devops':
      return { authorization: `Basic ${Buffer.from(`vigil:${secret}`).toString('base64')}` };
    case 'github':
      return {
        'x-github-event': options.event ?? '',
        'x-github-delivery': deliveryId,
        'x-hub-signature-256': await signGitHubPayload(secret, body.toString('utf8')),
      };
    case 'gitlab':
      return { 'x-gitlab-token': secret, 'x-gitlab-event-uuid': deliveryId, 'x-gitlab-event': gitlabEventHeader(body) };
  }
}

const adapters = { 'azure-devops': azureDevOpsSource, github: githubSource, gitlab: gitlabSource } as const;

/** The organization a payload file names (a valid organization name only: others have no hook secret of their own). */
function organizationNamedIn(source: WebhookSource, body: Buffer): string | undefined {
  let payload: unknown;
  try {
    payload = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return undefined;
  const named = adapters[source].organizationOf(payload as Record<string, unknown>)?.toLowerCase();
  return named !== undefined && organizationNamePattern.test(named) ? named : undefined;
}

/** GitLab names the hook in a header (`Push Hook`) derived from the payload's `object_kind`. */
function gitlabEventHeader(body: Buffer): string {
  try {
    const kind = (JSON.parse(body.toString('utf8')) as { object_kind?: unknown }).object_kind;
    if (typeof kind === 'string')
      return `${kind
        .split('_')
        .map((w) => w[0].toUpperCase() + w.slice(1))
        .join(' ')} Hook`;
  } catch {
    // The webhook will answer 400 for a body that is not JSON; let it say so.
  }
  return 'Unknown Hook';
}
