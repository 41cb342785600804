/** Resolves on the first Ctrl+C or SIGTERM: how `vigil start` and `vigil demo --keep` wait before shutting down. */
export function untilSignalled(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}
