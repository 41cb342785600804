import { app, type HttpHandler, type ServiceBusQueueHandler, type TimerHandler } from '@azure/functions';
import type { QueueName } from '../queue';
import { startPendingTelemetry } from '../telemetry';

/**
 * One record per function, kept so the local host and the tests serve exactly what the Azure
 * Functions host registers. Under the real host (FUNCTIONS_WORKER_RUNTIME is set) each definition
 * is also registered with `app.*`; elsewhere the library would only print "skipping" warnings.
 */
export interface HttpFunctionDefinition {
  kind: 'http';
  name: string;
  route: string;
  methods: Array<'GET' | 'POST'>;
  /**
   * The local host stops reading a body past this many bytes (the Functions front end has its own
   * limit); a function of the route parameters where one route serves bodies of different sizes.
   */
  maxBodyBytes?: number | ((params: Record<string, string>) => number);
  handler: HttpHandler;
}

export interface QueueFunctionDefinition {
  kind: 'queue';
  name: string;
  queue: QueueName;
  handler: ServiceBusQueueHandler;
}

export interface TimerFunctionDefinition {
  kind: 'timer';
  name: string;
  /** NCRONTAB with seconds (`0 0 2 * * *`), as Azure Functions timers take it. */
  schedule: string;
  handler: TimerHandler;
}

export type FunctionDefinition = HttpFunctionDefinition | QueueFunctionDefinition | TimerFunctionDefinition;

/** The app setting prefix of the identity-based Service Bus connection (`ServiceBusConnection__fullyQualifiedNamespace`). */
export const serviceBusConnectionName = 'ServiceBusConnection';

const definitions = new Map<string, FunctionDefinition>();

function underFunctionsHost(): boolean {
  return Boolean(process.env.FUNCTIONS_WORKER_RUNTIME);
}

let hooked = false;

/** Under the Functions host, deferred telemetry starts after the first invocation is answered (shared/telemetry/startTelemetry.ts). */
function startTelemetryAfterInvocations(): void {
  if (hooked) return;
  hooked = true;
  app.hook.postInvocation(() => startPendingTelemetry());
}

function record(definition: FunctionDefinition): void {
  if (definitions.has(definition.name)) throw new Error(`function '${definition.name}' is registered twice`);
  definitions.set(definition.name, definition);
  if (underFunctionsHost()) startTelemetryAfterInvocations();
}

export function registerHttpFunction(name: string, options: Omit<HttpFunctionDefinition, 'kind' | 'name'>): void {
  record({ kind: 'http', name, ...options });
  if (underFunctionsHost()) {
    app.http(name, { route: options.route, methods: options.methods, authLevel: 'anonymous', handler: options.handler });
  }
}

export function registerQueueFunction(name: string, options: Omit<QueueFunctionDefinition, 'kind' | 'name'>): void {
  record({ kind: 'queue', name, ...options });
  if (underFunctionsHost()) {
    app.serviceBusQueue(name, { connection: serviceBusConnectionName, queueName: options.queue, handler: options.handler });
  }
}

export function registerTimerFunction(name: string, options: Omit<TimerFunctionDefinition, 'kind' | 'name'>): void {
  record({ kind: 'timer', name, ...options });
  if (underFunctionsHost()) app.timer(name, { schedule: options.schedule, handler: options.handler });
}

export function registeredFunctions(): FunctionDefinition[] {
  return [...definitions.values()];
}
