import { ValidationError, ValidationProblem } from "../../constructs/common/validation";

/** The problems a ValidationError thrown by `fn` names (empty when `fn` succeeds). Other errors propagate. */
export function validationProblems(fn: () => unknown): ValidationProblem[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof ValidationError) return [...e.problems];
    throw e;
  }
  return [];
}

/** Just the field names. */
export const problemFields = (fn: () => unknown): string[] => validationProblems(fn).map((p) => p.field);

/** "field: message" lines. */
export const problemLines = (fn: () => unknown): string[] => validationProblems(fn).map((p) => `${p.field}: ${p.message}`);
