#!/usr/bin/env node
// The only place that sets the exit code; everything else returns it.

// The AWS SDK warns on Node < 22 that its releases after January 2027 will need Node 22. We support
// Node >= 20.19 (package.json engines), the user cannot act on it mid-report, and it would land in
// the middle of our output: silence that one warning through the SDK's own switch, unless the user set it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// A reader that went away (`| head`) is not an error worth a stack trace.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

// Imported after the line above, so the SDK sees it when it loads.
const { main } = await import('../dist/cli/esr-sim.js');
process.exitCode = await main(process.argv.slice(2));
