import type { RiskStore } from '../risks';
import { type Risk, type RiskSeverity, type RiskStatus, type RiskTriage, statusChangedAt } from '../risks';
import type { LinkSubject } from './workItemLink';
import { worstSeverity } from './workItemSettings';

/**
 * What a work item is about: one risk, or every risk of one rule in one repository (grouping
 * `repository-rule`). A group is open while any member is open (as DefectDojo's finding groups):
 * resolved only when none is open.
 */
export interface WorkItemSubject {
  kind: LinkSubject['kind'];
  organization: string;
  /** The members, most recently seen first. */
  risks: Risk[];
  /** The risk that names the work item: the one risk, or the group's most recently seen. */
  primary: Risk;
  status: RiskStatus;
  severity: RiskSeverity;
  occurrences: number;
  /** When the status last changed (the latest member's change). */
  changedAt: string;
  /** The latest status change of any member. */
  latestChange?: RiskTriage;
}

export async function loadSubject(risks: RiskStore, organization: string, subject: LinkSubject): Promise<WorkItemSubject | undefined> {
  if (subject.kind === 'risk') {
    const risk = await risks.get(organization, subject.riskId);
    return risk ? subjectOf('risk', [risk]) : undefined;
  }
  const members = await risks.list({ organization, assetId: subject.assetId, ruleId: subject.ruleId });
  return members.length > 0 ? subjectOf('group', members) : undefined;
}

const statusOrder: RiskStatus[] = ['open', 'resolved', 'accepted', 'false-positive'];

export function subjectOf(kind: LinkSubject['kind'], members: Risk[]): WorkItemSubject {
  const sorted = [...members].sort((a, b) => b.lastSeenAt.localeCompare(a.lastSeenAt) || a.id.localeCompare(b.id));
  const status = statusOrder.find((s) => sorted.some((r) => r.status === s)) ?? 'open';
  const changes = sorted.flatMap((r) => (r.triage ? [r.triage] : [])).sort((a, b) => a.at.localeCompare(b.at));
  return {
    kind,
    organization: sorted[0].organization,
    risks: sorted,
    primary: sorted[0],
    status,
    severity: worstSeverity(sorted.map((r) => r.severity)),
    occurrences: sorted.reduce((sum, r) => sum + r.occurrences, 0),
    changedAt:
      sorted
        .map((r) => statusChangedAt(r))
        .sort()
        .at(-1) ?? sorted[0].firstSeenAt,
    ...(changes.length ? { latestChange: changes[changes.length - 1] } : {}),
  };
}

/** The occurrence counts at which a work item is updated again (no comment per build). */
export const occurrenceMarks = [10, 100, 1000] as const;

export function occurrenceMark(occurrences: number): number {
  return [...occurrenceMarks].reverse().find((mark) => occurrences >= mark) ?? 0;
}
