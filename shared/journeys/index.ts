/** The public surface of journeys/: what other folders may import (docs/operations.md, "Follow one delivery"). */
export { HandlerRun, rootDeliveryIdOf } from './handlerRun';
export type { EmittedEvent, HandlerRunHop, HandlerRunOutcome, JourneyHop } from './journeyHop';
export type { DeliveryTrace, TraceEvent, TraceRun, TraceWebhook } from './traceDelivery';
export { traceDelivery } from './traceDelivery';
export { traceText } from './traceText';
