// Every Lambda handler, by function name, for the local stack to call in-process.
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { FunctionName } from '../lib/api/routes.js';
import type { HttpHandler } from './api-server.js';
import { handler as activate } from '../functions/activate.js';
import { handler as terminal } from '../functions/terminal.js';
import { handler as checkin } from '../functions/checkin.js';
import { handler as pay } from '../functions/pay.js';
import { handler as precreate } from '../functions/precreate.js';
import { handler as query } from '../functions/query.js';
import { handler as refund } from '../functions/refund.js';
import { handler as revoke } from '../functions/revoke.js';
import { handler as cancel } from '../functions/cancel.js';
import { handler as notify } from '../functions/notify.js';
import { handler as timer } from '../functions/timer.js';
import { handler as sweep } from '../functions/sweep.js';
import { handler as checkinFleet } from '../functions/checkin-fleet.js';
import { handler as attention } from '../functions/attention.js';
import { handler as resolve } from '../functions/resolve.js';
import { handler as report } from '../functions/report.js';
import { handler as terminals } from '../functions/terminals.js';
import { handler as retire } from '../functions/retire.js';

export type ScheduledHandler = (event: unknown, context: Context) => Promise<unknown>;

export const HTTP_HANDLERS: Record<FunctionName, HttpHandler> = { activate, terminal, checkin, pay, precreate, query, refund, revoke, cancel, notify, attention, resolve, report, terminals, retire };

/** The step timer's worker, as its SQS event source mapping invokes it. */
export const TIMER_HANDLER = timer as (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

export const SCHEDULED_HANDLERS: { sweep: ScheduledHandler; 'checkin-fleet': ScheduledHandler } = {
  sweep: sweep as ScheduledHandler,
  'checkin-fleet': checkinFleet as ScheduledHandler,
};
