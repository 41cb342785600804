import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import type { z } from 'zod';
import type { AppServices } from '../app';
import { failureKindOf } from '../errors';
import { riskDetailView, riskListView } from '../risks';
import { assetView } from './assetView';
import { assetListingQuery, listAssets, renderConnections, renderRepositories } from './inventoryPages';
import { renderOperations } from './operationsPage';
import { renderOverview } from './overviewPage';
import { pipelineHealth, pipelineListingQuery, renderPipelines } from './pipelinesPage';
import { listRisks, riskListingQuery } from './riskListing';
import { renderRisk, renderRisks, riskDetails } from './risksPages';
import { securityHeaders } from './securityHeaders';
import { staticFiles } from './staticFiles';
import { statusReport } from './statusReport';

/** What the overview's functions serve (docs/overview.md): pages, their static files and the JSON API. */
export type OverviewRoute =
  | { kind: 'page'; view: string }
  | { kind: 'risk-page'; id: string }
  | { kind: 'static'; file: string }
  | { kind: 'api'; resource: 'risks' | 'assets' | 'pipelines' | 'status' }
  | { kind: 'api-risk'; id: string };

export async function serveOverview(route: OverviewRoute, request: HttpRequest, services: AppServices): Promise<HttpResponseInit> {
  const refusal = refusedInAzure(request, services.config.environment.VIGIL_OVERVIEW_AUTHENTICATION);
  if (refusal) return refusal;
  try {
    return await answer(route, request, services);
  } catch (error) {
    if (failureKindOf(error) === 'permanent') return problem(400, 'bad_request', (error as Error).message);
    throw error;
  }
}

async function answer(route: OverviewRoute, request: HttpRequest, services: AppServices): Promise<HttpResponseInit> {
  const query = Object.fromEntries(request.query.entries());
  switch (route.kind) {
    case 'static': {
      const file = staticFiles[route.file];
      if (!file) return problem(404, 'not_found', `no file '${route.file}'`);
      return {
        status: 200,
        headers: { ...securityHeaders, 'content-type': file.contentType, 'cache-control': 'no-cache' },
        body: file.body,
      };
    }
    case 'page': {
      switch (route.view) {
        case 'overview':
          return htmlPage(await renderOverview(services));
        case 'risks':
          return withParsed(riskListingQuery, query, async (q) => htmlPage(await renderRisks(services, q)));
        case 'repositories':
          return withParsed(assetListingQuery, query, async (q) => htmlPage(await renderRepositories(services, q)));
        case 'connections':
          return withParsed(assetListingQuery, query, async (q) => htmlPage(await renderConnections(services, q)));
        case 'pipelines':
          return withParsed(pipelineListingQuery, query, async (q) => htmlPage(await renderPipelines(services, q)));
        case 'operations':
          return htmlPage(await renderOperations(services));
        default:
          return problem(404, 'not_found', `no view '${route.view}' (overview, risks, repositories, pipelines, connections, operations)`);
      }
    }
    case 'risk-page': {
      const rendered = await renderRisk(services, route.id);
      return rendered ? htmlPage(rendered) : problem(404, 'not_found', `no risk '${route.id}'`);
    }
    case 'api-risk': {
      const found = await riskDetails(services, route.id);
      if (!found) return problem(404, 'not_found', `no risk '${route.id}'`);
      return json({ ...riskDetailView(found.risk, found.workItem), pullRequests: found.pullRequests });
    }
    case 'api':
      switch (route.resource) {
        case 'risks':
          return withParsed(riskListingQuery, query, async (q) => {
            const page = await listRisks(services.stores.risks, q);
            return json({ risks: page.items.map(riskListView), continuationToken: page.continuationToken ?? null });
          });
        case 'assets':
          return withParsed(assetListingQuery, query, async (q) => {
            const page = await listAssets(services, q);
            return json({ assets: page.items.map(assetView), continuationToken: page.continuationToken ?? null });
          });
        case 'pipelines':
          return withParsed(pipelineListingQuery, query, async (q) => json({ pipelines: await pipelineHealth(services, q) }));
        case 'status':
          return json(await statusReport(services));
      }
  }
}

async function withParsed<S extends z.ZodTypeAny>(
  schema: S,
  query: Record<string, string>,
  then: (parsed: z.infer<S>) => Promise<HttpResponseInit>,
): Promise<HttpResponseInit> {
  const parsed = schema.safeParse(query);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return problem(400, 'invalid_query', `query parameter '${issue?.path.join('.') ?? '?'}': ${issue?.message ?? 'invalid'}`);
  }
  return then(parsed.data);
}

function htmlPage(body: string): HttpResponseInit {
  return { status: 200, headers: { ...securityHeaders, 'content-type': 'text/html; charset=utf-8' }, body };
}

function json(body: unknown): HttpResponseInit {
  return { status: 200, headers: { ...securityHeaders, 'content-type': 'application/json; charset=utf-8' }, jsonBody: body };
}

function problem(status: number, error: string, message: string): HttpResponseInit {
  return { status, headers: { ...securityHeaders, 'content-type': 'application/json; charset=utf-8' }, jsonBody: { error, message } };
}

/**
 * In Azure (App Service sets WEBSITE_SITE_NAME), App Service authentication with Entra ID
 * (infra/modules/functionApp.bicep) signs people in before a request reaches the app and strips any
 * `x-ms-client-principal*` header a caller sends, so the principal it adds can be trusted. Without it
 * configured (VIGIL_OVERVIEW_AUTHENTICATION is not `app-service`) such a header could be forged:
 * then nobody is served. The local host guards the overview with its own token (shared/localHost).
 */
export function refusedInAzure(
  request: HttpRequest,
  authentication: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): HttpResponseInit | undefined {
  if (!env.WEBSITE_SITE_NAME) return undefined;
  if (authentication !== 'app-service') {
    return problem(
      401,
      'unauthenticated',
      'the overview is closed: App Service authentication is not configured (docs/deploy.md, "The overview")',
    );
  }
  if (request.headers.get('x-ms-client-principal-id')) return undefined;
  return problem(401, 'unauthenticated', 'sign in through App Service authentication (docs/deploy.md, "The overview")');
}
