import { type Command, Option } from 'commander';
import { printable } from '../../logging';
import type { OrganizationSettings } from '../../organizations';
import {
  defaultAzureOpenAiApiVersion,
  defaultSummaryTimeoutSeconds,
  type SummarySettings,
  SummarySettingsSchema,
} from '../../organizations';
import { printJson, withServices } from '../cliServices';
import { UsageError } from '../usageError';

interface SummaryOptions {
  writer: 'template' | 'azure-openai';
  endpoint?: string;
  deployment?: string;
  apiVersion?: string;
  keySecret?: string;
  managedIdentity?: boolean;
  timeoutSeconds?: string;
  json?: boolean;
}

const optionOf: Record<string, string> = {
  endpoint: '--endpoint',
  deployment: '--deployment',
  apiVersion: '--api-version',
  auth: '--key-secret',
  timeoutSeconds: '--timeout-seconds',
};

/**
 * `vigil orgs summaries NAME --writer template|azure-openai …` (docs/pull-requests.md, "Written
 * summaries"): who writes the summary on top of pull request comments and alert digests.
 */
export function registerOrgSummariesCommand(orgs: Command): void {
  orgs
    .command('summaries')
    .description('who writes the summary on pull requests and alert digests: the template (default) or an Azure OpenAI deployment')
    .argument('<name>', 'the organization')
    .addOption(new Option('--writer <writer>', 'the summary writer').choices(['template', 'azure-openai']).makeOptionMandatory())
    .option('--endpoint <url>', 'azure-openai: the resource endpoint, https://NAME.openai.azure.com')
    .option('--deployment <name>', 'azure-openai: the model deployment')
    .option('--api-version <version>', `azure-openai: the API version (default ${defaultAzureOpenAiApiVersion})`)
    .option('--key-secret <secret>', 'azure-openai: the vault secret holding an API key (default: the managed identity)')
    .option('--managed-identity', "azure-openai: use the app's managed identity (the default)")
    .option(
      '--timeout-seconds <n>',
      `azure-openai: how long to wait before writing from the template (default ${defaultSummaryTimeoutSeconds})`,
    )
    .option('--json', 'print the summary settings after the change')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  vigil orgs summaries contoso --writer azure-openai --endpoint https://contoso-ai.openai.azure.com --deployment gpt-4o-mini',
        '  vigil orgs summaries contoso --writer azure-openai --endpoint https://contoso-ai.openai.azure.com --deployment gpt-4o-mini --key-secret azure-openai-contoso',
        '  vigil orgs summaries contoso --writer template',
        'The model is sent redacted findings only, and any failure falls back to the template, saying why.',
      ].join('\n'),
    )
    .action(async (name: string, options: SummaryOptions) => {
      const summaries = summarySettingsFrom(options);
      await withServices(async (services) => {
        const updated = await services.stores.organizations.update(name, (current) => {
          const { summaries: _old, ...rest } = current;
          return (summaries.writer === 'template' ? rest : { ...rest, summaries }) as OrganizationSettings;
        });
        if (options.json) return printJson({ organization: updated.organization, summaries: updated.summaries ?? { writer: 'template' } });
        process.stdout.write(printable`organization '${updated.organization}': summaries ${describeSummaries(updated.summaries)}\n`);
        if (
          summaries.azureOpenAi?.auth.mode === 'key' &&
          (await services.vault.getSecret(summaries.azureOpenAi.auth.keySecret)) === undefined
        ) {
          const secret = summaries.azureOpenAi.auth.keySecret;
          process.stderr.write(`note: secret '${secret}' is not in the vault yet (vigil secrets set ${secret})\n`);
        }
      });
    });
}

function summarySettingsFrom(options: SummaryOptions): SummarySettings {
  const modelOptions = [
    options.endpoint,
    options.deployment,
    options.apiVersion,
    options.keySecret,
    options.managedIdentity,
    options.timeoutSeconds,
  ];
  if (options.writer === 'template') {
    if (modelOptions.some((value) => value !== undefined)) throw new UsageError('--writer template takes no Azure OpenAI options');
    return { writer: 'template' };
  }
  if (!options.endpoint || !options.deployment) throw new UsageError('--writer azure-openai needs --endpoint URL and --deployment NAME');
  if (options.keySecret && options.managedIdentity) throw new UsageError('--key-secret and --managed-identity contradict each other');
  const timeout = options.timeoutSeconds === undefined ? undefined : Number(options.timeoutSeconds);
  const parsed = SummarySettingsSchema.safeParse({
    writer: 'azure-openai',
    azureOpenAi: {
      endpoint: options.endpoint.replace(/\/+$/, ''),
      deployment: options.deployment,
      ...(options.apiVersion ? { apiVersion: options.apiVersion } : {}),
      auth: options.keySecret ? { mode: 'key', keySecret: options.keySecret } : { mode: 'managed-identity' },
      ...(timeout !== undefined ? { timeoutSeconds: timeout } : {}),
    },
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = String(issue.path[1] ?? issue.path[0] ?? '');
    throw new UsageError(`${optionOf[field] ?? field}: ${issue.message}`);
  }
  return parsed.data;
}

/** One line: `template`, or `azure-openai deployment gpt-4o-mini at https://… (managed identity, 10 s)`. */
export function describeSummaries(summaries: SummarySettings | undefined): string {
  const model = summaries?.writer === 'azure-openai' ? summaries.azureOpenAi : undefined;
  if (!model) return 'written by the template';
  const auth = model.auth.mode === 'key' ? `key secret ${model.auth.keySecret}` : 'managed identity';
  return `written by azure-openai deployment ${model.deployment} at ${model.endpoint} (api ${model.apiVersion}, ${auth}, time-out ${model.timeoutSeconds} s; the template when it fails)`;
}
