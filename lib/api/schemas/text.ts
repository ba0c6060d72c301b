// Free text in requests, by the provider's rule and the one lib/upay applies again at its
// boundary: lengths in characters (JSON Schema's maxLength counts the same way), and one line
// of printable text, so nothing stored or echoed can hide a NUL, a line break or a bidi override.
import * as z from 'zod';
import { characters, unsafeTextProblem } from '../../upay/index.js';

export const text = (max: number) =>
  z
    .string()
    .min(1, 'must not be empty')
    .superRefine((value, context) => {
      const problem = unsafeTextProblem(value);
      if (problem) context.addIssue({ code: 'custom', message: problem });
      else if (characters(value) > max) context.addIssue({ code: 'custom', message: `must be at most ${max} characters` });
    })
    .meta({ maxLength: max });
