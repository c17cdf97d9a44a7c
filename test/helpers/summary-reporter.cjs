// Mocha's spec reporter, with the Node version first, the reason under every skipped test
// (test/helpers/skip.ts), and the plain closing line CI reads: "N passed, N failed[, N skipped]".
const Mocha = require('mocha');

/** The reason skipBecause left on the test or one of its suites. */
function skipReason(test) {
  for (let t = test; t; t = t.parent) if (t.skipReason) return t.skipReason;
  return undefined;
}

class SpecWithSummary extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once('start', () => process.stdout.write(`Node ${process.version} (${process.execPath})\n`));
    runner.on('pending', (test) => {
      const why = skipReason(test);
      process.stdout.write(
        `      skipped: ${why ?? 'no reason given (skip with skipBecause, test/helpers/skip.ts)'}\n`,
      );
    });
    runner.once('end', () => {
      const s = runner.stats;
      process.stdout.write(`${s.passes} passed, ${s.failures} failed${s.pending ? `, ${s.pending} skipped` : ''}\n`);
    });
  }
}
module.exports = SpecWithSummary;
