/**
 * Two projects. `unit`: pure functions, no database (`npx jest --selectProjects unit` starts no PostgreSQL).
 * `integration+e2e`: integration, e2e and the bad-input suite (test/security), which talk to a real PostgreSQL that its globalSetup starts once
 * per run (see test/helpers/global-setup.ts). `jest` alone runs both.
 */
const shared = {
  testEnvironment: 'node',
  rootDir: __dirname,
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
};

module.exports = {
  // Run-wide options: Jest reads these from the root config, not from a project's.
  testTimeout: 30000,
  maxWorkers: 2,
  projects: [
    {
      ...shared,
      displayName: 'unit',
      roots: ['<rootDir>/test/unit'],
      testMatch: ['**/*.test.ts'],
    },
    {
      ...shared,
      displayName: 'integration+e2e',
      roots: ['<rootDir>/test/integration', '<rootDir>/test/e2e', '<rootDir>/test/security'],
      testMatch: ['**/*.test.ts'],
      globalSetup: '<rootDir>/test/helpers/global-setup.ts',
      globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
    },
  ],
};
