import { z } from 'zod';
import type { AuditedEndpoint } from './auditedEndpoint';
import { isoDate } from './auditedEndpoint';

/**
 * Everything the checks read about one service connection, fetched once. Checks are pure
 * functions of these facts; a part that could not be read (the identity lacks a permission) is
 * absent and named in `unreadable`, and the checks that need it report themselves unevaluated.
 */
export interface EndpointFacts {
  endpoint: AuditedEndpoint;
  /** When the audit ran (ms since the epoch). */
  now: number;
  /** When it was created, as far as anyone knows: Azure DevOps' `creationDate`, or the endpoint-created event Vigil saw. */
  createdAt?: string;
  pipelinePermissions?: PipelinePermissionFacts;
  usage?: UsageFacts;
  /** Approvals and checks on the connection; fetched only when a check needs them. */
  checks?: CheckConfigurationFacts[];
  unreadable: Partial<Record<FactSource, string>>;
}

export type FactSource = 'pipelinePermissions' | 'executionHistory' | 'checks';

export interface PipelinePermissionFacts {
  /** `allPipelines.authorized`: every pipeline of the project may use the connection. */
  allPipelines: boolean;
  /** Pipelines authorised one by one. */
  pipelineIds: number[];
}

export interface UsageFacts {
  /** The newest execution's `data.finishTime` (ISO 8601). */
  newestFinishTime?: string;
  /** The newest execution has no finish time: a pipeline is using the connection right now. */
  inUse: boolean;
  records: number;
}

export interface CheckConfigurationFacts {
  kind: 'approval' | 'branch-control' | 'other';
  /** `settings.displayName`, or the check type's name. */
  name: string;
  /** Branch control's `allowedBranches`, split: `refs/heads/main`, `refs/heads/release/*`, `*`. */
  allowedBranches?: string[];
}

/** Approval and Task Check type ids, and the branch control task, as Azure DevOps names them. */
const approvalTypeId = '8c6f20a7-a545-4486-9777-f762fafe0d4d';
const branchControlTaskId = '86b05a0c-73e6-4f7d-b3cf-e38f3b39a75b';
const branchControlTaskName = 'evaluatebranchprotection';

const PipelinePermissionsSchema = z.object({
  allPipelines: z.object({ authorized: z.boolean().nullish() }).nullish(),
  pipelines: z.array(z.object({ id: z.number(), authorized: z.boolean().nullish() })).nullish(),
});

export function pipelinePermissionFacts(raw: unknown): PipelinePermissionFacts {
  const parsed = PipelinePermissionsSchema.parse(raw);
  return {
    allPipelines: parsed.allPipelines?.authorized === true,
    pipelineIds: (parsed.pipelines ?? []).filter((p) => p.authorized !== false).map((p) => p.id),
  };
}

const ExecutionRecordSchema = z.object({
  data: z
    .object({
      finishTime: z.union([z.date(), z.string()]).nullish(),
      startTime: z.union([z.date(), z.string()]).nullish(),
    })
    .nullish(),
});

/** The newest record decides (Azure DevOps lists newest first; ask for one). */
export function usageFacts(records: unknown[]): UsageFacts {
  const parsed = z.array(ExecutionRecordSchema).parse(records);
  if (parsed.length === 0) return { inUse: false, records: 0 };
  const newest = isoDate(parsed[0].data?.finishTime);
  return newest ? { newestFinishTime: newest, inUse: false, records: parsed.length } : { inUse: true, records: parsed.length };
}

const CheckConfigurationSchema = z.object({
  type: z.object({ id: z.string().nullish(), name: z.string().nullish() }).nullish(),
  settings: z
    .object({
      displayName: z.string().nullish(),
      definitionRef: z.object({ id: z.string().nullish(), name: z.string().nullish() }).nullish(),
      inputs: z.record(z.string(), z.unknown()).nullish(),
    })
    .nullish(),
});

export function checkConfigurationFacts(configurations: unknown[]): CheckConfigurationFacts[] {
  return z
    .array(CheckConfigurationSchema)
    .parse(configurations)
    .map((configuration) => {
      const typeName = configuration.type?.name ?? 'check';
      const settings = configuration.settings;
      const name = settings?.displayName ?? typeName;
      if (configuration.type?.id === approvalTypeId || typeName.toLowerCase() === 'approval') return { kind: 'approval', name };
      const task = settings?.definitionRef;
      const isBranchControl =
        task?.id === branchControlTaskId || task?.name?.toLowerCase() === branchControlTaskName || name.toLowerCase() === 'branch control';
      if (!isBranchControl) return { kind: 'other', name };
      const allowed = settings?.inputs?.allowedBranches;
      const allowedBranches =
        typeof allowed === 'string'
          ? allowed
              .split(',')
              .map((b) => b.trim())
              .filter(Boolean)
          : [];
      return { kind: 'branch-control', name, allowedBranches };
    });
}
