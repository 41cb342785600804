/** The public surface of triggers/: what other folders may import (docs/architecture.md, "Layout"). */
export { branchName, decideTrigger, skippedByTrigger, type TriggerDecision, type TriggeredWork } from './triggerDecision';
export {
  patternProblem,
  type TriggerCondition,
  type TriggerRule,
  TriggerRuleSchema,
  TriggerRulesSchema,
  type TriggerWork,
  triggerConditions,
  triggerRuleNamePattern,
  triggerWorks,
} from './triggerRule';
