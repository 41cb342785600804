import { scanBuild } from '../shared/ci/scanBuild';
import { registerQueueFunction } from '../shared/runtime/functionRegistry';
import { queueTrigger } from '../shared/runtime/queueTrigger';

registerQueueFunction('scanBuild', { queue: 'build-scan', handler: queueTrigger('scanBuild', 'build-scan', scanBuild) });
