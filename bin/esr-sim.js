#!/usr/bin/env node
// The only place that sets the exit code; everything else returns it.
import { main } from '../dist/cli/esr-sim.js';

process.exitCode = await main(process.argv.slice(2));
