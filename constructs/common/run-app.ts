import { App, AppConfig } from "cdktf";
import { PolicyViolationError } from "../policy/aspect";
import { ValidationError } from "./validation";

/**
 * Errors a user fixes in their own props, config or stack (a ValidationError names each bad field;
 * a PolicyViolationError each zero-trust finding): worth their message, not a stack trace.
 */
export function isUserError(e: unknown): e is ValidationError | PolicyViolationError {
  return e instanceof ValidationError || e instanceof PolicyViolationError;
}

/**
 * Runs `fn` (building and synthesizing stacks). A user error is printed to stderr as its message
 * alone and the process exits 1; any other error is rethrown with its stack: that is a bug.
 */
export function explainUserErrors<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (!isUserError(e)) throw e;
    console.error(e.message);
    return process.exit(1);
  }
}

/**
 * A cdktf app's entry point with clear errors: creates the App, lets `build` add the stacks,
 * synthesizes, and reports invalid props and policy findings as one message each, with no stack
 * trace, exit code 1.
 *
 * @example
 * runApp((app) => {
 *   applyZeroTrustPolicy(new TeamStack(app, "team-a"));
 * });
 */
export function runApp(build: (app: App) => void, config?: AppConfig): App {
  return explainUserErrors(() => {
    const app = new App(config);
    build(app);
    app.synth();
    return app;
  });
}
