import type * as http from 'node:http';
import { sendJson } from './azureDevOpsServer';

/**
 * An Azure DevOps error answer: the wrapped-exception body every Azure DevOps REST error carries
 * (`$id`, `innerException`, `message`, `typeName`, `typeKey`, `errorCode`, `eventId`). The
 * messages are the ones Azure DevOps gives (TF/VS codes); the type names follow its namespaces.
 * Returns true so a route can `return adoError(...)`.
 */
export function adoError(
  res: http.ServerResponse,
  status: number,
  typeKey: string,
  message: string,
  extra: { namespace?: string; customProperties?: Record<string, unknown>; headers?: Record<string, string> } = {},
): true {
  const namespace = extra.namespace ?? 'Microsoft.TeamFoundation.WorkItemTracking.Server';
  sendJson(
    res,
    status,
    {
      $id: '1',
      ...(extra.customProperties ? { customProperties: extra.customProperties } : {}),
      innerException: null,
      message,
      typeName: `${namespace}.${typeKey}, ${namespace}`,
      typeKey,
      errorCode: 0,
      eventId: 3200,
    },
    extra.headers,
  );
  return true;
}

/** Thrown inside a route's logic and turned into an `adoError` answer at the route's edge. */
export class AdoRequestError extends Error {
  constructor(
    readonly status: number,
    readonly typeKey: string,
    message: string,
    readonly extra: { namespace?: string; customProperties?: Record<string, unknown> } = {},
  ) {
    super(message);
  }

  send(res: http.ServerResponse): true {
    return adoError(res, this.status, this.typeKey, this.message, this.extra);
  }
}
