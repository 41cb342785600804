import type { z } from 'zod';
import { UnidentifiedEventError } from '../unidentifiedEvent';
import { organizationFromUrl, readAzureDevOpsUrls, type UrlIdName } from './azureDevOpsUrls';
import type { Extracted } from './sourceAdapter';

/** An object of the payload whose `url` and `_links` may name ids. */
export interface LinkedObject {
  url?: string;
  _links?: Record<string, { href?: string } | undefined>;
}

interface Containers {
  account?: { id?: string; baseUrl?: string };
  collection?: { id?: string; baseUrl?: string };
  project?: { id?: string };
}

/** What one event type needs, read from its payload's typed fields. */
export interface EventIds {
  /** The envelope's subject from typed fields; undefined where the payload has none. */
  subject: Record<string, string | number | undefined>;
  /** Subject keys the handler cannot do without. */
  required: string[];
  /** The project from the resource's own typed fields (wins over `resourceContainers.project`). */
  project?: string;
  /** The handler re-fetches by project: without one the event is parked here, where its shape is seen. */
  projectRequired?: boolean;
  /** Objects whose `url` and `_links` are read, in order: the first URL that names a thing wins. */
  urls: Array<LinkedObject | undefined>;
  /** Subject keys to fill from the URLs when the typed field is missing, and the URL ids that may fill each. */
  fromUrls?: Record<string, UrlIdName[]>;
}

/**
 * Builds an Azure DevOps extractor: typed fields first, then the URLs of the one table in
 * azureDevOpsUrls.ts; the organization and project from `resourceContainers` or those URLs.
 * Throws UnidentifiedEventError naming what is still missing (the webhook parks the delivery).
 */
export function extractIds<S extends z.ZodType<{ resourceContainers?: Containers; resource?: unknown }>>(
  schema: S,
  read: (resource: NonNullable<z.infer<S>['resource']> | undefined) => EventIds,
): (payload: Record<string, unknown>) => Extracted {
  return (payload) => {
    // Every field of these schemas is lenient, so parsing only fails on a payload that is not an object.
    const parsed = schema.safeParse(payload);
    const data: { resourceContainers?: Containers; resource?: unknown } = parsed.success ? parsed.data : {};
    const ids = read(data.resource as NonNullable<z.infer<S>['resource']> | undefined);
    const containers = data.resourceContainers;
    const typedProject = ids.project ?? containers?.project?.id;
    const namedByBaseUrl = organizationFromUrl(containers?.account?.baseUrl) ?? organizationFromUrl(containers?.collection?.baseUrl);
    // What the URLs are read for: ids missing from typed fields, the organization's name, the project.
    const wanted = Object.entries(ids.fromUrls ?? {}).filter(([key]) => ids.subject[key] === undefined);
    const urls = readAzureDevOpsUrls(
      ids.urls.flatMap(urlsOf),
      (reading) =>
        wanted.every(([, names]) => names.some((name) => reading.ids[name] !== undefined)) &&
        (namedByBaseUrl !== undefined || reading.organization !== undefined) &&
        (typedProject !== undefined || reading.project !== undefined),
    );
    const subject: Record<string, string | number> = {};
    for (const [key, value] of Object.entries(ids.subject)) {
      const found = value ?? ids.fromUrls?.[key]?.map((name) => urls.ids[name]).find((v) => v !== undefined);
      if (found !== undefined) subject[key] = found;
    }
    // By name when a URL tells it (typed base URLs first), else the account id.
    const organization = namedByBaseUrl ?? urls.organization ?? containers?.account?.id;
    const project = typedProject ?? urls.project;

    const missing = ids.required.filter((key) => subject[key] === undefined);
    if (!organization) missing.push('organization');
    if (ids.projectRequired && !project) missing.push('project');
    if (missing.length > 0) throw new UnidentifiedEventError(typeOf(payload), missing);
    return project ? { organization: organization as string, project, subject } : { organization: organization as string, subject };
  };
}

function urlsOf(object: LinkedObject | undefined): Array<string | undefined> {
  if (!object) return [];
  return [object.url, ...Object.values(object._links ?? {}).map((link) => link?.href)];
}

function typeOf(payload: Record<string, unknown>): string {
  return typeof payload.eventType === 'string' ? payload.eventType : 'event';
}
