import { describe, expect, it } from 'vitest';
import {
  azureDevOpsUrlPatterns,
  organizationFromUrl,
  readAzureDevOpsUrl,
  readAzureDevOpsUrls,
} from '../../../shared/events/sources/azureDevOpsUrls';

const repo = '278d5cd2-584d-4b63-824a-2ba458937249';
const project = '6ce954b1-ce1f-45d1-b94d-e6bf2464ba2c';
const endpoint = 'a6a6a6a6-bbbb-cccc-dddd-e7e7e7e7e7e7';
const sha = '33b55f7cb7e7e245323987634f960cf4a6e6bc74';

describe('the table of Azure DevOps URL patterns', () => {
  it.each([
    [`/_apis/git/repositories/${repo}/pushes/14`, { repositoryId: repo, pushId: 14 }],
    [`/_apis/git/repositories/${repo}/pullRequests/7`, { repositoryId: repo, pullRequestId: 7 }],
    [`/_apis/git/repositories/${repo}/commits/${sha}`, { repositoryId: repo, commitId: sha }],
    [`/_apis/git/repositories/${repo}`, { repositoryId: repo }],
    ['/_apis/git/pullRequests/7', { pullRequestId: 7 }],
    ['/_apis/build/Builds/2727068', { buildId: 2727068 }],
    ['/_apis/build/builds/2727068/Timeline', { buildId: 2727068 }],
    ['/_apis/build-release/Builds/2', { buildId: 2 }],
    ['/_apis/Pipelines/1/runs/11', { pipelineId: 1, runId: 11 }],
    ['/_apis/pipelines/4?revision=1', { pipelineId: 4 }],
    ['/_apis/wit/workItems/5/updates/2', { workItemId: 5, updateId: 2 }],
    ['/_apis/wit/workItems/5/revisions/3', { workItemId: 5, revision: 3 }],
    ['/_apis/wit/workItems/5', { workItemId: 5 }],
    ['/_apis/wit/recyclebin/5', { workItemId: 5 }],
    [`/_apis/serviceendpoint/endpoints/${endpoint}`, { endpointId: endpoint }],
    ['/_build/results?view=logs&buildId=11', { buildId: 11 }],
  ])('reads the ids of …%s', (path, ids) => {
    expect(readAzureDevOpsUrl(`https://dev.azure.com/contoso/Web${path}`)?.ids).toEqual(ids);
  });

  it.each(azureDevOpsUrlPatterns.map((pattern) => [pattern]))('reads back every id that %s names, on both host forms', (pattern) => {
    const samples: Record<string, string | number> = { repositoryId: repo, endpointId: endpoint, commitId: sha, projectId: project };
    const expected: Record<string, string | number> = {};
    const path = pattern.replace(/\{(\w+)\}/g, (_, name: string) => String((expected[name] = samples[name] ?? 42)));
    const { projectId, ...ids } = expected;
    for (const host of ['https://dev.azure.com/contoso/Web', 'https://contoso.visualstudio.com/Web']) {
      const reading = readAzureDevOpsUrl(`${host}${path}`);
      expect(reading?.ids).toEqual(ids);
      expect(reading?.organization).toBe('contoso');
      if (projectId !== undefined) expect(reading?.project).toBe(projectId);
    }
  });

  it('reads the build id out of the web link of the one published Minimal build payload', () => {
    const url =
      'https://dev.azure.com/FabrikamFiber/web/build.aspx?pcguid=e4e4e4e4-ffff-aaaa-bbbb-c5c5c5c5c5c5&builduri=vstfs%3a%2f%2f%2fBuild%2fBuild%2f2727068';
    // `web/build.aspx` is a page, not a project: no project is read from it.
    expect(readAzureDevOpsUrl(url)).toEqual({ organization: 'fabrikamfiber', ids: { buildId: 2727068 } });
  });

  it('reads the Git routes the docs samples spell `_apis/repos/git/…` as well', () => {
    expect(
      readAzureDevOpsUrl(`https://fabrikam-fiber-inc.visualstudio.com/DefaultCollection/_apis/repos/git/repositories/${repo}/pushes/14`)
        ?.ids,
    ).toEqual({
      repositoryId: repo,
      pushId: 14,
    });
  });
});

describe('the organization and project of an Azure DevOps URL', () => {
  it.each([
    [`https://dev.azure.com/Contoso/${project}/_apis/build/Builds/1`, 'contoso', project],
    [`https://contoso.visualstudio.com/${project}/_apis/build/Builds/1`, 'contoso', project],
    [`https://contoso.visualstudio.com/DefaultCollection/${project}/_apis/build/Builds/1`, 'contoso', project],
    ['https://dev.azure.com/contoso/Fabrikam%20Web/_apis/build/Builds/1', 'contoso', 'Fabrikam Web'],
    ['https://contoso.vsrm.visualstudio.com/Web/_apis/build/Builds/1', 'contoso', 'Web'],
    ['https://dev.azure.com/contoso/DefaultCollection/_apis/wit/workItems/5', 'contoso', undefined],
    ['https://dev.azure.com/contoso/_apis/wit/workItems/5', 'contoso', undefined],
    // A project in the route wins over the segment before it.
    [`https://dev.azure.com/contoso/_apis/projects/${project}`, 'contoso', project],
  ])('%s is organization %s, project %s', (url, organization, projectOrName) => {
    const reading = readAzureDevOpsUrl(url);
    expect(reading?.organization).toBe(organization);
    expect(reading?.project).toBe(projectOrName);
  });

  it('reads the organization from any dev.azure.com or {org}.visualstudio.com page, and nothing else from it', () => {
    expect(readAzureDevOpsUrl('https://dev.azure.com/contoso/web/wi.aspx?id=5')).toEqual({ organization: 'contoso', ids: {} });
    expect(readAzureDevOpsUrl('https://contoso.visualstudio.com/web/wi.aspx?id=5')).toEqual({ organization: 'contoso', ids: {} });
  });

  it('ignores URLs that are not Azure DevOps routes: identities on scale units, a service connection target, other schemes', () => {
    for (const url of [
      'https://spsprodwus22.vssps.visualstudio.com/ffff5f5f-aa6a-bb7b-cc8c-dddddd9d9d9d/_apis/Identities/33dd33dd-ee44-ff55-aa66-77bb77bb77bb',
      'https://management.azure.com/subscriptions/1/resourceGroups/rg',
      'https://example.com/contoso/build/Builds/1',
      'ssh://git@ssh.dev.azure.com/v3/contoso/Web/Web',
      'vstfs:///Build/Build/1',
      'not a url',
      `https://dev.azure.com/contoso/${'x'.repeat(3000)}`,
    ]) {
      expect(readAzureDevOpsUrl(url), url).toBeUndefined();
    }
  });

  it('keeps the organization of a server URL that matches a route (Azure DevOps Server, test hosts)', () => {
    expect(readAzureDevOpsUrl('https://codedev.ms/org/11bb11bb-cc22-dd33-ee44-55ff55ff55ff/_apis/Pipelines/1/runs/11')).toEqual({
      organization: 'org',
      project: '11bb11bb-cc22-dd33-ee44-55ff55ff55ff',
      ids: { pipelineId: 1, runId: 11 },
    });
  });

  it('takes each thing from the first URL that names it', () => {
    const reading = readAzureDevOpsUrls([
      undefined,
      'https://management.azure.com/',
      `https://dev.azure.com/first/${project}/_apis/git/repositories/${repo}/pushes/14`,
      `https://dev.azure.com/second/Other/_apis/git/repositories/${endpoint}/pullRequests/3`,
    ]);
    expect(reading).toEqual({ organization: 'first', project, ids: { repositoryId: repo, pushId: 14, pullRequestId: 3 } });
  });

  it('names organizations in lower case, as settings are looked up', () => {
    expect(organizationFromUrl('https://dev.azure.com/FabrikamFiber/')).toBe('fabrikamfiber');
    expect(organizationFromUrl('https://Fabrikam.VisualStudio.com/')).toBe('fabrikam');
    expect(organizationFromUrl('https://spsprodwus22.vssps.visualstudio.com/')).toBeUndefined();
    expect(organizationFromUrl(undefined)).toBeUndefined();
  });
});
