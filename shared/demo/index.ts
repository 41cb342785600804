/**
 * The demo (`npm run demo`, `vigil demo`; README "See it work"): the local host and the Azure DevOps
 * simulator, the demo's story played through the real webhook, and a summary. `playDemoSequence`
 * seeds any running host with the same story (the overview page's tests use it).
 */
export type { ConsoleAlert, ConsoleAlertChannel } from './consoleAlertChannel';
export { startConsoleAlertChannel } from './consoleAlertChannel';
export type { DemoSummary } from './demoSummary';
export { demoSummary, summaryText } from './demoSummary';
export type { DemoWorld } from './demoWorld';
export { demoOrganization, demoProject, demoSecrets, plantedSecrets } from './demoWorld';
export type { DemoOptions, DemoRun, DemoTarget } from './playDemoSequence';
export { DemoStepError, demoTokenSecret, playDemoSequence } from './playDemoSequence';
export type { DemoCommandOptions, DemoOutput } from './runDemo';
export { runDemo } from './runDemo';
