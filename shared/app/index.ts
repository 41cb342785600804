/** The public surface of app/: what other folders may import (docs/architecture.md, "Layout"). */
export { eventRoutes, isRouted, queuesFor, routeEvent, routeOnQueue, whyUnrouted } from './eventRoutes';
export { checkHealth } from './healthCheck';
export type { AppServices } from './services';
export { createAppServices, getServices, useServices } from './services';
export type { Asset, ScanRecord } from './stores';
export type { UseCase, UseCaseContext } from './useCase';
export { loadUseCase } from './useCases';
