import type { SqlParameter, SqlQuerySpec } from '@azure/cosmos';
import type { QuerySpec, Scalar } from '../port';
import { fieldPathSegments } from './fieldPath';

/**
 * Cosmos SQL for the port's queries. Values only ever travel as parameters; field names are validated
 * and written in bracket notation (`c["value"]`), because a dotted `c.value` or `c.order` is a parse
 * error in Cosmos SQL where the name is a keyword.
 */
export function cosmosSelectQuery(spec: QuerySpec): SqlQuerySpec {
  const { text, parameters } = whereClause(spec.where);
  const order = spec.orderBy ? ` ORDER BY ${propertyReference(spec.orderBy.field)} ${spec.orderBy.descending ? 'DESC' : 'ASC'}` : '';
  return { query: `SELECT * FROM c${text}${order}`, parameters };
}

export function cosmosCountQuery(where: Record<string, Scalar> | undefined): SqlQuerySpec {
  const { text, parameters } = whereClause(where);
  return { query: `SELECT VALUE COUNT(1) FROM c${text}`, parameters };
}

function whereClause(where: Record<string, Scalar> | undefined): { text: string; parameters: SqlParameter[] } {
  const conditions: string[] = [];
  const parameters: SqlParameter[] = [];
  for (const [field, value] of Object.entries(where ?? {})) {
    const name = `@p${parameters.length}`;
    conditions.push(`${propertyReference(field)} = ${name}`);
    parameters.push({ name, value });
  }
  return { text: conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : '', parameters };
}

function propertyReference(field: string): string {
  return `c${fieldPathSegments(field)
    .map((segment) => `["${segment}"]`)
    .join('')}`;
}
