// One Powertools Logger, Metrics and Tracer per Lambda instance (structured JSON logs, EMF
// metrics, X-Ray), and the one middleware stack every handler is wrapped in.
import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { Context } from 'aws-lambda';
import type { Telemetry } from '../telemetry.js';

/** middy's own options (e.g. answering before the Lambda's timeout). */
type MiddyOptions = Parameters<typeof middy>[1];

export const SERVICE = 'upay-backend';
export const NAMESPACE = 'UpayBackend';

export const logger = new Logger({ serviceName: SERVICE });
// Outcome counts go out as EMF lines of their own (countOutcome), so an invocation's flush is
// often empty by design: that one warning of Metrics would otherwise be a log line per request.
const EMPTY_FLUSH = /^No application metrics to publish/;
export const metrics = new Metrics({
  namespace: NAMESPACE,
  serviceName: SERVICE,
  logger: {
    debug: () => undefined,
    info: (message: unknown) => logger.info(String(message)),
    warn: (message: unknown) => (EMPTY_FLUSH.test(String(message)) ? undefined : logger.warn(String(message))),
    error: (message: unknown) => logger.error(String(message)),
  },
});
// Off outside Lambda (local stack, tests). Provider calls go through fetch, which the tracer
// records as one subsegment per request; AWS SDK clients are captured where they are built.
export const tracer = new Tracer({ serviceName: SERVICE });

/** The one dimension that tells outcomes apart; its values come from closed unions in code. */
export const OUTCOME_DIMENSION = 'outcome';

// Built once: Metrics.singleMetric() constructs a whole Metrics (with a Console of its own)
// each time it is called, ~27 KB of garbage per count on every request's path. A
// single-metric instance publishes at each addMetric and then forgets that line's dimensions,
// so one instance serves every count with the same EMF line.
const outcomes = metrics.singleMetric();

/**
 * A count of one outcome: metric `metric`, dimension outcome=`outcome`. Published as its own
 * EMF line, so the dimension stays off the invocation's other figures (whose alarms match
 * on `service` alone).
 */
export function countOutcome(metric: string, outcome: string, value = 1): void {
  try {
    outcomes.addDimension(OUTCOME_DIMENSION, outcome);
    outcomes.addMetric(metric, MetricUnit.Count, value);
  } catch (error) {
    // The instance is kept: a count refused after its dimension went in must not pass that
    // outcome on to the next count (a success publishes and clears it by itself).
    outcomes.clearDimensions();
    throw error;
  }
}

// The domain names an outcome count `<Operation>_<outcome>` (e.g. Pay_paid): published as
// metric <Operation> with the outcome as dimension, so the metric count is one per
// operation and outcome seen, not one name per outcome.
const OUTCOME_NAME = /^([A-Z][A-Za-z]*)_([a-z][a-z_]*)$/;

export const telemetry: Telemetry = {
  info: (message, fields) => logger.info(message, { ...fields }),
  warn: (message, fields) => logger.warn(message, { ...fields }),
  error: (message, fields) => logger.error(message, { ...fields }),
  count: (metric, value = 1) => {
    const outcome = OUTCOME_NAME.exec(metric);
    if (outcome?.[1] && outcome[2]) countOutcome(outcome[1], outcome[2], value);
    else metrics.addMetric(metric, MetricUnit.Count, value);
  },
};

/**
 * Every handler's wrapper: an X-Ray segment with cold-start annotation (responses are not
 * recorded: they hold orders), Lambda context on every log line, EMF flushed once per
 * invocation with a ColdStart figure.
 */
export function observed<E, R>(run: (event: E, context: Context) => Promise<R>, options?: MiddyOptions) {
  return middy(run, options)
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics, { captureColdStartMetric: true }));
}
