import { getServices } from '../shared/app';
import { registerTimerFunction, validTimerSchedule } from '../shared/azureFunctions';
import { loadConfig } from '../shared/config';

// Read from the app setting when the app loads, under the Functions host and the local host alike.
const schedule = validTimerSchedule('VIGIL_RISK_TOTALS_SCHEDULE', loadConfig().environment.VIGIL_RISK_TOTALS_SCHEDULE);

registerTimerFunction('riskTotalsTimer', {
  schedule,
  handler: async (_timer, context) => {
    const services = await getServices();
    // Loaded on first run, not at cold start (docs/architecture.md, "Start-up").
    const { reconcileAllRiskTotals } = await import('../shared/risks/reconcileRiskTotals.js');
    const results = await reconcileAllRiskTotals({ ...services, logger: services.logger.child({ function: 'riskTotalsTimer' }) });
    const corrected = results.filter((result) => result.outcome === 'corrected').length;
    const deferred = results.filter((result) => result.outcome === 'deferred').length;
    context.log(`risk totals reconciled for ${results.length} organization(s): ${corrected} corrected, ${deferred} left to the next run`);
  },
});
