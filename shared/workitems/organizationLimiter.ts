/**
 * At most `limit` syncs of one organization at a time in this process (docs/work-items.md,
 * "Efficiency"): a burst of new risks reaches Azure DevOps a few at a time, within its rate
 * limits, whatever the queue's concurrency.
 */
export class OrganizationLimiter {
  private readonly running = new Map<string, number>();
  private readonly waiting = new Map<string, Array<() => void>>();

  constructor(private readonly limit: number) {}

  async run<T>(organization: string, work: () => Promise<T>): Promise<T> {
    const running = this.running.get(organization) ?? 0;
    if (running >= this.limit) {
      // The finishing run hands its slot straight to the first waiter.
      await new Promise<void>((resolve) => this.waiting.set(organization, [...(this.waiting.get(organization) ?? []), resolve]));
    } else {
      this.running.set(organization, running + 1);
    }
    try {
      return await work();
    } finally {
      const queue = this.waiting.get(organization);
      const next = queue?.shift();
      if (queue?.length === 0) this.waiting.delete(organization);
      if (next) next();
      else {
        const left = (this.running.get(organization) ?? 1) - 1;
        if (left === 0) this.running.delete(organization);
        else this.running.set(organization, left);
      }
    }
  }
}

/** The process's limiter: four syncs per organization at once. */
export const organizationLimiter = new OrganizationLimiter(4);
