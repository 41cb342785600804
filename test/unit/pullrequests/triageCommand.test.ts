import { describe, expect, it } from 'vitest';
import { readTriageCommand } from '../../../shared/pullrequests/triage/triageCommand';

describe('a /vigil command in a comment', () => {
  it('on a Vigil thread, triages with the rest of the line as the reason', () => {
    expect(readTriageCommand('/vigil false-positive it is a test fixture', true)).toEqual({
      kind: 'triage',
      status: 'false-positive',
      reason: 'it is a test fixture',
    });
    expect(readTriageCommand('  /Vigil accept rotated yesterday\nmore text', true)).toEqual({
      kind: 'triage',
      status: 'accepted',
      reason: 'rotated yesterday',
    });
  });

  it('elsewhere on the pull request, needs the finding id the summary shows', () => {
    expect(readTriageCommand('/vigil accept 1a2b3c4d sample data', false)).toEqual({
      kind: 'triage',
      status: 'accepted',
      reason: 'sample data',
      findingId: '1a2b3c4d',
    });
    expect(readTriageCommand('/vigil accept sample data', false)).toMatchObject({
      kind: 'refused',
      problem: expect.stringMatching(/name the finding/),
    });
  });

  it('refuses a command without a reason, or one it does not know, saying what to write', () => {
    expect(readTriageCommand('/vigil false-positive', true)).toMatchObject({
      kind: 'refused',
      problem: expect.stringMatching(/give a reason/),
    });
    expect(readTriageCommand('/vigil ignore this', true)).toMatchObject({
      kind: 'refused',
      problem: expect.stringMatching(/unknown command 'ignore'/),
    });
  });

  it('is nothing in a comment that does not start with /vigil', () => {
    expect(readTriageCommand('Looks good. /vigil accept later', true)).toEqual({ kind: 'none' });
    expect(readTriageCommand('/vigilant reviewers', true)).toEqual({ kind: 'none' });
  });
});
