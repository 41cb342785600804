import { describe, expect, it } from 'vitest';
import { checkConfigurationFacts, pipelinePermissionFacts, usageFacts } from '../../../shared/audit/endpointFacts';
import { approvalCheck, branchControlCheck, businessHoursCheck } from '../../support/azureDevOps/serviceConnectionRoutes';
import { fixtureBody } from '../../support/azureDevOpsServer';

const recordedList = (name: string) => (fixtureBody(name) as { value: unknown[] }).value;

describe('reading the facts the checks need', () => {
  it('takes the newest use from the recorded execution history', () => {
    expect(usageFacts(recordedList('serviceendpoint.executionhistory.list.json'))).toEqual({
      newestFinishTime: '2018-01-08T11:47:06.283Z',
      inUse: false,
      records: 2,
    });
  });

  it('calls a connection in use when its newest use has no finish time, and unused when there is none', () => {
    expect(usageFacts([{ data: { startTime: '2026-11-20T09:59:00Z' } }, { data: { finishTime: '2020-01-01T00:00:00Z' } }])).toMatchObject({
      inUse: true,
    });
    expect(usageFacts([])).toEqual({ inUse: false, records: 0 });
  });

  it('knows approvals in the recorded list of checks by their type, even without settings, and no branch control there', () => {
    expect(checkConfigurationFacts(recordedList('checks.configurations.list.json')).map((c) => c.kind)).toEqual([
      'approval',
      'other',
      'approval',
      'other',
    ]);
  });

  it('tells a branch control and its allowed branches from other task checks', () => {
    expect(
      checkConfigurationFacts([
        approvalCheck('e1'),
        businessHoursCheck('e1'),
        branchControlCheck('e1', 'refs/heads/main, refs/heads/release/*'),
      ]),
    ).toEqual([
      { kind: 'approval', name: 'Approval' },
      { kind: 'other', name: 'Business Hours' },
      { kind: 'branch-control', name: 'Branch control', allowedBranches: ['refs/heads/main', 'refs/heads/release/*'] },
    ]);
  });

  it('reads the recorded pipeline permissions (no allPipelines entry: not open to all)', () => {
    expect(pipelinePermissionFacts(fixtureBody('pipelinepermissions.get.json'))).toEqual({ allPipelines: false, pipelineIds: [6, 15, 16] });
    expect(pipelinePermissionFacts({ allPipelines: { authorized: true }, pipelines: [] })).toEqual({ allPipelines: true, pipelineIds: [] });
  });
});
