import { fixtureBody, type LoopbackBuild, type LoopbackExtension, rewrite, sendJson } from './azureDevOpsServer';

/**
 * `GET {project}/_apis/build/builds` for the loopback Azure DevOps: the builds it was given,
 * newest first, in the recorded list shape (build.list.top-1.json), paged as Azure DevOps pages
 * builds: `$top` per request and an opaque `x-ms-continuationtoken` response header, passed back
 * as the `continuationToken` query parameter. No route-table entry is needed: Vigil pages builds
 * with a raw GET, not a node-api method.
 */
export function buildListRoutes(builds: LoopbackBuild[], options: { maxPage?: number } = {}): LoopbackExtension {
  return {
    handle(request, res) {
      if (request.method !== 'GET' || !request.project || !/^\/_apis\/build\/builds\/?$/i.test(request.projectRoute ?? '')) return false;
      const template = rewrite(
        (fixtureBody('build.list.top-1.json') as { value: Array<Record<string, unknown>> }).value[0],
        request.orgUrl,
      );
      const status = request.url.searchParams.get('statusFilter');
      const all = builds
        // Every loopback build has finished.
        .filter((build) => build.project === request.project && (!status || status === 'all' || status === 'completed'))
        .sort((a, b) => b.id - a.id);
      const max = options.maxPage ?? 1000;
      const top = Math.min(Number(request.url.searchParams.get('$top') ?? max) || max, max);
      // Azure DevOps' build tokens look like timestamps; this one is an offset dressed as one, and opaque to the client.
      const token = request.url.searchParams.get('continuationToken');
      const start = token ? Number(token.match(/\.(\d+)Z$/)?.[1] ?? 'NaN') : 0;
      if (!Number.isInteger(start)) {
        sendJson(res, 400, { message: `VS402396: the continuation token '${token}' is not valid` });
        return true;
      }
      const page = all.slice(start, start + top).map((build) => ({
        ...template,
        id: build.id,
        buildNumber: `2025.${build.id}`,
        status: 'completed',
        result: build.result ?? 'succeeded',
        url: `${request.orgUrl}/${encodeURIComponent(request.project ?? '')}/_apis/build/Builds/${build.id}`,
        _links: {
          self: { href: `${request.orgUrl}/${encodeURIComponent(request.project ?? '')}/_apis/build/Builds/${build.id}` },
          web: { href: `${request.orgUrl}/${encodeURIComponent(request.project ?? '')}/_build/results?buildId=${build.id}` },
        },
      }));
      const headers: Record<string, string> = {};
      if (start + top < all.length) headers['x-ms-continuationtoken'] = `2025-01-01T00:00:00.${String(start + top).padStart(7, '0')}Z`;
      sendJson(res, 200, { count: page.length, value: page }, headers);
      return true;
    },
  };
}
