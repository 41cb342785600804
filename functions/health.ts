import { checkHealth, getServices } from '../shared/app';
import { registerHttpFunction } from '../shared/azureFunctions';

registerHttpFunction('health', { route: 'health', methods: ['GET'], handler: async () => checkHealth(await getServices()) });
