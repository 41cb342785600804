import { afterEach, describe, expect, it } from 'vitest';
import type { RiskStatus } from '../../../shared/risks/risk';
import { customType } from '../../support/azureDevOps/workItemProcesses';
import { leakedTokenSighting } from '../../support/riskSightings';
import { startWorkItemHarness, type WorkItemHarness } from '../../support/workItemHarness';

/**
 * States are chosen by state category, read from the type's own states, so every process works:
 * a new risk starts in the type's first state; resolved goes to the first Resolved-category state
 * (else Completed); accepted and false positive to Removed (else Completed); reopened back to
 * Proposed (else InProgress). `stateMapping` overrides the choice for a category.
 */
let harness: WorkItemHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

type Row = [
  process: 'Agile' | 'Scrum' | 'CMMI' | 'Basic',
  type: string,
  created: string,
  resolved: string,
  accepted: string,
  reopened: string,
];

const rows: Row[] = [
  ['Agile', 'Bug', 'New', 'Resolved', 'Closed', 'New'],
  ['Agile', 'User Story', 'New', 'Closed', 'Removed', 'New'],
  ['Agile', 'Issue', 'Active', 'Closed', 'Closed', 'Active'],
  ['Scrum', 'Product Backlog Item', 'New', 'Done', 'Removed', 'New'],
  ['Scrum', 'Task', 'To Do', 'Done', 'Removed', 'To Do'],
  ['CMMI', 'Issue', 'Proposed', 'Resolved', 'Closed', 'Proposed'],
  ['CMMI', 'Requirement', 'Proposed', 'Closed', 'Closed', 'Proposed'],
  ['Basic', 'Issue', 'To Do', 'Done', 'Done', 'To Do'],
];

async function walk(process: Row[0], type: string, statuses: RiskStatus[], stateMapping: Record<string, string> = {}): Promise<string[]> {
  harness = await startWorkItemHarness({ projects: [{ name: 'Web', process }], workItems: { workItemType: type, stateMapping } });
  const h = harness;
  const { risk } = await h.see({ ...leakedTokenSighting('a'), project: 'Web' });
  await h.push(risk);
  const states = [h.boards.workItems()[0].state];
  for (const status of statuses) {
    h.clock.advance(60_000);
    const changed = await h.services.stores.risks.triage('contoso', risk.id, { status, reason: `to ${status}`, by: 'Lee', source: 'cli' });
    await h.push(changed.risk);
    states.push(h.boards.workItems()[0].state);
  }
  return states;
}

describe('states by category', () => {
  it.each(rows)('%s %s: created %s, resolved → %s, reopened → %s', async (process, type, created, resolved, _accepted, reopened) => {
    expect(await walk(process, type, ['resolved', 'open'])).toEqual([created, resolved, reopened]);
  });

  it.each(rows)('%s %s: accepted → %s', async (process, type, created, _resolved, accepted) => {
    expect(await walk(process, type, ['accepted'])).toEqual([created, accepted]);
  });

  it('follows stateMapping for a category when the type has that state', async () => {
    expect(await walk('Agile', 'Bug', ['resolved'], { Resolved: 'Closed' })).toEqual(['New', 'Closed']);
  });

  it('works with a custom process and its own state names', async () => {
    harness = await startWorkItemHarness({
      projects: [
        {
          name: 'Web',
          process: [
            customType('Security Finding', [
              ['Triage', 'Proposed'],
              ['Fixing', 'InProgress'],
              ['Fixed', 'Completed'],
              ['Accepted Risk', 'Removed'],
            ]),
          ],
        },
      ],
      workItems: { workItemType: 'Security Finding' },
    });
    const { risk } = await harness.see({ ...leakedTokenSighting('a'), project: 'Web' });
    await harness.push(risk);
    const changed = await harness.services.stores.risks.triage('contoso', risk.id, {
      status: 'false-positive',
      reason: 'fixture',
      by: 'Lee',
      source: 'cli',
    });
    await harness.push(changed.risk);
    expect(harness.boards.workItems()[0].state).toBe('Accepted Risk');
  });
});
