import type { WorkItemsClient, WorkItemTypeField, WorkItemTypeState } from '../devops';
import type { OrganizationSettings } from '../organizations';

/**
 * Work item states by state category (docs/work-items.md, "States"). Azure DevOps puts every
 * workflow state of every process in one of five categories; Vigil reads a type's states once per
 * process and picks by category, never by name, so Agile, Scrum, CMMI, Basic and inherited
 * processes all work. `stateMapping` overrides the choice for a category.
 */
export const stateCategories = ['Proposed', 'InProgress', 'Resolved', 'Completed', 'Removed'] as const;
export type StateCategory = (typeof stateCategories)[number];

export interface WorkItemTypeInfo {
  project: string;
  type: string;
  states: Array<{ name: string; category: StateCategory }>;
  fields: Map<string, WorkItemTypeField>;
}

export function categoryOf(info: WorkItemTypeInfo, state: string | undefined): StateCategory | undefined {
  if (state === undefined) return undefined;
  return info.states.find((s) => s.name.toLowerCase() === state.toLowerCase())?.category;
}

export function hasCategory(info: WorkItemTypeInfo, category: StateCategory): boolean {
  return info.states.some((s) => s.category === category);
}

/**
 * The state to move to for the first of `categories` the type has: the override for it when the
 * type has that state, else the type's first state in it. Undefined when the type has none of them.
 */
export function chooseState(
  info: WorkItemTypeInfo,
  categories: readonly StateCategory[],
  mapping: OrganizationSettings['workItems']['stateMapping'],
): string | undefined {
  for (const category of categories) {
    const override = mapping[category];
    const named = override ? info.states.find((s) => s.name.toLowerCase() === override.toLowerCase()) : undefined;
    if (named) return named.name;
    const first = info.states.find((s) => s.category === category);
    if (first) return first.name;
  }
  return undefined;
}

function asCategory(text: string): StateCategory | undefined {
  return stateCategories.find((c) => c.toLowerCase() === text.toLowerCase());
}

const typeInfoTtlMs = 3_600_000;

/**
 * Type metadata and Vigil's own identity, read once per process per organization (an hour at
 * most): a thousand new risks cost one read of the type's states and one of its fields, not a
 * thousand. A failed read is not kept.
 */
export class WorkItemMetadataCache {
  private readonly types = new Map<string, { at: number; info: Promise<WorkItemTypeInfo> }>();
  private readonly identities = new Map<string, { at: number; identity: Promise<{ id: string; displayName: string }> }>();

  typeInfo(
    organizationKey: string,
    client: Pick<WorkItemsClient, 'getTypeStates' | 'getTypeFields'>,
    project: string,
    type: string,
    now: number,
  ): Promise<WorkItemTypeInfo> {
    const key = `${organizationKey}\u0000${project.toLowerCase()}\u0000${type.toLowerCase()}`;
    const cached = this.types.get(key);
    if (cached && now - cached.at < typeInfoTtlMs) return cached.info;
    const info = Promise.all([client.getTypeStates(project, type), client.getTypeFields(project, type)]).then(([states, fields]) => ({
      project,
      type,
      states: states.flatMap((s: WorkItemTypeState) => {
        const category = asCategory(s.category);
        return category ? [{ name: s.name, category }] : [];
      }),
      fields: new Map(fields.map((f) => [f.referenceName.toLowerCase(), f])),
    }));
    info.catch(() => this.types.delete(key));
    this.types.set(key, { at: now, info });
    return info;
  }

  identity(
    organizationKey: string,
    read: () => Promise<{ id: string; displayName: string }>,
    now: number,
  ): Promise<{ id: string; displayName: string }> {
    const cached = this.identities.get(organizationKey);
    if (cached && now - cached.at < typeInfoTtlMs) return cached.identity;
    const identity = read();
    identity.catch(() => this.identities.delete(organizationKey));
    this.identities.set(organizationKey, { at: now, identity });
    return identity;
  }

  private readonly projects = new Map<string, { at: number; names: Promise<Map<string, string>> }>();

  /** Project names by id (one listing per process per organization), for routing rules written with names. */
  projectNames(organizationKey: string, list: () => Promise<Map<string, string>>, now: number): Promise<Map<string, string>> {
    const cached = this.projects.get(organizationKey);
    if (cached && now - cached.at < typeInfoTtlMs) return cached.names;
    const names = list();
    names.catch(() => this.projects.delete(organizationKey));
    this.projects.set(organizationKey, { at: now, names });
    return names;
  }

  /** Forget everything (a benchmark measuring a cold process). */
  clear(): void {
    this.types.clear();
    this.identities.clear();
    this.projects.clear();
  }

  /** Forget an organization's metadata (its settings changed, or a type was not what it seemed). */
  forget(organizationKey: string): void {
    for (const key of this.types.keys()) if (key.startsWith(`${organizationKey}\u0000`)) this.types.delete(key);
    this.identities.delete(organizationKey);
    this.projects.delete(organizationKey);
  }
}

/** The process's cache. */
export const workItemMetadata = new WorkItemMetadataCache();
