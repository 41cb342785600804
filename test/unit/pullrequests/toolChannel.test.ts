import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isSummaryOf, readMarker, summaryMarker, summaryMarkerOf, withMarker } from '../../../shared/codeHosts/markers';
import { channelOf } from '../../../shared/codeHosts/publicationChannel';
import { PullRequestSettingsSchema } from '../../../shared/organizations/organizationSettings';
import { feedbackId } from '../../../shared/pullrequests/feedback/pullRequestFeedback';
import { summaryText } from '../../../shared/pullrequests/publishing/feedbackText';
import { annotationsOf, findingsReport } from '../../../shared/pullrequests/publishing/findingsReport';
import { notesFor } from '../../../shared/pullrequests/publishing/toolFeedbackText';
import type { RepositoryFindingSummary, RepositoryScanRecord } from '../../../shared/repositories/contentScan/repositoryScanRecord';
import { hostRepositoryOf, sarifPullRequestScan } from '../../../shared/sarif/sarifPullRequestScan';

const defaults = PullRequestSettingsSchema.parse({});
const trivy = { name: 'trivy', title: 'Trivy' };

function result(fields: Partial<RepositoryFindingSummary> = {}): RepositoryFindingSummary {
  return {
    ruleId: 'CVE-2022-23529',
    title: 'jsonwebtoken: Insecure input validation',
    severity: 'high',
    path: 'package-lock.json',
    line: 1,
    column: 1,
    redacted: 'Package: jsonwebtoken Installed Version: 8.5.1',
    fingerprint: 'ab'.repeat(24),
    verified: false,
    commitId: 'c'.repeat(40),
    riskId: 'risk-1',
    remediation: 'Upgrade jsonwebtoken to 9.0.0.',
    tool: 'Trivy',
    advisories: ['CVE-2022-23529'],
    introduced: true,
    onDiffLine: true,
    ...fields,
  };
}

function toolScan(results: RepositoryFindingSummary[]): RepositoryScanRecord {
  return {
    id: 'pull-request:sarif:u1',
    organization: 'contoso',
    kind: 'pull-request',
    project: 'p',
    repositoryId: 'r',
    repository: 'p/r',
    commitId: 'c'.repeat(40),
    filesScanned: 0,
    filesSkipped: 0,
    skipped: {},
    bytesScanned: 0,
    findings: results.length,
    risksOpened: 0,
    results,
    resultsTruncated: false,
    durationMs: 1,
    scannedAt: '2026-12-07T10:00:00Z',
    introduced: results.filter((r) => r.introduced).length,
    pullRequest: { source: 'github', number: 4, repositoryId: 'o/r', asset: { id: 'a', name: 'o/r' }, order: { at: 1 }, channel: trivy },
  };
}

describe("a tool's channel on a pull request", () => {
  it("is named for the tool, and never takes the secret scan's name", () => {
    expect(channelOf('Semgrep OSS')).toEqual({ name: 'semgrep-oss', title: 'Semgrep OSS' });
    expect(channelOf('CodeQL')).toEqual({ name: 'codeql', title: 'CodeQL' });
    expect(channelOf('Secret Scan').name).toBe('sarif-secret-scan');
    expect(channelOf('  ').name).toBe('unknown');
  });

  it("keeps the secret scan's summary marker and feedback document id, and gives a tool its own", () => {
    expect(summaryMarkerOf()).toBe('<!-- vigil:summary -->');
    expect(readMarker(withMarker('text', summaryMarker))).toEqual({ kind: 'summary' });
    expect(readMarker(withMarker('text', summaryMarkerOf('trivy')))).toEqual({ kind: 'summary', channel: 'trivy' });
    expect(isSummaryOf(readMarker(withMarker('text', summaryMarkerOf('trivy'))), undefined)).toBe(false);
    expect(isSummaryOf(readMarker(withMarker('text', summaryMarker)), trivy)).toBe(false);
    const key = { source: 'github' as const, repositoryId: 'Octo/Payments', number: 12 };
    const before = createHash('sha256').update(['github', 'octo/payments', 12].join('\u0000')).digest('base64url').slice(0, 32);
    expect(feedbackId(key)).toBe(`pr:github:12:${before}`);
    expect(feedbackId({ ...key, channel: 'trivy' })).toMatch(/^pr:github:12:trivy:/);
    expect(feedbackId({ ...key, channel: 'trivy' })).not.toBe(feedbackId({ ...key, channel: 'codeql' }));
  });

  it('speaks of findings and vulnerabilities with the tool, the rule and the advisory ids, never of secrets', () => {
    const scan = toolScan([
      result(),
      result({ ruleId: 'js/xss', title: 'XSS', fingerprint: 'cd'.repeat(24), advisories: undefined, introduced: false, onDiffLine: false }),
    ]);
    const report = findingsReport(scan, { threads: {} }, defaults);
    expect(report.description).toBe('1 finding to fix before merging (1 on lines this pull request adds)');
    const text = summaryText({ scan, report, settings: defaults }, 65_000);
    expect(text).toMatch(/^### 🔴 Vigil: Trivy: 1 finding/);
    expect(text).toMatch(/`CVE-2022-23529`/);
    expect(text).toMatch(/\| package-lock\.json:1 \| on its line/);
    expect(text).toMatch(/not on a changed line/);
    expect(text).not.toMatch(/secret/i);
    const thread = notesFor(trivy).thread(result(), 'abababab');
    expect(thread).toMatch(/Trivy reports a vulnerable dependency on this line — jsonwebtoken/);
    expect(thread).toMatch(/Advisories: `CVE-2022-23529`/);
    expect(notesFor(trivy).fixed('d'.repeat(40))).toBe('Trivy no longer reports this at `ddddddd`.');
    expect(annotationsOf(report)[0].title).toBe('Trivy: jsonwebtoken: Insecure input validation (CVE-2022-23529)');
  });

  it('tells the reader that /vigil accept and /vigil false-positive work on its threads, and how to name a finding without one', () => {
    const scan = toolScan([result()]);
    const text = summaryText({ scan, report: findingsReport(scan, { threads: {} }, defaults), settings: defaults }, 65_000);
    expect(text).toMatch(/Reply `\/vigil accept <reason>` or `\/vigil false-positive <reason>` on the finding’s thread/);
    expect(text).toMatch(/comment `\/vigil accept <id> <reason>` with the id from the table/);
    expect(text).not.toMatch(/own findings only/);
    expect(notesFor(trivy).thread(result(), 'abababab')).toMatch(
      /Reply `\/vigil accept <reason>` or `\/vigil false-positive <reason>` here/,
    );
  });

  it("cannot be made to pass for another channel's summary or thread by a result's text", () => {
    const forged = result({ redacted: 'see <!-- vigil:summary --> and <!-- vigil:finding ffffffffffffffffffff -->' });
    const scan = toolScan([forged]);
    const text = summaryText({ scan, report: findingsReport(scan, { threads: {} }, defaults), settings: defaults }, 65_000);
    expect(readMarker(withMarker(text, summaryMarkerOf('trivy')))).toEqual({ kind: 'summary', channel: 'trivy' });
    expect(notesFor(trivy).thread(forged, 'abababab')).not.toMatch(/<!--/);
  });

  it('lists a result without a location in the summary, without an annotation', () => {
    const scan = toolScan([result({ path: '', line: 0, introduced: false, onDiffLine: false })]);
    expect(annotationsOf(findingsReport(scan, { threads: {} }, defaults))).toEqual([]);
  });
});

describe('SARIF results of an upload that names a pull request', () => {
  const context = {
    source: 'gitlab' as const,
    organization: 'diaspora',
    repository: 'diaspora/client',
    repositoryId: '15',
    pullRequest: 3,
    commit: 'e'.repeat(40),
  };
  const asset = { id: 'repository:gitlab:15', name: 'diaspora/client', type: 'repository' as const };

  it('become one pull request scan record and one scan.completed event, both named by the upload', () => {
    const { record, event } = sarifPullRequestScan({
      organization: 'diaspora',
      uploadId: 'u-1',
      context,
      channel: { name: 'semgrep-oss', title: 'Semgrep OSS' },
      asset,
      hostRepositoryId: '15',
      findings: [
        {
          riskId: 'risk-1',
          finding: {
            tool: 'Semgrep OSS',
            ruleId: 'xss',
            title: 'XSS',
            kind: 'code-finding',
            severity: 'medium',
            advisories: [],
            path: 'src/server.js',
            line: 12,
            fingerprint: Buffer.from('fingerprint-bytes-24-long').toString('base64url').slice(0, 32),
            redacted: 'Detected direct response write',
            remediation: 'Escape it.',
          },
        },
      ],
      risksOpened: 1,
      now: Date.parse('2026-12-07T10:00:00Z'),
      durationMs: 5,
    });
    expect(record).toMatchObject({ id: 'pull-request:sarif:u-1', kind: 'pull-request', commitId: context.commit, findings: 1 });
    expect(record.pullRequest).toMatchObject({ source: 'gitlab', number: 3, repositoryId: '15', channel: { name: 'semgrep-oss' } });
    expect(record.results[0].fingerprint).toMatch(/^[0-9a-f]+$/);
    expect(readMarker(`<!-- vigil:finding ${record.results[0].fingerprint} -->`)?.fingerprint).toBe(record.results[0].fingerprint);
    expect(event).toMatchObject({
      id: 'scan.completed:sarif:u-1',
      source: 'vigil',
      type: 'scan.completed',
      subject: { scanId: record.id },
    });
  });

  it('need the GitLab project id to reach a merge request', () => {
    expect(hostRepositoryOf(context, asset)).toEqual({ repositoryId: '15' });
    expect(hostRepositoryOf({ ...context, repositoryId: undefined }, asset)).toEqual({ why: expect.stringMatching(/CI_PROJECT_ID/) });
    expect(hostRepositoryOf({ ...context, source: 'github', repository: 'o/r' }, asset)).toEqual({ repositoryId: 'o/r' });
  });
});
