import { z } from 'zod';
import { isValidSecretName } from '../vault';

/**
 * How an organization's summaries are written (docs/pull-requests.md, "Written summaries"): by the
 * deterministic template (the default), or by an Azure OpenAI deployment, falling back to the
 * template on any failure. Like every setting, it names a vault secret, never holds a key.
 */
const secretName = z.string().refine(isValidSecretName, { message: "a vault secret name: 1-127 letters, digits and '-'" });
/** https, or plain http to this machine only (a local stand-in). */
const endpointUrl = z
  .url({ protocol: /^https?$/, error: 'an https URL' })
  .refine((value) => value.startsWith('https:') || /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/.test(value), {
    message: 'an https URL',
  });

export const defaultSummaryTimeoutSeconds = 10;
export const defaultAzureOpenAiApiVersion = '2024-10-21';

export const AzureOpenAiSettingsSchema = z.object({
  /** The resource's endpoint, `https://NAME.openai.azure.com`. */
  endpoint: endpointUrl,
  /** The model deployment's name. */
  deployment: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, { message: "a deployment name: letters, digits, '.', '_' and '-'" }),
  apiVersion: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}(-preview)?$/, { message: 'an API version such as 2024-10-21' })
    .default(defaultAzureOpenAiApiVersion),
  /** The app's managed identity (role Cognitive Services OpenAI User on the resource), or a key kept in the vault. */
  auth: z.discriminatedUnion('mode', [
    z.object({ mode: z.literal('managed-identity') }),
    z.object({ mode: z.literal('key'), keySecret: secretName }),
  ]),
  /** How long to wait for an answer before writing the summary from the template. */
  timeoutSeconds: z.number().int().min(1).max(60).default(defaultSummaryTimeoutSeconds),
});

export const SummarySettingsSchema = z
  .object({
    writer: z.enum(['template', 'azure-openai']).default('template'),
    azureOpenAi: AzureOpenAiSettingsSchema.optional(),
  })
  .refine((settings) => settings.writer !== 'azure-openai' || settings.azureOpenAi !== undefined, {
    message: 'the azure-openai writer needs azureOpenAi settings (endpoint, deployment, auth)',
    path: ['azureOpenAi'],
  });

export type SummarySettings = z.infer<typeof SummarySettingsSchema>;
export type AzureOpenAiSettings = z.infer<typeof AzureOpenAiSettingsSchema>;
