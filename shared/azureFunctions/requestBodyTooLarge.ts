import { PermanentError } from '../errors';

/**
 * What a host raises when an HTTP function reads a body over its `maxBodyBytes` (functionRegistry.ts):
 * the local host's front door does (localHost/requestBody.ts); the Functions front end enforces its
 * own limit in Azure. A function that lets it escape is answered 413.
 */
export class RequestBodyTooLargeError extends PermanentError {
  constructor(readonly limit: number) {
    super(`the request body exceeds ${limit} bytes`);
  }
}
