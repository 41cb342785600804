/** The public surface of azureFunctions/: what other folders may import (docs/architecture.md, "Layout"). */
export { loadFunctionModules, packageRoot } from './functionModules';
export type { FunctionDefinition, HttpFunctionDefinition, QueueFunctionDefinition, TimerFunctionDefinition } from './functionRegistry';
export { registeredFunctions, registerHttpFunction, registerQueueFunction, registerTimerFunction } from './functionRegistry';
export { invocationLogHandler } from './invocationLog';
export { queueTrigger } from './queueTrigger';
export { RequestBodyTooLargeError } from './requestBodyTooLarge';
export { scheduleSlot, validTimerSchedule } from './timerSchedules';
