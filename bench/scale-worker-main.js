// The entry bench/scale.ts forks for each worker process: tsx loaded at run time, as bin/impala-autoscaler.js loads
// it, not by `--require` on the command line, which worker threads inherit. Loaded that way it would run in the SDK's
// workflow threads too and turn on Node's source maps there, and every promise a workflow makes (the SDK compiles a
// function for each one it tracks) would pay for a source-map lookup the production worker does not make.
require('tsx/cjs');
require('./scale-worker.ts');
