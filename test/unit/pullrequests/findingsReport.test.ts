import { describe, expect, it } from 'vitest';
import { PullRequestSettingsSchema } from '../../../shared/organizations/organizationSettings';
import { summaryText } from '../../../shared/pullrequests/publishing/feedbackText';
import { annotationsOf, findingsReport } from '../../../shared/pullrequests/publishing/findingsReport';
import type { RepositoryFindingSummary, RepositoryScanRecord } from '../../../shared/repositories/contentScan/repositoryScanRecord';

const fingerprint = (n: number) => n.toString(16).padStart(64, 'a');
function finding(n: number, fields: Partial<RepositoryFindingSummary> = {}): RepositoryFindingSummary {
  return {
    ruleId: 'github-pat',
    title: 'GitHub personal access token',
    severity: 'critical',
    confidence: 'high',
    path: `src/file${n}.ts`,
    line: n,
    column: 1,
    redacted: `ghp_****${String(n).padStart(4, '0')}`,
    fingerprint: fingerprint(n),
    verified: true,
    commitId: 'c'.repeat(40),
    riskId: `risk-${n}`,
    remediation: 'Revoke it.',
    introduced: true,
    onDiffLine: true,
    ...fields,
  };
}
function scan(results: RepositoryFindingSummary[], fields: Partial<RepositoryScanRecord> = {}): RepositoryScanRecord {
  return {
    id: 'pull-request:r:1:c',
    organization: 'contoso',
    kind: 'pull-request',
    project: 'p',
    repositoryId: 'r',
    repository: 'p/r',
    commitId: 'c'.repeat(40),
    filesScanned: 3,
    filesSkipped: 0,
    skipped: {},
    bytesScanned: 100,
    findings: results.length,
    risksOpened: 0,
    results,
    resultsTruncated: false,
    durationMs: 1,
    scannedAt: '2026-11-20T10:00:00Z',
    introduced: results.filter((r) => r.introduced).length,
    ...fields,
  };
}
const defaults = PullRequestSettingsSchema.parse({});

describe('what a pull request scan means for its status', () => {
  it('fails on a secret the pull request introduces at medium confidence or more, not on one already in the file', () => {
    const report = findingsReport(
      scan([finding(1), finding(2, { introduced: false }), finding(3, { confidence: 'low' })]),
      { threads: {} },
      defaults,
    );
    expect(report.findings.map((f) => f.failing)).toEqual([true, false, false]);
    expect(report.state).toBe('failed');
    expect(report.description).toBe('1 secret to fix before merging (2 introduced by this pull request)');
  });

  it('fails on any secret in the changed files when the setting says so, and never on a triaged one', () => {
    const settings = PullRequestSettingsSchema.parse({ failOn: { scope: 'all' } });
    const triage = {
      status: 'accepted' as const,
      reason: 'fixture',
      by: { id: '1', name: 'Rae' },
      at: '2026-11-20T10:00:00Z',
      commentId: '9',
    };
    const report = findingsReport(
      scan([finding(1, { introduced: false }), finding(2)]),
      {
        threads: {
          [fingerprint(2)]: { state: 'triaged', ruleId: 'github-pat', riskId: 'risk-2', path: 'x', line: 2, commitId: 'c', triage },
        },
      },
      settings,
    );
    expect(report.findings.map((f) => f.failing)).toEqual([true, false]);
  });

  it('is not applicable when nothing could be scanned, and passes with nothing found', () => {
    expect(
      findingsReport(
        scan([], {
          filesScanned: 0,
          pullRequest: {
            source: 'github',
            number: 1,
            repositoryId: 'o/r',
            asset: { id: 'a', name: 'o/r' },
            order: { at: 1 },
            nothingScanned: true,
          },
        }),
        { threads: {} },
        defaults,
      ).state,
    ).toBe('notApplicable');
    expect(findingsReport(scan([]), { threads: {} }, defaults)).toMatchObject({
      state: 'succeeded',
      description: 'No secret found in 3 changed files',
    });
  });

  it('gives at most the thread budget a thread of its own, shows the same secret twice once, and annotates every finding', () => {
    const results = [...Array.from({ length: 35 }, (_, i) => finding(i + 1)), finding(1, { path: 'copy.ts' })];
    const report = findingsReport(scan(results), { threads: {} }, defaults);
    expect(report.findings).toHaveLength(35);
    expect(report.findings.filter((f) => f.inline)).toHaveLength(30);
    expect(report.listedOnly).toBe(5);
    expect(annotationsOf(report).map((a) => a.level)).toEqual(Array(35).fill('failure'));
  });
});

describe('the summary', () => {
  it('fits GitHub’s 65,536 characters with a hundred findings in deep paths, saying how many it left out and where they are', () => {
    const deep = `${'very-long-directory-name/'.repeat(16)}secrets.env`;
    const results = Array.from({ length: 100 }, (_, i) =>
      finding(i + 1, { path: deep, url: `https://github.com/o/r/blob/${'c'.repeat(40)}/${deep}#L${i + 1}` }),
    );
    const report = findingsReport(scan(results, { findings: 140 }), { threads: {} }, defaults);
    const text = summaryText({ scan: scan(results), report, settings: defaults }, 65_536);
    expect(text.length).toBeLessThanOrEqual(65_536 - 200);
    expect(text).toMatch(
      /…and \d+ more findings not shown here \(a comment has a length limit\): see the scan record `pull-request:r:1:c` in Vigil\./,
    );
    expect(text).toMatch(/#### What to do/);
  });

  it('links the full report when a report URL is set', () => {
    const results = Array.from({ length: 20 }, (_, i) => finding(i + 1));
    const report = findingsReport(scan(results), { threads: {} }, defaults);
    expect(summaryText({ scan: scan(results), report, settings: defaults, reportUrl: 'https://vigil.example/scans/1' }, 3_000)).toMatch(
      /see \[the full report\]\(https:\/\/vigil\.example\/scans\/1\)/,
    );
  });
});
