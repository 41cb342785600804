import { describe, expect, it } from 'vitest';
import type { EventEnvelope } from '../../../shared/events/envelope';
import type { QueueName } from '../../../shared/queue/names';
import type { OutgoingMessage } from '../../../shared/queue/port';
import type { Risk } from '../../../shared/risks/risk';
import { RiskNotFoundError, RiskStore } from '../../../shared/risks/riskStore';
import { reopenEndedAcceptances, triageRisk } from '../../../shared/risks/triageRisk';
import { openInMemoryDatabase } from '../../../shared/store/embedded/embeddedDatabase';
import { createEmbeddedStore } from '../../../shared/store/embedded/embeddedStore';
import { ManualClock } from '../../support/manualClock';
import { leakedTokenSighting as sighting } from '../../support/riskSightings';

const dayMs = 86_400_000;

function setup() {
  const clock = new ManualClock();
  const risks = new RiskStore(createEmbeddedStore(openInMemoryDatabase(), clock).container<Risk>('risks'), clock);
  const sent: Array<{ queue: QueueName; envelope: EventEnvelope }> = [];
  const queue = {
    send: async (name: QueueName, messages: OutgoingMessage[]) =>
      void sent.push(...messages.map((m) => ({ queue: name, envelope: m.body as EventEnvelope }))),
  };
  // Each announcement goes to the alerts and to the work-item sync, under one id: what the alerts queue got counts it once.
  const alerted = () => sent.filter((s) => s.queue === 'alerts');
  return { clock, risks, sent, alerted, deps: { risks, queue, clock } };
}

describe('the risk lifecycle', () => {
  it('resolves a risk with who, when, why and where, and announces risk.changed with the transition', async () => {
    const { risks, deps, sent, clock } = setup();
    const { risk } = await risks.record(sighting('build:7:log:1:line:40'));
    const result = await triageRisk(deps, 'contoso', risk.id, { status: 'resolved', reason: 'token revoked', by: 'Dana', source: 'cli' });
    expect(result).toMatchObject({ applied: true, transition: 'resolved' });
    expect(result.risk).toMatchObject({
      status: 'resolved',
      resolution: 'token revoked',
      statusChangedAt: new Date(clock.now()).toISOString(),
      triage: { status: 'resolved', reason: 'token revoked', by: 'Dana', source: 'cli', at: new Date(clock.now()).toISOString() },
    });
    const subject = { riskId: risk.id, transition: 'resolved', source: 'cli' };
    expect(sent.map((s) => [s.queue, s.envelope.type, s.envelope.subject])).toEqual([
      ['alerts', 'risk.changed', subject],
      ['workitem-sync', 'risk.changed', subject],
      // A person's change also refreshes the repository's score (refreshScoreAfterTriage).
      ['repo-scan', 'risk.changed', subject],
    ]);
  });

  it('reopens a resolved risk that is seen again, as before', async () => {
    const { risks } = setup();
    const { risk } = await risks.record(sighting('a'));
    await risks.triage('contoso', risk.id, { status: 'resolved', reason: 'rotated', by: 'Dana', source: 'cli' });
    const again = await risks.record(sighting('b'));
    expect(again.transition).toBe('reopened');
    expect(again.risk).toMatchObject({ status: 'open', occurrences: 2, triage: { status: 'open', source: 'scan', by: 'Vigil' } });
    expect(again.risk.resolvedAt).toBeUndefined();
    expect(again.risk.history?.map((h) => h.status)).toEqual(['resolved']);
  });

  it.each([['accepted' as const], ['false-positive' as const]])('keeps a %s risk so while its occurrences still rise', async (status) => {
    const { risks } = setup();
    const { risk } = await risks.record(sighting('a'));
    await risks.triage('contoso', risk.id, {
      status,
      reason: 'a test fixture',
      by: 'Dana',
      source: 'pull-request',
      reference: 'pull request 7',
    });
    const again = await risks.record(sighting('b'));
    expect(again.transition).toBe('seen-again');
    expect(again.risk).toMatchObject({ status, occurrences: 2, triage: { status, reference: 'pull request 7' } });
  });

  it('accepts for 90 days unless told otherwise, and reopens on a sighting after the acceptance ended', async () => {
    const { risks, clock } = setup();
    const { risk } = await risks.record(sighting('a'));
    const accepted = await risks.triage('contoso', risk.id, { status: 'accepted', reason: 'internal only', by: 'Dana', source: 'cli' });
    expect(accepted.risk.triage?.until).toBe(new Date(clock.now() + 90 * dayMs).toISOString());
    clock.advance(89 * dayMs);
    expect((await risks.record(sighting('b'))).transition).toBe('seen-again');
    clock.advance(2 * dayMs);
    const reopened = await risks.record(sighting('c'));
    expect(reopened.transition).toBe('reopened');
    expect(reopened.risk.triage).toMatchObject({ status: 'open', source: 'expiry' });
  });

  it('reopens ended acceptances when asked (the nightly reconciliation), once', async () => {
    const { risks, clock, deps, alerted } = setup();
    const { risk } = await risks.record(sighting('a'));
    await risks.triage('contoso', risk.id, {
      status: 'accepted',
      reason: 'for now',
      by: 'Dana',
      source: 'cli',
      until: new Date(clock.now() + dayMs).toISOString(),
    });
    expect(await reopenEndedAcceptances(deps, 'contoso')).toEqual([]);
    clock.advance(2 * dayMs);
    expect(await reopenEndedAcceptances(deps, 'contoso')).toEqual([risk.id]);
    expect(await reopenEndedAcceptances(deps, 'contoso')).toEqual([]);
    expect(
      alerted()
        .filter((s) => s.envelope.subject.transition === 'reopened')
        .map((s) => s.envelope.subject.source),
    ).toEqual(['expiry']);
  });

  it('changes nothing and announces nothing when the risk already has the status', async () => {
    const { risks, deps, alerted } = setup();
    const { risk } = await risks.record(sighting('a'));
    await triageRisk(deps, 'contoso', risk.id, { status: 'false-positive', reason: 'fixture', by: 'Dana', source: 'cli' });
    const again = await triageRisk(deps, 'contoso', risk.id, {
      status: 'false-positive',
      reason: 'still a fixture',
      by: 'Lee',
      source: 'cli',
    });
    expect(again).toMatchObject({ applied: false, why: 'the risk is already false-positive' });
    expect(alerted()).toHaveLength(1);
  });

  it('announces a keyed request made twice under the same event id, so a caller that crashed loses nothing', async () => {
    const { risks, deps, alerted } = setup();
    const { risk } = await risks.record(sighting('a'));
    const request = {
      status: 'false-positive' as const,
      reason: 'fixture',
      by: 'Dana',
      source: 'pull-request' as const,
      key: 'pr:7:comment:3',
    };
    await triageRisk(deps, 'contoso', risk.id, request);
    const repeat = await triageRisk(deps, 'contoso', risk.id, request);
    expect(repeat).toMatchObject({ applied: false, repeat: 'false-positive' });
    const ids = alerted().map((s) => s.envelope.id);
    expect(ids).toEqual([ids[0], ids[0]]);
  });

  it('refuses a change without a reason, an acceptance ending in the past, and an unknown risk', async () => {
    const { risks, clock } = setup();
    const { risk } = await risks.record(sighting('a'));
    await expect(risks.triage('contoso', risk.id, { status: 'resolved', reason: '  ', by: 'Dana', source: 'cli' })).rejects.toThrow(
      /needs a reason/,
    );
    await expect(
      risks.triage('contoso', risk.id, {
        status: 'accepted',
        reason: 'x',
        by: 'Dana',
        source: 'cli',
        until: new Date(clock.now() - dayMs).toISOString(),
      }),
    ).rejects.toThrow(/not in the future/);
    await expect(risks.triage('contoso', 'nope', { status: 'resolved', reason: 'x', by: 'Dana', source: 'cli' })).rejects.toBeInstanceOf(
      RiskNotFoundError,
    );
  });

  it('resolves for an audit only an open risk, leaving an accepted one alone', async () => {
    const { risks } = setup();
    const { risk } = await risks.record(sighting('a'));
    await risks.triage('contoso', risk.id, { status: 'accepted', reason: 'for now', by: 'Dana', source: 'cli' });
    expect(await risks.resolve('contoso', risk.id, 'the check passes')).toBeUndefined();
    expect((await risks.get('contoso', risk.id))?.status).toBe('accepted');
  });
});
