#!/usr/bin/env node
// The only place that sets the exit code; everything else returns it.
import { main } from '../dist/cli/esr-export.js';

// A reader that went away (`| head`) is not an error worth a stack trace.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

process.exitCode = await main(process.argv.slice(2));
