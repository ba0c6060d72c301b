import type { z } from 'zod';

/** The first problem of a failed parse, with the field's dotted path (e.g. `extended.k`). */
export function firstIssue(error: z.ZodError): { field: string; message: string } {
  const issue = error.issues[0];
  if (!issue) return { field: '', message: 'invalid input' };
  const field = issue.path.map(String).join('.');
  // zod says "expected object, received null"; the caller sent JSON, so say it in JSON's words.
  if (issue.code === 'invalid_type' && issue.expected === 'object') return { field, message: `${field ? `${field}: ` : ''}expected a JSON object` };
  return { field, message: field ? `${field}: ${issue.message}` : issue.message };
}
