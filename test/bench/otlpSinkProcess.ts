import { startOtlpSink } from './otlpSink';

/** The OTLP sink in a process of its own (forked by the benchmarks), so receiving exports costs the measured process nothing. */
startOtlpSink().then((sink) => {
  process.send?.({ url: sink.url });
  process.on('message', (message: unknown) => {
    if (message === 'totals') process.send?.({ requests: sink.requests(), bytes: sink.bytes() });
  });
  process.on('disconnect', () => void sink.close());
});
