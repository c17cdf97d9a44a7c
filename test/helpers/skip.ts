/**
 * Skipping a test with its reason: mocha's `this.skip()` takes none, so the reason is kept on the
 * test (or, from a hook, on its suite) and test/helpers/summary-reporter.cjs prints it under the
 * pending test. A skip without a reason is printed as such, so CI output never hides why.
 */
import type { Context } from 'mocha';

/** Marks the current test (in a hook: every test of its suite) skipped because of `reason`. */
export function skipBecause(ctx: Context, reason: string): never {
  const runnable = ctx.test as (Mocha.Runnable & { type?: string }) | undefined;
  // In a hook, `ctx.test` is the hook itself: the reason belongs to the suite it skips.
  const owner = runnable?.type === 'hook' ? runnable.parent : runnable;
  if (owner) (owner as { skipReason?: string }).skipReason = reason;
  ctx.skip();
}
