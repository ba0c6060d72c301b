// Request and response schemas of the terminal routes: they validate requests and generate
// the OpenAPI document, so the two cannot disagree.
import * as z from 'zod';
import { text } from './text.js';

export const terminalSnSchema = () => z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -');

export const activationBody = z.lazy(() => z.strictObject({
  activation_code: text(64).meta({ description: 'The activation code the provider issued for the store', example: '24681357' }),
  device_id: text(128).meta({ description: 'Stable id of the till or device this terminal belongs to', example: 'till-01' }),
  name: text(128).optional().meta({ example: 'Front counter' }),
}));

export const TERMINAL_STATUSES = ['activating', 'active', 'checkin_unconfirmed', 'parked', 'retired'] as const;

export const terminalPath = z.lazy(() => z.strictObject({ terminal_sn: terminalSnSchema() }));

export const terminalSchema = z.lazy(() => z
  .object({
    terminal_sn: z.string(),
    store_id: z.string(),
    device_id: z.string(),
    name: z.string().optional(),
    status: z.enum(TERMINAL_STATUSES).meta({
      description:
        'activating: issued by the provider, key being stored (stuck here = key lost, see DEPLOY.md); active: key confirmed; checkin_unconfirmed: one check-in may have rotated the key without us (it still signs); parked: the stored key may be dead, an admin must act; retired: no longer checked in nor used for new payments (its orders stay queryable and refundable)',
    }),
    activated_at: z.iso.datetime(),
    checked_in_at: z.iso.datetime().optional(),
    key_stored_at: z.iso.datetime(),
    key_age_seconds: z.number().int().nonnegative(),
    last_error: z.object({ code: z.string(), message: z.string(), at: z.iso.datetime() }).optional(),
    checkin_in_flight: z
      .object({ started_at: z.iso.datetime(), signed_with_key_stored_at: z.iso.datetime() })
      .optional()
      .meta({ description: 'A check-in that called the provider and has not recorded its end (a run that died leaves it; the next check-in judges it)' }),
    retired_at: z.iso.datetime().optional(),
    key_deletion_at: z.iso.datetime().optional().meta({ description: 'A retired terminal: when its key is deleted (set once its refund period is over; see DEPLOY.md)' }),
  })
  .meta({ id: 'Terminal', description: 'A Upay terminal held by this backend. Its key is never shown.' }));

export type TerminalView = z.infer<typeof terminalSchema>;
