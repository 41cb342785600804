import { createHash } from 'node:crypto';
import type { RiskSeverity } from '../risks';
import type { AuditedEndpoint } from './auditedEndpoint';
import { serviceConnectionChecks } from './checks/registry';
import type { ServiceConnectionCheck } from './checks/serviceConnectionCheck';
import type { EndpointFacts } from './endpointFacts';
import { label } from './evidenceText';

/** A failing check, ready to be recorded as a sighting of a risk. */
export interface AuditFinding {
  checkId: string;
  ruleId: string;
  title: string;
  severity: RiskSeverity;
  verified: boolean;
  /** sha256 over the check id and the failing values: a changed endpoint is a new sighting, an unchanged one the same. */
  fingerprint: string;
  evidence: { location: string; redacted: string };
  remediation: string;
}

export interface EndpointAudit {
  endpoint: AuditedEndpoint;
  findings: AuditFinding[];
  passed: string[];
  notApplicable: string[];
  unevaluated: Array<{ checkId: string; reason: string }>;
}

/** Runs every check over one connection's facts. Pure: same facts, same findings. */
export function evaluateEndpoint(facts: EndpointFacts, checks: readonly ServiceConnectionCheck[] = serviceConnectionChecks): EndpointAudit {
  const audit: EndpointAudit = { endpoint: facts.endpoint, findings: [], passed: [], notApplicable: [], unevaluated: [] };
  for (const check of checks) {
    const outcome = check.evaluate(facts);
    switch (outcome.status) {
      case 'pass':
        audit.passed.push(check.id);
        break;
      case 'not-applicable':
        audit.notApplicable.push(check.id);
        break;
      case 'unevaluated':
        audit.unevaluated.push({ checkId: check.id, reason: outcome.reason });
        break;
      case 'fail': {
        const { failure } = outcome;
        audit.findings.push({
          checkId: check.id,
          ruleId: `service-connection/${check.id}`,
          title: check.title,
          severity: failure.severity,
          verified: failure.verified ?? true,
          fingerprint: findingFingerprint(check.id, failure.values),
          evidence: { location: `endpoint ${label(facts.endpoint.name)} · ${failure.field}`, redacted: failure.shown },
          remediation: failure.remediation,
        });
        break;
      }
    }
  }
  return audit;
}

export function findingFingerprint(checkId: string, values: string[]): string {
  return createHash('sha256')
    .update([checkId, ...values].join('\u0000'))
    .digest('hex');
}
