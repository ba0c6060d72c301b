// One Powertools Logger and Metrics per Lambda instance (structured JSON logs, EMF metrics).
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Telemetry } from '../telemetry.js';

export const SERVICE = 'upay-backend';
export const NAMESPACE = 'UpayBackend';

export const logger = new Logger({ serviceName: SERVICE });
// Its own warnings ("No application metrics to publish") go through the logger, at its level.
export const metrics = new Metrics({ namespace: NAMESPACE, serviceName: SERVICE, logger });

export const telemetry: Telemetry = {
  info: (message, fields) => logger.info(message, { ...fields }),
  warn: (message, fields) => logger.warn(message, { ...fields }),
  error: (message, fields) => logger.error(message, { ...fields }),
  count: (metric, value = 1) => metrics.addMetric(metric, MetricUnit.Count, value),
};
