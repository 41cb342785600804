import { getServices } from '../shared/app';
import { registerHttpFunction } from '../shared/azureFunctions';
import { serveOverview } from '../shared/overview';

// The overview's JSON API (docs/overview.md): the shapes `vigil ... --json` prints, paged with continuation tokens.
for (const resource of ['risks', 'assets', 'pipelines', 'status'] as const) {
  registerHttpFunction(`api${resource[0].toUpperCase()}${resource.slice(1)}`, {
    route: resource,
    methods: ['GET'],
    handler: async (request) => serveOverview({ kind: 'api', resource }, request, await getServices()),
  });
}
registerHttpFunction('apiRisk', {
  route: 'risks/{id}',
  methods: ['GET'],
  handler: async (request) => serveOverview({ kind: 'api-risk', id: request.params.id }, request, await getServices()),
});
