import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../shared/logging/logger';
import { AzureOpenAiSettingsSchema } from '../../../shared/organizations';
import { azureOpenAiSummaryWriter } from '../../../shared/summaries/azureOpenAiSummaryWriter';
import { type SummaryFinding, type SummaryRequest, templateSummaryWriter, writeSummary } from '../../../shared/summaries/summaryWriter';
import { type AzureOpenAiServer, startAzureOpenAiServer } from '../../support/azureOpenAiServer';
import { SecretFactory } from '../../support/scanning/syntheticSecrets';

/**
 * The summary writers with the real `openai` AzureOpenAI client against a loopback Azure OpenAI:
 * the template by default; the model asked with a key from the vault or a managed identity's
 * token; only redacted findings in the request (secrets planted in every field never reach the
 * body the server records); the answer bounded and checked; and on any failure (no answer in
 * time, a refusal, a content filter, an empty answer, no key) the template's text with a line
 * saying why.
 */
const f = new SecretFactory(2105);
const planted = [f.gitHubToken(), f.npmToken(), f.gitLabToken(), f.gitHubToken('ghs_')];
const key = `azure-openai-key-${f.npmToken().slice(4, 20)}`;
const logLines: string[] = [];
const logger = createLogger({ level: 'debug', format: 'json', sink: { write: (line) => void logLines.push(line) } });

let model: AzureOpenAiServer;
beforeAll(async () => {
  model = await startAzureOpenAiServer({ deployment: 'summaries', apiKey: key, bearerToken: 'entra-token-for-tests' });
});
afterAll(async () => {
  await model?.close();
});
beforeEach(() => {
  model.requests.length = 0;
  model.behave({ kind: 'answer', text: 'Two secrets were added: rotate the GitHub token first.' });
});

const finding = (n: number, fields: Partial<SummaryFinding> = {}): SummaryFinding => ({
  title: 'GitHub personal access token',
  ruleId: 'github-pat',
  severity: 'critical',
  confidence: 'high',
  redacted: `ghp_****${String(n).padStart(4, '0')}`,
  where: `src/file${n}.ts:${n}`,
  introduced: true,
  ...fields,
});

const request = (fields: Partial<SummaryRequest> = {}): SummaryRequest => ({
  subject: 'pull-request',
  context: 'pull request !4 in contoso/payments at 1a2b3c4',
  findings: [finding(1), finding(2, { severity: 'high', title: 'npm access token', ruleId: 'npm-token', introduced: false })],
  maxLength: 600,
  ...fields,
});

function writer(auth: 'key' | 'managed-identity' = 'key', extra: { timeoutMs?: number; keySecret?: string } = {}) {
  const settings = AzureOpenAiSettingsSchema.parse({
    endpoint: model.endpoint,
    deployment: 'summaries',
    auth: auth === 'key' ? { mode: 'key', keySecret: extra.keySecret ?? 'azure-openai-key' } : { mode: 'managed-identity' },
  });
  return azureOpenAiSummaryWriter(settings, {
    vault: { getSecret: async (name) => (name === 'azure-openai-key' ? key : undefined) },
    tokenProvider: async () => 'entra-token-for-tests',
    ...(extra.timeoutMs ? { timeoutMs: extra.timeoutMs } : {}),
  });
}

describe('the template summary writer (the default)', () => {
  it('says what was found, what is new and where to start, the same way every time', async () => {
    const written = await writeSummary(templateSummaryWriter, request(), logger);
    expect(written).toEqual({
      writer: 'template',
      text:
        'Vigil finds 1 secret introduced by this pull request (1 critical) and 1 secret already in the files it changes. ' +
        'Most common: GitHub personal access token, npm access token. ' +
        'Start with the critical ones: revoke and rotate them, since removing a pushed secret does not un-leak it.',
    });
    const digest = await writeSummary(
      templateSummaryWriter,
      request({
        subject: 'alert-digest',
        findings: [finding(1, { asset: 'payments' }), finding(2, { asset: 'website', severity: 'medium' })],
      }),
      logger,
    );
    expect(digest.text).toBe(
      '2 new risks (1 critical, 1 medium) in payments, website. Most common: GitHub personal access token (2). Start with the critical ones: revoke and rotate them.',
    );
  });
});

describe('the Azure OpenAI summary writer', () => {
  it('asks the deployment with the key from the vault and returns its words', async () => {
    const written = await writeSummary(writer('key'), request(), logger);
    expect(written).toEqual({ writer: 'model', text: 'Two secrets were added: rotate the GitHub token first.' });
    expect(model.requests).toHaveLength(1);
    expect(model.requests[0]).toMatchObject({ deployment: 'summaries', apiVersion: '2024-10-21', credential: 'api-key' });
    expect(model.requests[0].messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(JSON.parse(model.requests[0].messages[1].content)).toMatchObject({
      about: 'pull request !4 in contoso/payments at 1a2b3c4',
      findings: [
        { rule: 'GitHub personal access token', severity: 'critical', preview: 'ghp_****0001', where: 'src/file1.ts:1', introduced: true },
        {},
      ],
    });
  });

  it("asks with the managed identity's token when the settings say so", async () => {
    expect((await writeSummary(writer('managed-identity'), request(), logger)).writer).toBe('model');
    expect(model.requests[0].credential).toBe('bearer');
  });

  it('sends no secret, wherever one was planted, and posts no secret the model makes up', async () => {
    const [a, b, c, d] = planted;
    model.behave({ kind: 'answer', text: `Rotate ${d} now.\nThen check the rest.` });
    const written = await writeSummary(
      writer('key'),
      request({
        context: `pull request !4 in contoso/payments (token ${a})`,
        findings: [
          finding(1, { title: `token ${b}`, where: `config/${c}.txt:1` }),
          finding(2, { redacted: a, triaged: `accepted by ${b}` }),
        ],
      }),
      logger,
    );
    const sent = model.requests.map((r) => r.body).join('\n');
    for (const secret of planted) {
      expect(sent).not.toContain(secret);
      expect(written.text).not.toContain(secret);
    }
    expect(sent).toContain('ghp_****0001');
    expect(written.text).toMatch(/^Rotate ghs_\*+\S{4} now\.\nThen check the rest\.$/);
  });

  it('cuts a long answer to the length asked for', async () => {
    model.behave({ kind: 'answer', text: 'Rotate it. '.repeat(200) });
    const written = await writeSummary(writer('key'), request({ maxLength: 120 }), logger);
    expect(written.text.length).toBeLessThanOrEqual(120);
    expect(written.text.endsWith('…')).toBe(true);
  });

  it.each([
    [{ kind: 'refuse', status: 429 } as const, 'the model answered HTTP 429'],
    [{ kind: 'refuse', status: 500 } as const, 'the model answered HTTP 500'],
    [{ kind: 'content-filter' } as const, "the model's content filter held its answer back"],
    [{ kind: 'empty' } as const, 'the model answered with no text'],
  ])('falls back to the template and says why when the model %j', async (behaviour, why) => {
    model.behave(behaviour);
    const written = await writeSummary(writer('key'), request(), logger);
    expect(written).toMatchObject({ writer: 'template', fallback: why });
    expect(written.text).toMatch(/^Vigil finds 1 secret introduced by this pull request/);
    expect(written.text.endsWith(`\n\n_summary written by template: ${why}_`)).toBe(true);
    expect(model.requests).toHaveLength(1); // one attempt, no retries
  });

  it('falls back when the model does not answer in time, naming the time-out', async () => {
    model.behave({ kind: 'hang' });
    const written = await writeSummary(writer('key', { timeoutMs: 200 }), request(), logger);
    expect(written.text.endsWith('_summary written by template: the model did not answer in 0.2 s_')).toBe(true);
  });

  it('falls back when the managed identity gets no token, saying so', async () => {
    const settings = AzureOpenAiSettingsSchema.parse({
      endpoint: model.endpoint,
      deployment: 'summaries',
      auth: { mode: 'managed-identity' },
    });
    const noToken = azureOpenAiSummaryWriter(settings, {
      vault: { getSecret: async () => undefined },
      tokenProvider: async () => {
        throw new Error('ManagedIdentityCredential: no identity endpoint');
      },
    });
    expect((await writeSummary(noToken, request(), logger)).fallback).toBe(
      "the app's managed identity got no token for Azure OpenAI (check the identity and its role)",
    );
    expect(model.requests).toHaveLength(0);
  });

  it('falls back when the key is not in the vault or is refused, naming the secret and never the key', async () => {
    const missing = await writeSummary(writer('key', { keySecret: 'no-such-key' }), request(), logger);
    expect(missing.fallback).toBe("no Azure OpenAI key in the vault (set secret 'no-such-key')");
    expect(model.requests).toHaveLength(0);
    const refused = await writeSummary(
      azureOpenAiSummaryWriter(
        AzureOpenAiSettingsSchema.parse({ endpoint: model.endpoint, deployment: 'summaries', auth: { mode: 'key', keySecret: 'k' } }),
        { vault: { getSecret: async () => 'a-wrong-key' } },
      ),
      request(),
      logger,
    );
    expect(refused.fallback).toBe('the model answered HTTP 401 (check its credentials)');
    expect(logLines.join('\n')).not.toContain(key);
  });
});
