import { checkHealth } from '../shared/app/healthCheck';
import { getServices } from '../shared/app/services';
import { registerHttpFunction } from '../shared/azureFunctions/functionRegistry';

registerHttpFunction('health', { route: 'health', methods: ['GET'], handler: async () => checkHealth(await getServices()) });
