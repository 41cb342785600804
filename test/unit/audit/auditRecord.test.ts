import { describe, expect, it } from 'vitest';
import { type AuditRecord, auditRecordId, projectAuditDue } from '../../../shared/audit/auditRecord';

const now = Date.parse('2026-11-20T10:00:00.000Z');
const minutesAgo = (minutes: number) => new Date(now - minutes * 60_000).toISOString();

function record(status: AuditRecord['status'], startedMinutesAgo: number, auditedMinutesAgo?: number): AuditRecord {
  return {
    id: auditRecordId('web'),
    organization: 'contoso',
    kind: 'audit',
    project: 'web',
    trigger: 'build.complete',
    status,
    endpointsAudited: 0,
    checksFailed: 0,
    checksUnevaluated: 0,
    risksOpened: 0,
    risksReopened: 0,
    apiCalls: 0,
    endpoints: [],
    pendingAnnouncements: [],
    startedAt: minutesAgo(startedMinutesAgo),
    ...(auditedMinutesAgo === undefined ? {} : { auditedAt: minutesAgo(auditedMinutesAgo) }),
    durationMs: 0,
  };
}

describe('when a project is due for a service connection audit', () => {
  it.each([
    { when: 'it was never audited', previous: undefined, due: true },
    { when: 'it was audited 59 minutes ago', previous: record('completed', 59, 59), due: false },
    { when: 'it was audited an hour ago', previous: record('completed', 60, 60), due: true },
    { when: 'another worker began 5 minutes ago', previous: record('running', 5), due: false },
    { when: 'a worker began 15 minutes ago and never finished', previous: record('running', 15), due: true },
    { when: 'the last audit failed a minute ago', previous: record('failed', 1), due: true },
    { when: 'the last audit stopped while announcing', previous: record('announcing', 1, 1), due: true },
  ])('is due $due when $when', ({ previous, due }) => {
    expect(projectAuditDue(previous, now)).toBe(due);
  });

  it('names records by project, and by connection for an endpoint event', () => {
    expect(auditRecordId('web')).toBe('audit:web:all');
    expect(auditRecordId('web', 'e1')).toBe('audit:web:e1');
  });
});
