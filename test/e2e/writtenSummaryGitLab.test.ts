import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queuesSettled } from '../support/alertReceiver';
import { type AzureOpenAiServer, startAzureOpenAiServer } from '../support/azureOpenAiServer';
import { GitLabMergeRequestRoutes } from '../support/gitlab/mergeRequestRoutes';
import { type GitLabApiServer, type LoopbackGitLabProject, startGitLabApiServer } from '../support/gitlabApiServer';
import { LoopbackGitHistory } from '../support/loopbackGitHistory';
import { recordedRequestText } from '../support/recordedRequests';
import { SecretFactory } from '../support/scanning/syntheticSecrets';
import { startTestHost, type TestHost } from '../support/testHost';
import { gitlabHeaders, post } from '../support/webhookClient';

/**
 * The written summary on a GitLab merge request, end to end through the local host: the
 * organization's summaries are written by an Azure OpenAI deployment (the loopback model server,
 * with a key from the vault). The merge request brings secrets; the summary note opens with the
 * model's words, the model was sent redacted previews and never a secret, and when the model fails
 * the note is written by the template and says why. Nothing the loopbacks recorded holds a secret.
 */
const projectId = 21;
const path = 'contoso/payments';
const apiToken = `glpat-${randomBytes(10).toString('hex')}`;
const modelKey = `model-key-${randomBytes(8).toString('hex')}`;
const f = new SecretFactory(2107);
const tokenA = f.gitHubToken();
const tokenB = f.npmToken();
const dev = { name: 'Dev', email: 'dev@example.com', date: '2026-11-20T09:00:00+00:00' };
const sha = (n: number) => `${n}`.repeat(40);

const history = new LoopbackGitHistory(
  [
    { sha: sha(1), author: dev, parent: null, changes: { 'src/app.ts': 'export const app = 1;\n' } },
    {
      sha: sha(2),
      author: dev,
      changes: {
        'src/pay.ts': `const token = "${tokenA}";\nexport const pay = () => token;\n`,
        'config/npmrc.txt': `//registry.npmjs.org/:_authToken=${tokenB}\n`,
      },
    },
  ],
  { main: sha(1), feature: sha(2) },
);
const project: LoopbackGitLabProject = { id: projectId, pathWithNamespace: path, defaultBranch: 'main', history };

let gitlab: GitLabApiServer;
let routes: GitLabMergeRequestRoutes;
let model: AzureOpenAiServer;
let host: TestHost;
const settled = () => queuesSettled(host, ['repo-scan', 'pr-publish', 'alerts']);

beforeAll(async () => {
  routes = new GitLabMergeRequestRoutes({
    projects: [project],
    mergeRequests: [{ projectId, iid: 8, source: 'feature', target: 'main', title: 'Payments' }],
  });
  gitlab = await startGitLabApiServer({ token: apiToken, projects: [project], extensions: [routes] });
  model = await startAzureOpenAiServer({ deployment: 'vigil-summaries', apiKey: modelKey });
  host = await startTestHost({ env: { VIGIL_SECRET_GITLAB_CONTOSO: apiToken, VIGIL_SECRET_AZURE_OPENAI_CONTOSO: modelKey } });
  await host.services.stores.organizations.add('contoso', { gitlab: { url: gitlab.url, tokenSecret: 'gitlab-contoso' } });
  await host.services.stores.organizations.update('contoso', (current) => ({
    ...current,
    summaries: {
      writer: 'azure-openai',
      azureOpenAi: {
        endpoint: model.endpoint,
        deployment: 'vigil-summaries',
        apiVersion: '2024-10-21',
        auth: { mode: 'key', keySecret: 'azure-openai-contoso' },
        timeoutSeconds: 10,
      },
    },
  }));
});

afterAll(async () => {
  await host?.dispose();
  await gitlab?.close();
  await model?.close();
});

async function mergeRequestEvent(action: 'open' | 'update', uuid: string) {
  const body = JSON.stringify({
    object_kind: 'merge_request',
    event_type: 'merge_request',
    project: { id: projectId, name: 'payments', path_with_namespace: path },
    object_attributes: { iid: 8, action, source_branch: 'feature', target_branch: 'main', last_commit: { id: history.resolve('feature') } },
  });
  const response = await post(host.url('/hooks/gitlab'), body, gitlabHeaders(body, { uuid }));
  await settled();
  return response;
}

const summaryNote = () =>
  routes.mergeRequest(projectId, 8).discussions.find((d) => d.individualNote && /vigil:summary/.test(d.notes[0].body))?.notes[0].body ?? '';

describe('a merge request summary written by a model', () => {
  it("opens with the model's words, from a request that held only redacted previews", async () => {
    model.behave({ kind: 'answer', text: 'This merge request adds a GitHub token and an npm token: revoke both before merging.' });
    expect((await mergeRequestEvent('open', 'mr-8-open')).status).toBe(202);
    expect(summaryNote()).toMatch(
      /Vigil secret scan[\s\S]*\n\nThis merge request adds a GitHub token and an npm token: revoke both before merging\.\n/,
    );
    expect(model.requests).toHaveLength(1);
    const sent = model.requests[0];
    expect(sent).toMatchObject({ deployment: 'vigil-summaries', apiVersion: '2024-10-21', credential: 'api-key' });
    const asked = JSON.parse(sent.messages[1].content) as { findings: Array<{ preview: string; where: string }> };
    expect(asked.findings.map((finding) => finding.where).sort()).toEqual(['config/npmrc.txt:1', 'src/pay.ts:1']);
    for (const finding of asked.findings) expect(finding.preview).toMatch(/^(ghp|npm)_\*+\S{4}$/);
    for (const secret of [tokenA, tokenB, apiToken, modelKey]) expect(sent.body).not.toContain(secret);
  });

  it('is written by the template, saying so, when the model fails', async () => {
    model.behave({ kind: 'refuse', status: 500 });
    history.add({ sha: sha(3), author: dev, parent: sha(2), changes: { 'src/app.ts': 'export const app = 2;\n' } });
    history.branches.feature = sha(3);
    await mergeRequestEvent('update', 'mr-8-update');
    expect(summaryNote()).toMatch(/Vigil finds 2 secrets introduced by this pull request \(2 critical\)/);
    expect(summaryNote()).toContain('_summary written by template: the model answered HTTP 500_');
    expect(model.requests).toHaveLength(2);
  });

  it('leaves no secret in anything the platforms, the model or the logs got', () => {
    const everything = [recordedRequestText(gitlab.calls), ...model.requests.map((r) => r.body), ...host.logLines].join('\n');
    for (const secret of [tokenA, tokenB, modelKey]) expect(everything).not.toContain(secret);
  });
});
