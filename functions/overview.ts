import { getServices } from '../shared/app';
import { registerHttpFunction } from '../shared/azureFunctions';
import { serveOverview } from '../shared/overview';

// The read-only security overview (docs/overview.md): pages under /api/overview, behind App Service
// authentication in Azure and the per-start token on the local host.
registerHttpFunction('overview', {
  route: 'overview',
  methods: ['GET'],
  handler: async (request) => serveOverview({ kind: 'page', view: 'overview' }, request, await getServices()),
});
registerHttpFunction('overviewView', {
  route: 'overview/{view}',
  methods: ['GET'],
  handler: async (request) => serveOverview({ kind: 'page', view: request.params.view }, request, await getServices()),
});
registerHttpFunction('overviewRisk', {
  route: 'overview/risks/{id}',
  methods: ['GET'],
  handler: async (request) => serveOverview({ kind: 'risk-page', id: request.params.id }, request, await getServices()),
});
registerHttpFunction('overviewStatic', {
  route: 'overview/static/{file}',
  methods: ['GET'],
  handler: async (request) => serveOverview({ kind: 'static', file: request.params.file }, request, await getServices()),
});
