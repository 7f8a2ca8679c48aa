#!/usr/bin/env node
/** `crawlctl`: the command line for the crawlflow API. See `crawlctl --help`. */
import { runCli } from './cli';

process.stdout.on('error', () => undefined); // a closed pipe (`| head`) is not an error
void runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env }).then(
  (code) => {
    process.exitCode = code;
  },
);
