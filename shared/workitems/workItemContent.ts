import type { JsonPatchOperation } from '../devops';
import type { Risk, RiskKind, RiskSeverity } from '../risks';
import type { WorkItemTypeInfo } from './workItemStates';
import type { WorkItemSubject } from './workItemSubject';

/**
 * What a work item says about its risk (docs/work-items.md, "What a work item holds"): a title
 * naming the kind and the asset; an HTML description with what was found and where (a link to the
 * log line or file), the redacted preview — never the secret, which Vigil never has — what to do
 * and the risk id; severity and priority on the fields the type actually has (a field the process
 * lacks is left out, not an error); Vigil's tags; a Hyperlink to the evidence. Every text that
 * came from a scan is HTML-escaped.
 */
export const vigilTag = 'vigil';
const maxTitle = 255;
const listedMembers = 20;

const priorityField = 'Microsoft.VSTS.Common.Priority';
const severityField = 'Microsoft.VSTS.Common.Severity';
const descriptionField = 'System.Description';
/** Bugs show Repro Steps where other types show the Description. */
const reproStepsField = 'Microsoft.VSTS.TCM.ReproSteps';

const priorities: Record<RiskSeverity, number> = { critical: 1, high: 2, medium: 3, low: 4 };
const severityWords: Record<RiskSeverity, string> = { critical: 'Critical', high: 'High', medium: 'Medium', low: 'Low' };

/** The fields Vigil fills: a required field outside this list with no default makes the type unusable for Vigil. */
export const fieldsVigilSets = [
  'System.Title',
  'System.Description',
  'System.Tags',
  'System.AreaPath',
  'System.IterationPath',
  priorityField,
  severityField,
  reproStepsField,
];

/** What a work item calls a risk of each kind: one, and a group of them. */
const kindNames: Record<RiskKind, { one: string; many: string; found: string; foundMany: string }> = {
  'leaked-secret': { one: 'Leaked secret', many: 'Leaked secrets', found: 'a leaked secret', foundMany: 'leaked secret(s)' },
  'service-connection': {
    one: 'Risky service connection',
    many: 'Risky service connection settings',
    found: 'a risky service connection setting',
    foundMany: 'risky setting(s)',
  },
  'code-finding': { one: 'Code finding', many: 'Code findings', found: 'a code finding', foundMany: 'code finding(s)' },
  'dependency-vulnerability': {
    one: 'Vulnerable dependency',
    many: 'Vulnerable dependencies',
    found: 'a vulnerable dependency',
    foundMany: 'vulnerable dependencies',
  },
};

export function titleFor(subject: WorkItemSubject): string {
  const risk = subject.primary;
  const names = kindNames[risk.kind];
  const title =
    subject.kind === 'group' ? `${names.many} (${risk.ruleId}) in ${risk.asset.name}` : `${names.one}: ${risk.title} in ${risk.asset.name}`;
  return title.length > maxTitle ? `${title.slice(0, maxTitle - 1)}…` : title;
}

/** Vigil's own tags on a work item: `vigil`, the marker, `severity-<x>`, the rule, the asset, and the advisory ids (CVE, GHSA) of its risks. */
export function vigilTags(subject: WorkItemSubject, marker: string): string[] {
  const advisories = [...new Set(subject.risks.flatMap((risk) => risk.tags ?? []))].sort().slice(0, 20).map(tag);
  const base = [vigilTag, marker, severityTag(subject.severity), tag(subject.primary.ruleId), tag(subject.primary.asset.name)];
  return [...base, ...advisories.filter((advisory) => !base.includes(advisory))];
}

export function severityTag(severity: RiskSeverity): string {
  return `severity-${severity}`;
}

/** Tags hold no `;` or `,` (Azure DevOps' separators) and at most 400 characters. */
function tag(text: string): string {
  return text.replace(/[;,]/g, '-').trim().slice(0, 400) || 'unnamed';
}

export function descriptionFor(subject: WorkItemSubject, now: string): string {
  const risk = subject.primary;
  const parts: string[] = [];
  if (subject.kind === 'risk') {
    parts.push(
      `<p><b>Vigil found ${kindNames[risk.kind].found}:</b> ${escapeHtml(risk.title)} in <b>${escapeHtml(risk.asset.name)}</b> (${escapeHtml(risk.asset.type)}).</p>`,
    );
    parts.push('<ul>');
    parts.push(`<li>Where: ${where(risk)}</li>`);
    parts.push(
      `<li>Found: <code>${escapeHtml(risk.evidence.redacted)}</code> (rule <code>${escapeHtml(risk.ruleId)}</code>, severity ${escapeHtml(risk.severity)}${risk.verified ? ', checksum verified: a real token of that format' : ''})</li>`,
    );
    parts.push(
      `<li>Seen: ${risk.occurrences} time(s), first ${escapeHtml(risk.firstSeenAt)}, last ${escapeHtml(risk.lastSeenAt)} (as of ${escapeHtml(now)})</li>`,
    );
    parts.push('</ul>');
    parts.push(`<p><b>What to do:</b> ${escapeHtml(risk.remediation)}</p>`);
  } else {
    parts.push(
      `<p><b>Vigil found ${subject.risks.length} ${kindNames[risk.kind].foundMany}</b> of rule <code>${escapeHtml(risk.ruleId)}</code> in <b>${escapeHtml(risk.asset.name)}</b> (${escapeHtml(risk.asset.type)}), seen ${subject.occurrences} time(s) in all (as of ${escapeHtml(now)}).</p>`,
    );
    parts.push('<ul>');
    for (const member of subject.risks.slice(0, listedMembers)) {
      parts.push(
        `<li><code>${escapeHtml(member.evidence.redacted)}</code> ${escapeHtml(member.severity)}, ${escapeHtml(member.status)}, seen ${member.occurrences} time(s), last at ${where(member)} (risk <code>${escapeHtml(member.id)}</code>)</li>`,
      );
    }
    if (subject.risks.length > listedMembers)
      parts.push(
        `<li>…and ${subject.risks.length - listedMembers} more: vigil risks list --org ${escapeHtml(subject.organization)} --asset ${escapeHtml(risk.asset.id)}</li>`,
      );
    parts.push('</ul>');
    parts.push(`<p><b>What to do:</b> ${escapeHtml(risk.remediation)}</p>`);
  }
  const ids =
    subject.kind === 'risk'
      ? `Vigil risk <code>${escapeHtml(risk.id)}</code>`
      : `Vigil risks of rule <code>${escapeHtml(risk.ruleId)}</code> in asset <code>${escapeHtml(risk.asset.id)}</code>`;
  parts.push(
    `<p><i>${ids}, organization ${escapeHtml(subject.organization)}. Closing this work item resolves the risk; moving it to Removed accepts it, or marks it a false positive with that reason; ` +
      'moving it back reopens it. Keep the <code>vigil-risk-…</code> tag: it is how Vigil finds this work item again.</i></p>',
  );
  return parts.join('\n');
}

function where(risk: Risk): string {
  const url = safeUrl(risk.evidence.url);
  return url ? `<a href="${escapeHtml(url)}">${escapeHtml(risk.evidence.location)}</a>` : escapeHtml(risk.evidence.location);
}

/** Only http(s) links go into a work item. */
export function safeUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.toString() : undefined;
  } catch {
    return undefined;
  }
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

export function has(info: WorkItemTypeInfo, field: string): boolean {
  return info.fields.has(field.toLowerCase());
}

/** Severity and priority on the fields the type has: Priority 1–4; Severity the allowed value for the level (`2 - High`). */
export function severityOperations(info: WorkItemTypeInfo, severity: RiskSeverity, op: 'add' | 'replace'): JsonPatchOperation[] {
  const operations: JsonPatchOperation[] = [];
  if (has(info, priorityField)) operations.push({ op, path: `/fields/${priorityField}`, value: priorities[severity] });
  const severityDefinition = info.fields.get(severityField.toLowerCase());
  if (severityDefinition) {
    const allowed = severityDefinition.allowedValues;
    const value =
      allowed.find((v) => v.startsWith(`${priorities[severity]} `) || v.startsWith(`${priorities[severity]}-`)) ??
      allowed.find((v) => v.toLowerCase().includes(severityWords[severity].toLowerCase())) ??
      (allowed.length === 0 ? `${priorities[severity]} - ${severityWords[severity]}` : undefined);
    if (value !== undefined) operations.push({ op, path: `/fields/${severityField}`, value });
  }
  return operations;
}

/** The description on the fields the type shows it in. */
export function descriptionOperations(info: WorkItemTypeInfo, html: string, op: 'add' | 'replace'): JsonPatchOperation[] {
  return [descriptionField, reproStepsField]
    .filter((field) => has(info, field))
    .map((field) => ({ op, path: `/fields/${field}`, value: html }));
}

/** The JSON Patch that creates a work item for the subject. */
export function creationOperations(
  info: WorkItemTypeInfo,
  subject: WorkItemSubject,
  options: { marker: string; areaPath?: string; iterationPath?: string; now: string },
): JsonPatchOperation[] {
  const evidence = safeUrl(subject.primary.evidence.url);
  return [
    { op: 'add', path: '/fields/System.Title', value: titleFor(subject) },
    ...descriptionOperations(info, descriptionFor(subject, options.now), 'add'),
    // On a new work item nobody else's tags exist yet; later changes add and remove only Vigil's own.
    { op: 'add', path: '/fields/System.Tags', value: vigilTags(subject, options.marker).join('; ') },
    ...severityOperations(info, subject.severity, 'add'),
    ...(options.areaPath ? [{ op: 'add' as const, path: '/fields/System.AreaPath', value: options.areaPath }] : []),
    ...(options.iterationPath ? [{ op: 'add' as const, path: '/fields/System.IterationPath', value: options.iterationPath }] : []),
    ...(evidence
      ? [
          {
            op: 'add' as const,
            path: '/relations/-',
            value: {
              rel: 'Hyperlink',
              url: evidence,
              attributes: { comment: `Vigil evidence: ${subject.primary.evidence.location}`.slice(0, 256) },
            },
          },
        ]
      : []),
  ];
}

/** Required fields of the type Vigil would leave empty (no default): the type cannot take Vigil's work items. */
export function missingRequiredFields(info: WorkItemTypeInfo): Array<{ referenceName: string; name: string }> {
  const filled = new Set(fieldsVigilSets.map((f) => f.toLowerCase()));
  return [...info.fields.values()].filter(
    (f) =>
      f.alwaysRequired &&
      f.defaultValue === undefined &&
      !filled.has(f.referenceName.toLowerCase()) &&
      !f.referenceName.startsWith('System.'),
  );
}
