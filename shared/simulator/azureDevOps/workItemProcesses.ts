import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { recordedShapesDir } from './recordedShapes';

/**
 * Work item types of the four system processes (Agile, Scrum, CMMI, Basic) for the loopback
 * Azure DevOps: each type's workflow states with their state category, and its fields. States and
 * categories follow Microsoft's "About workflow states in backlogs and boards" tables
 * (MicrosoftDocs/azure-devops-docs, docs/boards/work-items/workflow-and-state-categories.md:
 * CMMI's Resolved is In Progress for Requirement and Task but Resolved for Bug and Issue; Basic
 * has no Resolved or Removed; CMMI has no Removed). Field entries are the recorded
 * `fields?$expand=All` entries (wit.workitemtype.fields.list-expand.json) where the field is
 * there, so they carry `alwaysRequired`, `allowedValues`, `defaultValue` and `dependentFields`.
 * A project can use one of these, or a custom process built with `customType`.
 */
export type StateCategory = 'Proposed' | 'InProgress' | 'Resolved' | 'Completed' | 'Removed';
export type ProcessName = 'Agile' | 'Scrum' | 'CMMI' | 'Basic';

export interface WorkItemStateDefinition {
  name: string;
  category: StateCategory;
  color: string;
}

export interface WorkItemFieldDefinition {
  referenceName: string;
  name: string;
  /** A create or update that leaves it empty is refused (TF401320 ... InvalidEmpty), unless it has a default. */
  alwaysRequired?: boolean;
  /** When not empty, a value outside the list is refused (TF401320 ... InvalidListValue). */
  allowedValues?: string[];
  defaultValue?: string | null;
  helpText?: string;
}

export interface WorkItemTypeDefinition {
  name: string;
  referenceName: string;
  description?: string;
  color?: string;
  /** The first state is the one a new work item starts in. */
  states: WorkItemStateDefinition[];
  /** Fields beyond the System ones every type has. */
  fields: WorkItemFieldDefinition[];
}

const colors: Record<StateCategory, string> = {
  Proposed: 'b2b2b2',
  InProgress: '007acc',
  Resolved: 'ff9d00',
  Completed: '339933',
  Removed: 'ffffff',
};
const state = (name: string, category: StateCategory): WorkItemStateDefinition => ({ name, category, color: colors[category] });

const fixturesDir = recordedShapesDir('rest');
type RecordedField = WorkItemFieldDefinition & { allowedValues: unknown[]; dependentFields: unknown[]; url: string };
let recordedFields: RecordedField[] | undefined;

/** The recorded `$expand=All` field entries of the Agile Bug (wit.workitemtype.fields.list-expand.json). */
export function recordedFieldEntries(): RecordedField[] {
  recordedFields ??= (
    JSON.parse(readFileSync(path.join(fixturesDir, 'wit.workitemtype.fields.list-expand.json'), 'utf8')) as {
      responses: { '200': { body: { value: RecordedField[] } } };
    }
  ).responses['200'].body.value;
  return recordedFields;
}

/** A field as the recorded Bug has it, for the fields that come with a process. */
function recorded(referenceName: string): WorkItemFieldDefinition {
  const found = recordedFieldEntries().find((f) => f.referenceName === referenceName);
  if (!found) throw new Error(`no recorded field ${referenceName}`);
  const allowed = found.allowedValues.filter((v): v is string => typeof v === 'string');
  return {
    referenceName,
    name: found.name,
    ...(found.alwaysRequired ? { alwaysRequired: true } : {}),
    ...(allowed.length ? { allowedValues: allowed } : {}),
    ...(found.defaultValue !== null && found.defaultValue !== undefined ? { defaultValue: found.defaultValue } : {}),
    ...(found.helpText ? { helpText: found.helpText } : {}),
  };
}

/** The System fields every type has (their entries are built per type, since State's allowed values differ). */
export const systemFieldNames = [
  'System.Id',
  'System.Rev',
  'System.Title',
  'System.State',
  'System.Reason',
  'System.AreaPath',
  'System.AreaId',
  'System.IterationPath',
  'System.IterationId',
  'System.TeamProject',
  'System.WorkItemType',
  'System.AssignedTo',
  'System.CreatedDate',
  'System.CreatedBy',
  'System.ChangedDate',
  'System.ChangedBy',
  'System.AuthorizedDate',
  'System.AuthorizedAs',
  'System.RevisedDate',
  'System.Watermark',
  'System.Description',
  'System.History',
  'System.Tags',
  'System.CommentCount',
  'System.BoardColumn',
  'System.BoardColumnDone',
  'System.BoardLane',
];

const priority = () => recorded('Microsoft.VSTS.Common.Priority');
const severity = () => recorded('Microsoft.VSTS.Common.Severity');
const reproSteps = () => recorded('Microsoft.VSTS.TCM.ReproSteps');
const stateChangeDate = () => recorded('Microsoft.VSTS.Common.StateChangeDate');

function type(
  name: string,
  referenceName: string,
  states: WorkItemStateDefinition[],
  fields: WorkItemFieldDefinition[],
): WorkItemTypeDefinition {
  return { name, referenceName, states, fields: [...fields, stateChangeDate()] };
}

/** The work item types of a system process, fresh objects each call (a test may change them). */
export function processTemplate(name: ProcessName): WorkItemTypeDefinition[] {
  switch (name) {
    case 'Agile': {
      const story = [
        state('New', 'Proposed'),
        state('Active', 'InProgress'),
        state('Resolved', 'InProgress'),
        state('Closed', 'Completed'),
        state('Removed', 'Removed'),
      ];
      return [
        type(
          'Bug',
          'Microsoft.VSTS.WorkItemTypes.Bug',
          [state('New', 'Proposed'), state('Active', 'InProgress'), state('Resolved', 'Resolved'), state('Closed', 'Completed')],
          [priority(), severity(), reproSteps()],
        ),
        type('User Story', 'Microsoft.VSTS.WorkItemTypes.UserStory', story, [priority()]),
        type('Feature', 'Microsoft.VSTS.WorkItemTypes.Feature', story, [priority()]),
        type('Epic', 'Microsoft.VSTS.WorkItemTypes.Epic', story, [priority()]),
        type(
          'Task',
          'Microsoft.VSTS.WorkItemTypes.Task',
          [state('New', 'Proposed'), state('Active', 'InProgress'), state('Closed', 'Completed'), state('Removed', 'Removed')],
          [priority()],
        ),
        type('Issue', 'Microsoft.VSTS.WorkItemTypes.Issue', [state('Active', 'InProgress'), state('Closed', 'Completed')], [priority()]),
      ];
    }
    case 'Scrum': {
      const backlog = [
        state('New', 'Proposed'),
        state('Approved', 'Proposed'),
        state('Committed', 'InProgress'),
        state('Done', 'Completed'),
        state('Removed', 'Removed'),
      ];
      return [
        // Scrum backlog items are ordered by Backlog Priority and have no Priority field.
        type('Product Backlog Item', 'Microsoft.VSTS.WorkItemTypes.ProductBacklogItem', backlog, []),
        type('Bug', 'Microsoft.VSTS.WorkItemTypes.Bug', backlog, [priority(), severity(), reproSteps()]),
        type(
          'Task',
          'Microsoft.VSTS.WorkItemTypes.Task',
          [state('To Do', 'Proposed'), state('In Progress', 'InProgress'), state('Done', 'Completed'), state('Removed', 'Removed')],
          [],
        ),
        type('Impediment', 'Microsoft.VSTS.WorkItemTypes.Issue', [state('Open', 'InProgress'), state('Closed', 'Completed')], [priority()]),
      ];
    }
    case 'CMMI': {
      const resolvedInProgress = [
        state('Proposed', 'Proposed'),
        state('Active', 'InProgress'),
        state('Resolved', 'InProgress'),
        state('Closed', 'Completed'),
      ];
      const resolvedResolved = [
        state('Proposed', 'Proposed'),
        state('Active', 'InProgress'),
        state('Resolved', 'Resolved'),
        state('Closed', 'Completed'),
      ];
      return [
        type('Bug', 'Microsoft.VSTS.WorkItemTypes.Bug', resolvedResolved, [priority(), severity(), reproSteps()]),
        type('Issue', 'Microsoft.VSTS.WorkItemTypes.Issue', resolvedResolved, [priority()]),
        type('Requirement', 'Microsoft.VSTS.WorkItemTypes.Requirement', resolvedInProgress, [priority()]),
        type('Task', 'Microsoft.VSTS.WorkItemTypes.Task', resolvedInProgress, [priority()]),
      ];
    }
    case 'Basic': {
      const basic = [state('To Do', 'Proposed'), state('Doing', 'InProgress'), state('Done', 'Completed')];
      return [
        type('Issue', 'Microsoft.VSTS.WorkItemTypes.Issue', basic, [priority()]),
        type('Task', 'Microsoft.VSTS.WorkItemTypes.Task', basic, [priority()]),
        type('Epic', 'Microsoft.VSTS.WorkItemTypes.Epic', basic, [priority()]),
      ];
    }
  }
}

/** A custom type for an inherited process: any states, any extra fields (a required custom field, say). */
export function customType(
  name: string,
  states: Array<[string, StateCategory]>,
  fields: WorkItemFieldDefinition[] = [],
): WorkItemTypeDefinition {
  return { name, referenceName: `Custom.${name.replace(/\W+/g, '')}`, states: states.map(([n, c]) => state(n, c)), fields };
}
