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
  testTimeout: 30000,
};
