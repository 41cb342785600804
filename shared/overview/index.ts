/** The public surface of overview/: what other folders may import (docs/architecture.md, "Layout"). */
import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import type { AppServices } from '../app';
import type { OverviewRoute } from './overviewHttp';

export { assetView } from './assetView';
export type { OverviewRoute } from './overviewHttp';
export { contentSecurityPolicy, securityHeaders } from './securityHeaders';
export { type StatusReport, statusReport } from './statusReport';

/** Serves a page, a static file or an API answer; the views load on the first request, not at cold start. */
export async function serveOverview(route: OverviewRoute, request: HttpRequest, services: AppServices): Promise<HttpResponseInit> {
  const { serveOverview: serve } = await import('./overviewHttp.js');
  return serve(route, request, services);
}
