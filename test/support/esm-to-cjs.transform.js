// Jest on Node < 24.9 cannot require() ES modules (NestJS 12 ships only ES modules; Node itself loads them through
// require(esm), so the built apps need nothing of this). This transformer turns the ES-module packages listed in
// package.json's `transformIgnorePatterns` into CommonJS for Jest alone, with the TypeScript compiler we already use.
'use strict';
const { createHash } = require('node:crypto');
const ts = require('typescript');

const compilerOptions = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2022,
  allowJs: true,
  esModuleInterop: true,
  sourceMap: false,
  inlineSourceMap: true,
};

// Part of the cache key, so editing this transformer invalidates what Jest cached from its previous version.
const SELF = require('node:fs').readFileSync(__filename);

module.exports = {
  getCacheKey(source, filename) {
    return createHash('sha1').update(SELF).update(ts.version).update('\0').update(filename).update('\0').update(source).digest('hex');
  },
  process(source, filename) {
    // `import.meta.url` has no CommonJS spelling the compiler would emit; this is its value in a CommonJS module.
    // A module-level `const require = createRequire(import.meta.url)` would redeclare CommonJS's own `require`.
    // `import.meta.resolve` (terminus checks optional peers with it) becomes `require.resolve` as a file URL, and
    // `import.meta.dirname` is `__dirname`.
    const code = source
      .replace(/^const require = createRequire\(import\.meta\.url\);?$/m, '')
      .replace(/\bimport\.meta\.url\b/g, "require('node:url').pathToFileURL(__filename).href")
      .replace(/\bimport\.meta\.dirname\b/g, '__dirname')
      .replace(/\bimport\.meta\.resolve\(/g, "((specifier) => require('node:url').pathToFileURL(require.resolve(specifier)).href)(");
    return { code: ts.transpileModule(code, { fileName: filename, compilerOptions }).outputText };
  },
};
