import { format } from 'node:util';
import type { LogHandler } from '@azure/functions';
import type { Logger } from '../logging';

/** Routes `context.log`/`context.warn`/... of a locally invoked function into the host's logger (and its secret scrubbing). */
export function invocationLogHandler(logger: Logger): LogHandler {
  return (level, ...args) => {
    const message = format(...args);
    if (level === 'error' || level === 'critical') logger.error(message);
    else if (level === 'warning') logger.warn(message);
    else if (level === 'information') logger.info(message);
    else logger.debug(message);
  };
}
