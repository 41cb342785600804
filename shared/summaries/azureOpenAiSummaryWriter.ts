import type { AzureOpenAiSettings } from '../organizations';
import type { Vault } from '../vault';
import { redactedAnswer, redactedRequest } from './summaryRedaction';
import { type SummaryRequest, SummaryUnavailable, type SummaryWriter, type WrittenSummary } from './summaryWriter';

/** What the managed identity asks Entra for: the scope of every Azure OpenAI resource. */
export const cognitiveServicesScope = 'https://cognitiveservices.azure.com/.default';

export interface AzureOpenAiWriterOptions {
  vault: Vault;
  /** Bearer tokens for `managed-identity`; default @azure/identity's DefaultAzureCredential (AZURE_CLIENT_ID picks a user-assigned identity). */
  tokenProvider?: () => Promise<string>;
  /** Overrides `timeoutSeconds` (tests). */
  timeoutMs?: number;
}

const instructions = [
  'You summarise the findings of a secret scanner for the people who must act on them.',
  'Write at most five short sentences of plain Markdown (no headings, no tables, no code blocks): what was found, how serious it is, what to do first.',
  'The findings are JSON. Secret values are redacted on purpose; never guess, complete or invent a secret, a file or a finding that is not listed.',
].join(' ');

/**
 * A summary written by an Azure OpenAI deployment through the `openai` package's AzureOpenAI
 * client (loaded on first use), authenticated with the app's managed identity or a key from the
 * vault. The request carries only the redacted request, checked again by the engine
 * (summaryRedaction.ts); one attempt, no retries, within the time-out. Every failure is a
 * SummaryUnavailable that says what went wrong, and writeSummary falls back to the template.
 */
export function azureOpenAiSummaryWriter(settings: AzureOpenAiSettings, options: AzureOpenAiWriterOptions): SummaryWriter {
  const timeoutMs = options.timeoutMs ?? settings.timeoutSeconds * 1000;
  const seconds = `${Number((timeoutMs / 1000).toFixed(1))} s`;
  return {
    name: 'azure-openai',
    async write(request: SummaryRequest): Promise<WrittenSummary> {
      const safe = redactedRequest(request);
      const { AzureOpenAI, APIConnectionTimeoutError, APIError, APIUserAbortError } = await import('openai');
      const auth =
        settings.auth.mode === 'key'
          ? { apiKey: await keyFrom(options.vault, settings.auth.keySecret) }
          : { azureADTokenProvider: tokenOrUnavailable(options.tokenProvider ?? (await identityTokenProvider())) };
      const client = new AzureOpenAI({
        // The base URL spelled out, so no OPENAI_* or AZURE_OPENAI_* variable of the process can redirect it.
        baseURL: `${settings.endpoint.replace(/\/+$/, '')}/openai`,
        deployment: settings.deployment,
        apiVersion: settings.apiVersion,
        ...auth,
        timeout: timeoutMs,
        maxRetries: 0,
      });
      let answer: Awaited<ReturnType<typeof client.chat.completions.create>>;
      try {
        answer = await client.chat.completions.create({
          model: settings.deployment,
          messages: [
            { role: 'system', content: `${instructions} Stay under ${safe.maxLength} characters.` },
            { role: 'user', content: JSON.stringify(promptOf(safe)) },
          ],
          // About four characters a token; room to finish a sentence.
          max_completion_tokens: Math.max(64, Math.ceil(safe.maxLength / 3)),
        });
      } catch (error) {
        if (error instanceof APIConnectionTimeoutError || error instanceof APIUserAbortError)
          throw new SummaryUnavailable(`the model did not answer in ${seconds}`);
        if (error instanceof APIError && error.status !== undefined)
          throw new SummaryUnavailable(
            `the model answered HTTP ${error.status}${error.status === 401 || error.status === 403 ? ' (check its credentials)' : ''}`,
          );
        // The client wraps what the token provider threw (`Failed to get token from 'apiKey' function`), keeping it as the cause.
        const cause = error instanceof Error ? error.cause : undefined;
        if (cause instanceof SummaryUnavailable) throw cause;
        throw new SummaryUnavailable(`the model could not be reached (${error instanceof Error ? error.constructor.name : 'no answer'})`);
      }
      const choice = answer.choices?.[0];
      if (choice?.finish_reason === 'content_filter') throw new SummaryUnavailable("the model's content filter held its answer back");
      const text = choice?.message?.content?.trim();
      if (!text) throw new SummaryUnavailable('the model answered with no text');
      return { text: redactedAnswer(text), writer: 'model' };
    },
  };
}

/** Only what a summary needs, in short keys. */
function promptOf(request: SummaryRequest) {
  return {
    about: request.context,
    kind: request.subject,
    findings: request.findings.map((f) => ({
      rule: f.title,
      id: f.ruleId,
      severity: f.severity,
      ...(f.confidence ? { confidence: f.confidence } : {}),
      preview: f.redacted,
      where: f.where,
      ...(f.asset ? { asset: f.asset } : {}),
      ...(f.introduced !== undefined ? { introduced: f.introduced } : {}),
      ...(f.triaged ? { triaged: f.triaged } : {}),
    })),
    ...(request.unlisted ? { notListed: request.unlisted } : {}),
  };
}

async function keyFrom(vault: Vault, secret: string): Promise<string> {
  const key = await vault.getSecret(secret).catch(() => undefined);
  if (!key) throw new SummaryUnavailable(`no Azure OpenAI key in the vault (set secret '${secret}')`);
  return key;
}

/** A token, or a failure the reader understands (the client would otherwise report a bare connection error). */
function tokenOrUnavailable(provider: () => Promise<string>): () => Promise<string> {
  return async () => {
    try {
      return await provider();
    } catch {
      throw new SummaryUnavailable("the app's managed identity got no token for Azure OpenAI (check the identity and its role)");
    }
  };
}

/** One credential per process: it caches its token until shortly before it expires, so summaries do not each ask Entra. */
let identityProvider: Promise<() => Promise<string>> | undefined;

function identityTokenProvider(): Promise<() => Promise<string>> {
  identityProvider ??= import('@azure/identity').then(({ DefaultAzureCredential, getBearerTokenProvider }) =>
    getBearerTokenProvider(new DefaultAzureCredential(), cognitiveServicesScope),
  );
  return identityProvider;
}
