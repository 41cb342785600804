import { createHash } from 'node:crypto';
import type { OrganizationSettings, WorkItemRoute } from '../organizations';
import type { Risk, RiskSeverity } from '../risks';
import { defaultAcceptanceDays } from '../risks';

/**
 * An organization's work-item settings with every default filled in (docs/work-items.md,
 * "Settings"): the stored document keeps only what an operator set.
 */
export interface EffectiveWorkItemSettings {
  enabled: boolean;
  project?: string;
  workItemType: string;
  areaPath?: string;
  iterationPath?: string;
  routes: WorkItemRoute[];
  minimumSeverity: RiskSeverity;
  grouping: 'risk' | 'repository-rule';
  stateMapping: OrganizationSettings['workItems']['stateMapping'];
  falsePositiveReasons: string[];
  acceptDays: number;
}

export const defaultFalsePositiveReasons = ['False Positive'];

export function effectiveWorkItemSettings(settings: OrganizationSettings): EffectiveWorkItemSettings {
  const w = settings.workItems;
  return {
    enabled: w.enabled === true,
    ...(w.project ? { project: w.project } : {}),
    workItemType: w.workItemType,
    ...(w.areaPath ? { areaPath: w.areaPath } : {}),
    ...(w.iterationPath ? { iterationPath: w.iterationPath } : {}),
    routes: w.routes ?? [],
    minimumSeverity: w.minimumSeverity ?? 'low',
    grouping: w.grouping ?? 'risk',
    stateMapping: w.stateMapping,
    falsePositiveReasons: w.falsePositiveReasons ?? defaultFalsePositiveReasons,
    acceptDays: w.acceptDays ?? defaultAcceptanceDays,
  };
}

/**
 * A digest of everything a configuration failure can come from (the work-item settings and how
 * Azure DevOps is reached): when it changes, a failing sync is tried again.
 */
export function settingsDigest(settings: OrganizationSettings): string {
  return createHash('sha256')
    .update(JSON.stringify({ workItems: settings.workItems, azureDevOps: settings.azureDevOps ?? null }))
    .digest('hex')
    .slice(0, 32);
}

const severityRank: Record<RiskSeverity, number> = { critical: 4, high: 3, medium: 2, low: 1 };

export function meetsMinimum(severity: RiskSeverity, minimum: RiskSeverity): boolean {
  return severityRank[severity] >= severityRank[minimum];
}

export function worstSeverity(severities: readonly RiskSeverity[]): RiskSeverity {
  return severities.reduce<RiskSeverity>((worst, s) => (severityRank[s] > severityRank[worst] ? s : worst), 'low');
}

/** The area and iteration paths for a work item about an asset in a project: the first route that matches, else the defaults. */
export function routeFor(
  settings: EffectiveWorkItemSettings,
  where: { project?: string; repository?: string },
): { areaPath?: string; iterationPath?: string } {
  const route = settings.routes.find(
    (r) =>
      (r.project === undefined || matchesGlob(r.project, where.project)) &&
      (r.repository === undefined || matchesGlob(r.repository, where.repository)),
  );
  const areaPath = route?.areaPath ?? settings.areaPath;
  const iterationPath = route?.iterationPath ?? settings.iterationPath;
  return { ...(areaPath ? { areaPath } : {}), ...(iterationPath ? { iterationPath } : {}) };
}

/** `*` any run of characters, `?` one, case-insensitive, the whole name. */
export function matchesGlob(pattern: string, name: string | undefined): boolean {
  if (name === undefined) return false;
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 'i').test(name);
}

/** The repository a risk's asset names, for routing: `project/repository` risks give `repository`. */
export function repositoryNameOf(risk: Pick<Risk, 'asset'>): string | undefined {
  if (risk.asset.type !== 'repository') return undefined;
  const slash = risk.asset.name.lastIndexOf('/');
  return slash >= 0 ? risk.asset.name.slice(slash + 1) : risk.asset.name;
}
