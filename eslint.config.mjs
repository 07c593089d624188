// Lint: typescript-eslint's recommended rules, no import cycles, and module boundaries.
// A feature module (src/modules/<feature>/) is reached through its index.ts; src/web, src/jobs, src/mail
// and the scripts never reach into a module's files. Run by `npm test` (npm run lint).
import tseslint from 'typescript-eslint';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

const FACE = 'Import another module through its index.ts (its public face), not one of its files.';

/**
 * A deep import into another module, written from a file `depth` folders below src/modules/<feature>/.
 * The domain model is the exception: entities (`*.entity.ts`: TypeORM relations and the DataSource need
 * the classes themselves) and the pure scoring math (`metrics/scoring.ts`) import nothing but each other,
 * so every layer may use them directly; reaching them through an index.ts would load whole modules (and
 * their routers) and tie every module to every other in a cycle.
 */
const DOMAIN_MODEL = '(?!metrics/scoring$)(?![^/]+/[^/]*\\.entity$)';
function deepIntoOtherModule(depth) {
  const up = '\\.\\./'.repeat(depth);
  return { regex: `^${up}${DOMAIN_MODEL}[^./][^/]*/.+`, message: FACE };
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'data/**', '.tmp/**', 'public/vendor/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: 'tsconfig.json' })],
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-self-import': 'error',
    },
  },
  {
    // Outside the modules: reach a module only through src/modules/<feature>/index.ts.
    files: ['src/*.ts', 'src/{web,jobs,mail,db,i18n}/**/*.ts', 'scripts/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: `(^|/)modules/${DOMAIN_MODEL}[^/]+/.+`, message: FACE }] }],
    },
  },
  {
    files: ['src/modules/*/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [deepIntoOtherModule(1)] }] },
  },
  {
    files: ['src/modules/*/*/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [deepIntoOtherModule(2)] }] },
  },
  {
    files: ['src/modules/*/*/*/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [deepIntoOtherModule(3)] }] },
  },
  {
    // A module's routers (*.routes.ts, *.pages.ts) are mounted by the web layer and nowhere else; its
    // index.ts is what other modules use. Mounting them from here keeps routers out of every module's
    // import graph, so modules can use each other's services without cycles.
    files: ['src/web/routes.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: `(^|/)modules/${DOMAIN_MODEL}[^/]+/(?![^/]+\\.(routes|pages)$).+`, message: 'Mount a module\'s routers (*.routes, *.pages); use anything else through its index.ts.' }] }],
    },
  },
  {
    files: ['src/modules/api/index.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: `^\\.\\./${DOMAIN_MODEL}[^./][^/]*/(?![^/]+\\.routes$).+`, message: 'The API mounts each module\'s *.routes; anything else goes through the module\'s index.ts.' }] }],
    },
  },
  {
    // src/web is the app's shared web layer: it never depends on a feature's internals.
    files: ['src/web/**/*.ts'],
    ignores: ['src/web/routes.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: `(^|/)modules/${DOMAIN_MODEL}[^/]+/.+`, message: 'src/web is shared by every feature: it may use a module only through its index.ts.' }] }],
    },
  },
  {
    // CommonJS build helpers (scripts/*.cjs) load modules with require().
    files: ['**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Tests reach into services and queries on purpose, and use expect(...) chains and non-null assertions.
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
