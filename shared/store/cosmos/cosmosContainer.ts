import type { RequestOptions, Container as SdkContainer } from '@azure/cosmos';
import { PermanentError } from '../../errors';
import { isNotFound, PreconditionFailedError } from '../errors';
import type { Container, Document, PatchOperation, QueryPage, QuerySpec, Scalar, Stored, WriteOptions } from '../port';
import { unwrapContinuation, wrapContinuation } from './cosmosContinuation';
import { bodyForCosmos, checkStorableId, isStorableId, partitionKeyOf, storedFromCosmos } from './cosmosDocuments';
import { cosmosFailure, type SecretValues } from './cosmosFailure';
import { cosmosPatchOperations } from './cosmosPatch';
import { cosmosCountQuery, cosmosSelectQuery } from './cosmosQuery';
import { readQueryPage } from './cosmosQueryPage';

export interface CosmosContainerOptions {
  forceQueryPlan: boolean;
  /** Deadline for one port call, the SDK's retries included. */
  operationTimeoutMs: number;
  /** Blanked out of any error message (the account key). */
  secrets: SecretValues;
}

/** Cosmos's sub-status for "the container (or its database) does not exist", as opposed to the document. */
const ownerResourceNotFound = 1003;

/** One container of the store port on the @azure/cosmos SDK; same contract as the embedded store. */
export class CosmosContainer<T extends Document> implements Container<T> {
  constructor(
    private readonly sdk: SdkContainer,
    readonly name: string,
    readonly partitionKeyField: string,
    private readonly options: CosmosContainerOptions,
  ) {}

  create(document: T): Promise<Stored<T>> {
    return this.call(document.id, async (request) => {
      checkStorableId(document.id, this.name);
      partitionKeyOf(document, this.name, this.partitionKeyField);
      const { resource } = await this.sdk.items.create(bodyForCosmos(document), request);
      return storedFromCosmos<T>(resource);
    });
  }

  read(id: string, partitionKey: string): Promise<Stored<T> | undefined> {
    return this.call(id, async (request) => {
      // No such document can exist, and its id would not even make a valid request path.
      if (!isStorableId(id)) return undefined;
      // The SDK answers a missing document with a 404 response rather than an error.
      const response = await this.sdk.item(id, partitionKey).read(request);
      if (response.statusCode === 404) {
        if (response.substatus === ownerResourceNotFound) {
          throw cosmosFailure(
            { code: 404, substatus: ownerResourceNotFound, message: 'owner resource does not exist' },
            { container: this.name },
          );
        }
        return undefined;
      }
      return storedFromCosmos<T>(response.resource);
    });
  }

  replace(document: T, options: WriteOptions = {}): Promise<Stored<T>> {
    return this.call(document.id, async (request) => {
      checkStorableId(document.id, this.name);
      const partitionKey = partitionKeyOf(document, this.name, this.partitionKeyField);
      const { resource } = await this.sdk.item(document.id, partitionKey).replace(bodyForCosmos(document), withIfMatch(request, options));
      return storedFromCosmos<T>(resource);
    });
  }

  async upsert(document: T, options: WriteOptions = {}): Promise<Stored<T>> {
    if (options.ifMatch !== undefined) {
      // An etag names a version that exists; if the document is gone, the condition failed. (An
      // upsert with If-Match on a missing document would otherwise create it on some servers.)
      return this.replace(document, options).catch((error: unknown) => {
        throw isNotFound(error) ? new PreconditionFailedError(this.name, document.id) : error;
      });
    }
    return this.call(document.id, async (request) => {
      checkStorableId(document.id, this.name);
      partitionKeyOf(document, this.name, this.partitionKeyField);
      const { resource } = await this.sdk.items.upsert(bodyForCosmos(document), request);
      return storedFromCosmos<T>(resource);
    });
  }

  patch(id: string, partitionKey: string, operations: PatchOperation[], options: WriteOptions = {}): Promise<Stored<T>> {
    return this.call(id, async (request) => {
      checkStorableId(id, this.name);
      const sdkOperations = cosmosPatchOperations(operations, this.name, id);
      const { resource } = await this.sdk.item(id, partitionKey).patch(sdkOperations, withIfMatch(request, options));
      return storedFromCosmos<T>(resource);
    });
  }

  delete(id: string, partitionKey: string, options: WriteOptions = {}): Promise<void> {
    return this.call(id, async (request) => {
      checkStorableId(id, this.name);
      await this.sdk.item(id, partitionKey).delete(withIfMatch(request, options));
    });
  }

  query(spec: QuerySpec): Promise<QueryPage<T>> {
    return this.call(undefined, async (request) => {
      if (spec.limit !== undefined && (!Number.isInteger(spec.limit) || spec.limit < 1)) {
        throw new PermanentError(`query page size must be a positive whole number (got ${spec.limit})`);
      }
      const page = await readQueryPage(this.sdk.items, cosmosSelectQuery(spec), {
        limit: spec.limit,
        continuationToken: unwrapContinuation(spec.continuationToken),
        partitionKey: this.partitionScope(spec.where),
        forceQueryPlan: this.options.forceQueryPlan,
        abortSignal: request.abortSignal,
      });
      return {
        items: page.resources.map((resource) => storedFromCosmos<T>(resource)),
        continuationToken: wrapContinuation(page.continuationToken),
      };
    });
  }

  count(where?: Record<string, Scalar>): Promise<number> {
    return this.call(undefined, async (request) => {
      const { resources } = await this.sdk.items
        .query<number>(cosmosCountQuery(where), {
          forceQueryPlan: this.options.forceQueryPlan,
          partitionKey: this.partitionScope(where),
          abortSignal: request.abortSignal,
        })
        .fetchAll();
      // One number per answer; should a server ever answer per partition, the parts add up.
      return (resources ?? []).reduce((total, value) => total + (typeof value === 'number' ? value : 0), 0);
    });
  }

  /** A filter on the partition key keeps the query inside one partition: cheaper, and served whole by the gateway. */
  private partitionScope(where: Record<string, Scalar> | undefined): string | undefined {
    const value = where?.[this.partitionKeyField];
    return typeof value === 'string' ? value : undefined;
  }

  /** Runs one port call under its deadline and translates whatever the SDK throws. */
  private async call<R>(id: string | undefined, operation: (request: RequestOptions) => Promise<R>): Promise<R> {
    try {
      return await operation({ abortSignal: AbortSignal.timeout(this.options.operationTimeoutMs) });
    } catch (error) {
      throw cosmosFailure(error, id === undefined ? { container: this.name } : { container: this.name, id }, this.options.secrets);
    }
  }
}

function withIfMatch(request: RequestOptions, options: WriteOptions): RequestOptions {
  return options.ifMatch === undefined ? request : { ...request, accessCondition: { type: 'IfMatch', condition: options.ifMatch } };
}
