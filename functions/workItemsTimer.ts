import { getServices } from '../shared/app';
import { registerTimerFunction, scheduleSlot, validTimerSchedule } from '../shared/azureFunctions';
import { loadConfig } from '../shared/config';
import { requestReconciliations } from '../shared/workitems';

// Read from the app setting when the app loads, under the Functions host and the local host alike.
const schedule = validTimerSchedule('VIGIL_WORKITEMS_RECONCILE_SCHEDULE', loadConfig().environment.VIGIL_WORKITEMS_RECONCILE_SCHEDULE);

registerTimerFunction('workItemsTimer', {
  schedule,
  handler: async (_timer, context) => {
    const services = await getServices();
    const organizations = await requestReconciliations(services, scheduleSlot(schedule, services.clock.now()));
    context.log(`work-item reconciliation requested for ${organizations.length} organization(s)`);
  },
});
