#!/usr/bin/env node
// Runs the TypeScript sources directly (tsx), so the command works from a fresh clone without a build step.
require('tsx/cjs');
require('../src/client/main.ts');
