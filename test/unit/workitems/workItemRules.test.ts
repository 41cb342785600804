import { describe, expect, it } from 'vitest';
import type { OrganizationSettings } from '../../../shared/organizations/organizationSettings';
import type { Risk } from '../../../shared/risks/risk';
import { OrganizationLimiter } from '../../../shared/workitems/organizationLimiter';
import { creationOperations, descriptionFor, severityOperations, vigilTags } from '../../../shared/workitems/workItemContent';
import { effectiveWorkItemSettings, matchesGlob, routeFor, settingsDigest } from '../../../shared/workitems/workItemSettings';
import { chooseState, type WorkItemTypeInfo } from '../../../shared/workitems/workItemStates';
import { occurrenceMark, subjectOf } from '../../../shared/workitems/workItemSubject';
import { statusOfCategory } from '../../../shared/workitems/workItemSync';

/** The sync's rules that need no server: settings defaults and routing, content, state choice, marks. */
const settings = (workItems: Partial<OrganizationSettings['workItems']> = {}): OrganizationSettings => ({
  id: 'contoso',
  organization: 'contoso',
  alertChannels: [],
  workItems: { workItemType: 'Issue', stateMapping: {}, ...workItems },
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
});

const risk = (overrides: Partial<Risk> = {}): Risk => ({
  id: 'r1',
  organization: 'contoso',
  kind: 'leaked-secret',
  ruleId: 'github-pat',
  title: 'GitHub <token>',
  severity: 'high',
  status: 'open',
  asset: { id: 'repository:1', name: 'Web/api; legacy', type: 'repository' },
  fingerprint: 'fp',
  verified: false,
  occurrences: 1,
  firstSeenAt: '2026-01-01T00:00:00Z',
  lastSeenAt: '2026-01-01T00:00:00Z',
  evidence: { location: 'src/<a>.ts:3', redacted: 'ghp_****"x"', url: 'javascript:alert(1)' },
  remediation: 'Revoke & rotate.',
  recentSightings: [],
  ...overrides,
});

const type = (
  states: Array<[string, WorkItemTypeInfo['states'][number]['category']]>,
  fields: Array<{ referenceName: string; allowedValues?: string[] }> = [],
): WorkItemTypeInfo => ({
  project: 'Web',
  type: 'T',
  states: states.map(([name, category]) => ({ name, category })),
  fields: new Map(
    fields.map((f) => [
      f.referenceName.toLowerCase(),
      { name: f.referenceName, alwaysRequired: false, allowedValues: f.allowedValues ?? [], referenceName: f.referenceName },
    ]),
  ),
});

describe('work-item settings', () => {
  it('reads absent settings as the defaults: off, per risk, every severity, 90 days, "False Positive"', () => {
    expect(effectiveWorkItemSettings(settings())).toEqual({
      enabled: false,
      workItemType: 'Issue',
      routes: [],
      minimumSeverity: 'low',
      grouping: 'risk',
      stateMapping: {},
      falsePositiveReasons: ['False Positive'],
      acceptDays: 90,
    });
  });

  it('routes by the first rule whose patterns match, else the defaults', () => {
    const effective = effectiveWorkItemSettings(
      settings({
        areaPath: 'Web',
        routes: [
          { repository: 'pay*', areaPath: 'Web\\Payments' },
          { project: 'Ops', iterationPath: 'Ops\\Now' },
        ],
      }),
    );
    expect(routeFor(effective, { project: 'Web', repository: 'Payments-API' })).toEqual({ areaPath: 'Web\\Payments' });
    expect(routeFor(effective, { project: 'ops', repository: 'x' })).toEqual({ areaPath: 'Web', iterationPath: 'Ops\\Now' });
    expect(routeFor(effective, { project: 'Web' })).toEqual({ areaPath: 'Web' });
    expect(matchesGlob('a?c.*', 'abc.ts')).toBe(true);
    expect(matchesGlob('a?c.*', 'abcts')).toBe(false);
  });

  it('changes its digest when the work-item settings or the way to Azure DevOps change, not when alert channels do', () => {
    const base = settingsDigest(settings());
    expect(settingsDigest(settings({ workItemType: 'Bug' }))).not.toBe(base);
    expect(settingsDigest({ ...settings(), alertChannels: [{ type: 'teams', urlSecret: 'x' }] })).toBe(base);
  });
});

describe('what a work item says', () => {
  it('escapes every text from a scan and links only http(s) evidence', () => {
    const html = descriptionFor(subjectOf('risk', [risk()]), '2026-01-02T00:00:00Z');
    expect(html).toContain('GitHub &lt;token&gt;');
    expect(html).toContain('<code>ghp_****&quot;x&quot;</code>');
    expect(html).toContain('src/&lt;a&gt;.ts:3');
    expect(html).not.toContain('javascript:');
    expect(html).toContain('Revoke &amp; rotate.');
  });

  it("tags with Vigil's own tags, without Azure DevOps' separators", () => {
    expect(vigilTags(subjectOf('risk', [risk()]), 'vigil-risk-0123456789abcdef')).toEqual([
      'vigil',
      'vigil-risk-0123456789abcdef',
      'severity-high',
      'github-pat',
      'Web/api- legacy',
    ]);
  });

  it('maps severity onto the fields the type has, by their allowed values', () => {
    expect(severityOperations(type([]), 'critical', 'add')).toEqual([]);
    expect(
      severityOperations(
        type(
          [],
          [
            { referenceName: 'Microsoft.VSTS.Common.Priority' },
            { referenceName: 'Microsoft.VSTS.Common.Severity', allowedValues: ['1 - Critical', '2 - High', '3 - Medium', '4 - Low'] },
          ],
        ),
        'medium',
        'add',
      ),
    ).toEqual([
      { op: 'add', path: '/fields/Microsoft.VSTS.Common.Priority', value: 3 },
      { op: 'add', path: '/fields/Microsoft.VSTS.Common.Severity', value: '3 - Medium' },
    ]);
    expect(
      severityOperations(
        type([], [{ referenceName: 'Microsoft.VSTS.Common.Severity', allowedValues: ['Sev-High', 'Sev-Low'] }]),
        'high',
        'replace',
      ),
    ).toEqual([{ op: 'replace', path: '/fields/Microsoft.VSTS.Common.Severity', value: 'Sev-High' }]);
  });

  it('adds no Hyperlink for evidence that is not an http(s) URL', () => {
    const operations = creationOperations(type([['New', 'Proposed']]), subjectOf('risk', [risk()]), {
      marker: 'vigil-risk-x',
      now: '2026-01-02T00:00:00Z',
    });
    expect(operations.some((o) => o.path === '/relations/-')).toBe(false);
  });
});

describe('states, statuses and marks', () => {
  const agileBug = type([
    ['New', 'Proposed'],
    ['Active', 'InProgress'],
    ['Resolved', 'Resolved'],
    ['Closed', 'Completed'],
  ]);
  it('chooses the first state of the first category the type has, or the mapped one', () => {
    expect(chooseState(agileBug, ['Removed', 'Completed'], {})).toBe('Closed');
    expect(chooseState(agileBug, ['Resolved', 'Completed'], { Resolved: 'Closed' })).toBe('Closed');
    expect(chooseState(agileBug, ['Resolved', 'Completed'], { Resolved: 'Nope' })).toBe('Resolved');
    expect(chooseState(type([['Doing', 'InProgress']]), ['Proposed'], {})).toBeUndefined();
  });

  it('reads a category as a risk status, Removed by its reason', () => {
    const s = { falsePositiveReasons: ['False Positive'] };
    expect(statusOfCategory('InProgress', s, undefined)).toBe('open');
    expect(statusOfCategory('Completed', s, undefined)).toBe('resolved');
    expect(statusOfCategory('Removed', s, 'false positive')).toBe('false-positive');
    expect(statusOfCategory('Removed', s, 'Removed from the backlog')).toBe('accepted');
  });

  it('updates again only at 10, 100 and 1000 occurrences', () => {
    expect([1, 9, 10, 99, 100, 999, 1000, 5000].map(occurrenceMark)).toEqual([0, 0, 10, 10, 100, 100, 1000, 1000]);
  });

  it('makes a group open while any member is, of the worst severity', () => {
    const group = subjectOf('group', [
      risk({ id: 'a', status: 'resolved', severity: 'low' }),
      risk({ id: 'b', status: 'open', severity: 'critical' }),
    ]);
    expect(group).toMatchObject({ status: 'open', severity: 'critical', occurrences: 2 });
  });
});

describe('the per-organization limit', () => {
  it('runs at most the limit at once per organization, and others freely', async () => {
    const limiter = new OrganizationLimiter(2);
    let running = 0;
    let most = 0;
    const release: Array<() => void> = [];
    const job = () =>
      limiter.run('contoso', async () => {
        most = Math.max(most, ++running);
        await new Promise<void>((resolve) => release.push(resolve));
        running--;
      });
    const jobs = [job(), job(), job(), job(), job()];
    const other = limiter.run('fabrikam', async () => 'not waiting');
    expect(await other).toBe('not waiting');
    while (release.length > 0 || running > 0) {
      await new Promise((resolve) => setImmediate(resolve));
      release.shift()?.();
    }
    await Promise.all(jobs);
    expect(most).toBe(2);
  });
});
