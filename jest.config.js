const { availableParallelism } = require('node:os');

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // TypeScript and ESM become CommonJS with esbuild (test/support/esbuildTransform.js). jose 6 and
  // Microsoft's Graph SDK packages are published as ESM only; Jest's CommonJS runtime needs them
  // transformed like our own code, so they are let through transformIgnorePatterns.
  transform: {
    '^.+\\.(t|j)sx?$': '<rootDir>/test/support/esbuildTransform.js',
  },
  transformIgnorePatterns: ['/node_modules/(?!(jose|@microsoft)/)'],
  globalSetup: '<rootDir>/test/support/globalSetup.ts',
  globalTeardown: '<rootDir>/test/support/globalTeardown.ts',
  setupFilesAfterEnv: ['<rootDir>/test/support/cleanup.ts'],
  // Generous for the suites that are all CPU (2,000 requests over HTTP; 300 simultaneous writes): with a
  // worker per core each gets half the machine, and on a loaded one they needed more than 30 s.
  testTimeout: 60000,
  // Jest's default (one worker fewer than cores) gives a 2-core machine a single worker, idle while its
  // suites wait on loopback servers, child processes and storage deadlines. One worker per core, at
  // least 2, halves a run there; more than the cores only slows every file (measured: docs/testing.md),
  // and past 4 the one Cosmos-compatible server in Jest's parent process serves them all.
  maxWorkers: Math.min(4, Math.max(2, availableParallelism())),
};
