/**
 * Where Azure DevOps URLs carry ids. A Minimal service hook payload keeps `url`, `_links` and ids
 * but may drop the typed fields Vigil reads first, so every id a handler needs can also be read
 * from the REST (and a few web) URLs the payload links to. This is the one table of those URLs.
 *
 * A URL is read only when one of these patterns matches it, or (for the organization alone) when its
 * host is dev.azure.com or `{org}.visualstudio.com`: an identity's profile URL on a scale unit never
 * names an organization by accident.
 */
export const azureDevOpsUrlPatterns = [
  '/_apis/git/repositories/{repositoryId}/pullRequests/{pullRequestId}/threads/{threadId}/comments/{commentId}',
  '/_apis/git/repositories/{repositoryId}/pullRequests/{pullRequestId}/threads/{threadId}',
  '/_apis/git/repositories/{repositoryId}/pushes/{pushId}',
  '/_apis/git/repositories/{repositoryId}/pullRequests/{pullRequestId}',
  '/_apis/git/repositories/{repositoryId}/commits/{commitId}',
  '/_apis/git/repositories/{repositoryId}',
  '/_apis/git/pullRequests/{pullRequestId}',
  '/_apis/build/builds/{buildId}',
  // XAML-era builds, as in the 2018 build.complete sample.
  '/_apis/build-release/builds/{buildId}',
  '/_apis/pipelines/{pipelineId}/runs/{runId}',
  '/_apis/pipelines/{pipelineId}',
  '/_apis/wit/workItems/{workItemId}/updates/{updateId}',
  '/_apis/wit/workItems/{workItemId}/revisions/{revision}',
  '/_apis/wit/workItems/{workItemId}',
  '/_apis/wit/recyclebin/{workItemId}',
  '/_apis/serviceendpoint/endpoints/{endpointId}',
  '/_apis/projects/{projectId}',
  // Web pages: a run's `_links.web`, and the `url` of the one Minimal build payload Microsoft publishes.
  '/_build/results?buildId={buildId}',
  '/build.aspx?builduri=vstfs:///Build/Build/{buildId}',
] as const;

/** How each id looks in a URL; numeric ones become numbers. */
const idSyntax = {
  repositoryId: 'guid',
  pushId: 'number',
  pullRequestId: 'number',
  threadId: 'number',
  commentId: 'number',
  commitId: 'sha',
  buildId: 'number',
  pipelineId: 'number',
  runId: 'number',
  workItemId: 'number',
  updateId: 'number',
  revision: 'number',
  endpointId: 'guid',
  projectId: 'segment',
} as const;

export type UrlIdName = keyof typeof idSyntax;

/** What one or more URLs say: the first URL that names a thing wins. */
export interface UrlReading {
  organization?: string;
  /** A project id (GUID) or name, as the URL spells it. */
  project?: string;
  ids: Partial<Record<UrlIdName, string | number>>;
}

const valuePattern: Record<(typeof idSyntax)[UrlIdName], string> = {
  number: '\\d{1,15}',
  guid: '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}',
  sha: '[0-9a-f]{40}',
  segment: '[^/?#&]{1,200}',
};

interface CompiledPattern {
  regex: RegExp;
  /** Only routes under a project (`/_apis`, `/_build`) tell the project by the segment before them. */
  projectScoped: boolean;
}

const compiled: CompiledPattern[] = azureDevOpsUrlPatterns.map((template) => {
  const source = template
    .split(/(\{\w+\})/)
    .map((part) => {
      const name = /^\{(\w+)\}$/.exec(part)?.[1];
      if (name) return `(?<${name}>${valuePattern[idSyntax[name as UrlIdName]]})`;
      // A query parameter may come after others: `?a=1&buildId=2`.
      return part.replace(/[.*+^$()|[\]\\]/g, '\\$&').replace('?', '\\?(?:[^#]*&)?');
    })
    .join('');
  return { regex: new RegExp(`${source}(?=[/?#&]|$)`, 'i'), projectScoped: template.startsWith('/_') };
});

/**
 * Reads the URLs in order; each thing comes from the first URL that names it. `enough` stops the
 * reading early: parsing URLs is the webhook's costliest step, and a full payload rarely needs it.
 */
export function readAzureDevOpsUrls(
  urls: Iterable<string | undefined>,
  enough: (reading: UrlReading) => boolean = () => false,
): UrlReading {
  const reading: UrlReading = { ids: {} };
  for (const url of urls) {
    if (enough(reading)) break;
    const one = url === undefined ? undefined : readAzureDevOpsUrl(url);
    if (!one) continue;
    reading.organization ??= one.organization;
    reading.project ??= one.project;
    for (const [name, value] of Object.entries(one.ids) as Array<[UrlIdName, string | number]>) reading.ids[name] ??= value;
  }
  return reading;
}

/** What one URL says, or undefined when it is not an Azure DevOps URL of the table. */
export function readAzureDevOpsUrl(text: string): UrlReading | undefined {
  if (text.length > 2048) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  // The docs samples spell Git routes `_apis/repos/git/…`; the REST API answers both.
  const path = url.pathname.replace(/\/_apis\/repos\/git\//i, '/_apis/git/');
  let query: string;
  try {
    query = url.search ? `?${decodeURIComponent(url.search.slice(1))}` : '';
  } catch {
    query = url.search;
  }
  const target = `${path}${query}`;

  const ids: UrlReading['ids'] = {};
  let scope: string[] | undefined;
  for (const pattern of compiled) {
    const match = pattern.regex.exec(target);
    if (!match || match.index >= path.length) continue;
    for (const [name, value] of Object.entries(match.groups ?? {}) as Array<[UrlIdName, string]>) {
      ids[name] ??= idSyntax[name] === 'number' ? Number(value) : idSyntax[name] === 'segment' ? decodeSegment(value) : value.toLowerCase();
    }
    // The segments before the route: organization (dev.azure.com), collection, project.
    if (scope === undefined) scope = pattern.projectScoped ? segments(path.slice(0, match.index)) : [];
  }
  const fromHost = organizationFromHost(url.hostname);
  if (fromHost === null) return undefined;
  if (scope === undefined) {
    // Any page of dev.azure.com or {org}.visualstudio.com still tells the organization.
    const organization =
      fromHost ?? (isAzureDevOpsHost(url.hostname) ? organizationName(decodeSegment(segments(url.pathname)[0] ?? '')) : undefined);
    return organization ? { organization, ids: {} } : undefined;
  }
  const organization = fromHost ?? organizationName(decodeSegment(segments(url.pathname)[0] ?? ''));
  const projectSegments = (fromHost ? scope : scope.slice(1)).filter((segment) => segment.toLowerCase() !== 'defaultcollection');
  const project =
    typeof ids.projectId === 'string'
      ? ids.projectId
      : projectSegments.length === 1
        ? projectName(decodeSegment(projectSegments[0]))
        : undefined;
  delete ids.projectId;
  return { ...(organization ? { organization } : {}), ...(project ? { project } : {}), ids };
}

/** The organization of an Azure DevOps URL (by name, lower case), or undefined. */
export function organizationFromUrl(text: string | undefined): string | undefined {
  if (!text) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  const fromHost = organizationFromHost(url.hostname);
  if (fromHost === null) return undefined;
  return fromHost ?? organizationName(decodeSegment(segments(url.pathname)[0] ?? ''));
}

/**
 * `{org}.visualstudio.com` (and `{org}.vsrm.visualstudio.com`) name the organization in the host;
 * other `*.visualstudio.com` hosts are scale units (`spsprodwus22.vssps…`) that name none (null).
 * Any other host (dev.azure.com, a server) names it in the first path segment (undefined).
 */
function organizationFromHost(hostname: string): string | undefined | null {
  const host = hostname.toLowerCase();
  if (!host.endsWith('.visualstudio.com')) return undefined;
  const labels = host.split('.');
  if (labels.length === 3 || (labels.length === 4 && labels[1] === 'vsrm')) return organizationName(labels[0]) ?? null;
  return null;
}

function isAzureDevOpsHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return host === 'dev.azure.com' || host.endsWith('.dev.azure.com');
}

// Organization names are case-insensitive in Azure DevOps; one spelling keeps settings lookups simple.
function organizationName(name: string): string | undefined {
  const lower = name.toLowerCase();
  return /^[a-z0-9][a-z0-9._-]{0,199}$/.test(lower) ? lower : undefined;
}

function projectName(name: string): string | undefined {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: a project name with a control character is not one.
  return name.length > 0 && name.length <= 200 && !/[\u0000-\u001f\u007f]/.test(name) && !name.startsWith('_') ? name : undefined;
}

function segments(path: string): string[] {
  return path.split('/').filter((segment) => segment.length > 0);
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
