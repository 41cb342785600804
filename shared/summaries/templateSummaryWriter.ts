import type { SummaryFinding, SummaryRequest } from './summaryWriter';

/**
 * The deterministic summary: counts by severity, what is new, the most common kinds, where to
 * start. The same findings always give the same words, and it names nothing but rule titles,
 * counts and assets (no preview, no path), so it is safe wherever a summary goes.
 */
const severities = ['critical', 'high', 'medium', 'low'] as const;

export function templateSummary(request: SummaryRequest): string {
  const { findings } = request;
  const total = findings.length + (request.unlisted ?? 0);
  if (total === 0) return request.subject === 'pull-request' ? 'No secret found in the files this pull request changes.' : 'No new risk.';
  const sentences: string[] = [];
  if (request.subject === 'pull-request') {
    const open = findings.filter((f) => !f.triaged);
    const introduced = open.filter((f) => f.introduced);
    const before = open.filter((f) => !f.introduced);
    const parts = [
      introduced.length > 0
        ? `${plural(introduced.length, 'secret')} introduced by this pull request (${bySeverity(introduced)})`
        : undefined,
      before.length > 0 ? `${plural(before.length, 'secret')} already in the files it changes` : undefined,
    ].filter((part): part is string => part !== undefined);
    const triaged = findings.length - open.length;
    sentences.push(
      parts.length > 0 ? `Vigil finds ${parts.join(' and ')}.` : 'Every secret Vigil finds here has been triaged.',
      ...(triaged > 0 ? [`${plural(triaged, 'finding')} ${triaged === 1 ? 'was' : 'were'} triaged by a person.`] : []),
    );
  } else {
    const assets = [...new Set(findings.map((f) => f.asset).filter((a): a is string => Boolean(a)))];
    sentences.push(`${plural(total, 'new risk')} (${bySeverity(findings)})${assets.length > 0 ? ` in ${listed(assets, 3)}` : ''}.`);
  }
  const kinds = mostCommon(findings);
  if (kinds) sentences.push(`Most common: ${kinds}.`);
  if (request.unlisted) sentences.push(`${plural(request.unlisted, 'more finding')} not listed here.`);
  const worst = severities.find((s) => findings.some((f) => f.severity === s && !f.triaged));
  if (worst === 'critical' || worst === 'high') {
    sentences.push(
      request.subject === 'pull-request'
        ? `Start with the ${worst} ones: revoke and rotate them, since removing a pushed secret does not un-leak it.`
        : `Start with the ${worst} ones: revoke and rotate them.`,
    );
  }
  return sentences.join(' ');
}

function bySeverity(findings: readonly SummaryFinding[]): string {
  return severities
    .map((severity) => [severity, findings.filter((f) => f.severity === severity).length] as const)
    .filter(([, n]) => n > 0)
    .map(([severity, n]) => `${n} ${severity}`)
    .join(', ');
}

function mostCommon(findings: readonly SummaryFinding[]): string | undefined {
  const counts = new Map<string, number>();
  for (const finding of findings) counts.set(finding.title, (counts.get(finding.title) ?? 0) + 1);
  const top = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 3);
  if (top.length === 0) return undefined;
  return top.map(([title, n]) => `${title.replace(/[\r\n]+/g, ' ')}${n > 1 ? ` (${n})` : ''}`).join(', ');
}

function listed(items: readonly string[], max: number): string {
  const shown = items.slice(0, max).join(', ');
  return items.length > max ? `${shown} and ${items.length - max} more` : shown;
}

function plural(n: number, one: string): string {
  return `${n} ${n === 1 ? one : `${one}s`}`;
}
