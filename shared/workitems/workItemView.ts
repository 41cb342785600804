import type { WorkItem } from '../devops';
import type { WorkItemLink } from './workItemLink';

/**
 * The few things the sync reads off a work item: where it is, its state, its tags, and who
 * changed it last and when. Azure DevOps keeps tags as one `; `-separated field.
 */
export interface WorkItemView {
  id: number;
  rev: number;
  project: string;
  type: string;
  state: string;
  reason?: string;
  tags: string[];
  changedById?: string;
  changedByName?: string;
  changedAt?: string;
  url?: string;
}

/** The fields a batch read asks for. */
export const viewFields = [
  'System.Id',
  'System.Rev',
  'System.TeamProject',
  'System.WorkItemType',
  'System.State',
  'System.Reason',
  'System.Tags',
  'System.ChangedBy',
  'System.ChangedDate',
];

export function viewOf(item: WorkItem, fallbackProject = ''): WorkItemView {
  const f = item.fields;
  const changedBy = identityOf(f['System.ChangedBy']);
  return {
    id: item.id,
    rev: item.rev ?? Number(f['System.Rev'] ?? 0),
    project: text(f['System.TeamProject']) ?? fallbackProject,
    type: text(f['System.WorkItemType']) ?? '',
    state: text(f['System.State']) ?? '',
    ...(text(f['System.Reason']) ? { reason: text(f['System.Reason']) } : {}),
    tags: splitTags(f['System.Tags']),
    ...(changedBy.id ? { changedById: changedBy.id } : {}),
    ...(changedBy.name ? { changedByName: changedBy.name } : {}),
    ...(text(f['System.ChangedDate']) ? { changedAt: text(f['System.ChangedDate']) } : {}),
    ...(item._links?.html?.href ? { url: item._links.html.href } : {}),
  };
}

/** The work item as the link remembers it after Vigil's last write or read (a write tests `/rev` against it). */
export function rememberedView(link: WorkItemLink): WorkItemView | undefined {
  if (link.workItemId === undefined || link.rev === undefined || link.state === undefined || link.type === undefined) return undefined;
  return { id: link.workItemId, rev: link.rev, project: link.project, type: link.type, state: link.state, tags: link.tags ?? [] };
}

export function splitTags(value: unknown): string[] {
  return typeof value === 'string'
    ? value
        .split(';')
        .map((t) => t.trim())
        .filter(Boolean)
    : [];
}

export function joinTags(tags: readonly string[]): string {
  const seen = new Set<string>();
  return tags.filter((t) => !seen.has(t.toLowerCase()) && seen.add(t.toLowerCase())).join('; ');
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** An identity field: an IdentityRef object in REST answers, `Name <unique name>` in some others. */
function identityOf(value: unknown): { id?: string; name?: string } {
  if (typeof value === 'object' && value !== null) {
    const ref = value as { id?: unknown; displayName?: unknown };
    return {
      ...(typeof ref.id === 'string' ? { id: ref.id } : {}),
      ...(typeof ref.displayName === 'string' ? { name: ref.displayName } : {}),
    };
  }
  if (typeof value === 'string') return { name: value.replace(/\s*<[^>]*>\s*$/, '') };
  return {};
}
