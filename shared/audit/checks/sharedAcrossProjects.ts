import { label } from '../evidenceText';
import { fail, pass, type ServiceConnectionCheck } from './serviceConnectionCheck';

/**
 * ADOScanner SC220 (baseline), notes §4 #7: a connection shared with other projects can be used
 * by their pipelines and administrators too, so a compromise of the weakest project reaches it.
 */
export const sharedAcrossProjects: ServiceConnectionCheck = {
  id: 'shared-across-projects',
  title: 'Service connection shared across projects',
  evaluate({ endpoint }) {
    const projects = endpoint.projects;
    if (projects.length <= 1) return pass();
    const names = projects.map((p) => label(p.name, 40));
    const listed = names.length > 5 ? `${names.slice(0, 5).join(', ')}, …` : names.join(', ');
    return fail({
      severity: 'high',
      field: 'serviceEndpointProjectReferences',
      shown: `serviceEndpointProjectReferences = ${projects.length} projects (${listed})`,
      values: projects.map((p) => p.id).sort(),
      remediation: `Stop sharing '${endpoint.name}' with the projects that do not deploy with it (${listed}: Service connections → ${endpoint.name} → Security → Project permissions), or give each project its own, narrower connection.`,
    });
  },
};
