import type { SummarySettings } from '../organizations';
import type { Vault } from '../vault';
import { type SummaryWriter, templateSummaryWriter } from './summaryWriter';

/**
 * The writer an organization's settings ask for: the template when they name none. The model
 * writer's module (and with it the `openai` package and the engine's rules) loads on first use.
 */
export async function summaryWriterFor(settings: SummarySettings | undefined, services: { vault: Vault }): Promise<SummaryWriter> {
  if (settings?.writer !== 'azure-openai' || !settings.azureOpenAi) return templateSummaryWriter;
  const { azureOpenAiSummaryWriter } = await import('./azureOpenAiSummaryWriter.js');
  return azureOpenAiSummaryWriter(settings.azureOpenAi, { vault: services.vault });
}
