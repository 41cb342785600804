import { existsSync } from 'node:fs';
import * as path from 'node:path';

/**
 * Where the simulator reads the Azure DevOps shapes it answers with: the recorded REST responses and
 * service-hook payloads in the checkout's test/fixtures/azure-devops/ (their sources are in that
 * folder's README). Found by walking up from this module, so it is the same folder whether the
 * simulator runs from source (tests) or from dist/ (`npm run demo`).
 */
export function recordedShapesDir(kind: 'rest' | 'service-hooks'): string {
  for (let directory = __dirname; ; directory = path.dirname(directory)) {
    const candidate = path.join(directory, 'test', 'fixtures', 'azure-devops', kind);
    if (existsSync(candidate)) return candidate;
    if (path.dirname(directory) === directory) {
      throw new Error(
        `the Azure DevOps simulator needs the recorded shapes in test/fixtures/azure-devops/${kind}: run it from a checkout of Vigil`,
      );
    }
  }
}
