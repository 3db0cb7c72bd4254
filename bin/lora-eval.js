#!/usr/bin/env node
import { availableParallelism } from 'node:os';

// Image decoding runs in worker threads whose libvips calls share libuv's thread pool (4 threads by default), which
// must be as large as the worker pool to use every core. It is sized on first use, so this precedes every import.
process.env.UV_THREADPOOL_SIZE ??= String(Math.max(4, availableParallelism()));
await import('../dist/src/cli/main.js');
