import { type AppServices, createAppServices } from '../app';
import { loadConfig } from '../config';
import { escapeJsonControlCharacters } from '../logging';

/**
 * Opens the same adapters the functions use (embedded under VIGIL_DATA_DIR, or Azure when its
 * settings are present) for one command, and closes them after. Safe beside a running local
 * host: SQLite in WAL mode takes readers and short writers alongside it.
 */
export async function withServices<T>(work: (services: AppServices) => Promise<T>): Promise<T> {
  const services = await createAppServices(loadConfig());
  try {
    return await work(services);
  } finally {
    await services.close();
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(`${escapeJsonControlCharacters(JSON.stringify(value, null, 2))}\n`);
}
