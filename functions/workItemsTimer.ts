import { getServices } from '../shared/app';
import { registerTimerFunction } from '../shared/azureFunctions';
import { loadConfig } from '../shared/config';
import { scheduleSlot } from '../shared/repositories';
import { requestReconciliations, validReconcileSchedule } from '../shared/workitems';

// Read from the app setting when the app loads, under the Functions host and the local host alike.
const schedule = validReconcileSchedule(loadConfig().environment.VIGIL_WORKITEMS_RECONCILE_SCHEDULE);

registerTimerFunction('workItemsTimer', {
  schedule,
  handler: async (_timer, context) => {
    const services = await getServices();
    const organizations = await requestReconciliations(services, scheduleSlot(schedule, services.clock.now()));
    context.log(`work-item reconciliation requested for ${organizations.length} organization(s)`);
  },
});
