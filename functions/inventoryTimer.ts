import { getServices } from '../shared/app';
import { registerTimerFunction, scheduleSlot, validTimerSchedule } from '../shared/azureFunctions';
import { loadConfig } from '../shared/config';
import { requestInventories } from '../shared/repositories';

// Read from the app setting when the app loads, the same way under the Functions host (where app
// settings are environment variables) and the local host, which runs this very registration.
const schedule = validTimerSchedule('VIGIL_INVENTORY_SCHEDULE', loadConfig().environment.VIGIL_INVENTORY_SCHEDULE);

registerTimerFunction('inventoryTimer', {
  schedule,
  handler: async (_timer, context) => {
    const services = await getServices();
    const organizations = await requestInventories(services, scheduleSlot(schedule, services.clock.now()));
    context.log(`inventory requested for ${organizations.length} organization(s)`);
  },
});
