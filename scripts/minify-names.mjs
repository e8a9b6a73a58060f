// Shortens the wasm's import, export and module names (wasm-opt's
// --minify-imports-and-exports-and-modules) and rewrites the wasm-bindgen glue to match.
// Every name is a string in both files that gzip cannot shrink well (each import carries a
// hash); shortening them saves about a kilobyte and a half of what a page loads. The glue's
// long warnings are shortened too.
//
// Usage: node scripts/minify-names.mjs <in.wasm> <out.wasm> <glue.js>  (the glue is rewritten in place)
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

const [input, output, gluePath] = process.argv.slice(2);
const mapping = JSON.parse(
  execFileSync('wasm-opt', [input, '--minify-imports-and-exports-and-modules', '--strip-target-features', '-o', output], { encoding: 'utf8' }),
);
const module = new WebAssembly.Module(readFileSync(output));
const imports = WebAssembly.Module.imports(module);
const exports = new Set(WebAssembly.Module.exports(module).map((e) => e.name));
const modules = new Set(imports.map((i) => i.module));
if (modules.size !== 1) throw new Error(`expected one import module, got ${[...modules]}`);
const [moduleName] = modules;
const importNames = new Set(imports.map((i) => i.name));

let glue = readFileSync(gluePath, 'utf8');
const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const oldModule = mapping.imports[0][0];
if (!glue.includes(`"${oldModule}": import0`)) throw new Error(`the glue has no import object for ${oldModule}`);
glue = glue.replace(`"${oldModule}": import0`, `"${moduleName}": import0`);
for (const [, oldName, newName] of mapping.imports) {
  if (!importNames.has(newName)) throw new Error(`wasm-opt's mapping names an import ${newName} the wasm lacks`);
  const pattern = new RegExp(`(^|[\\s{,])${escape(oldName)}(?=\\s*:)`, 'gm');
  if (!pattern.test(glue)) throw new Error(`the glue does not define the import ${oldName}`);
  glue = glue.replace(pattern, `$1${newName}`);
}
for (const [oldName, newName] of mapping.exports) {
  if (!exports.has(newName)) throw new Error(`wasm-opt's mapping names an export ${newName} the wasm lacks`);
  glue = glue.replace(new RegExp(`\\bwasm\\.${escape(oldName)}\\b`, 'g'), `wasm.${newName}`);
}
// Nothing may still use an old name.
for (const [, name] of glue.matchAll(/\bwasm\.([A-Za-z_$][\w$]*)/g)) {
  if (!exports.has(name)) throw new Error(`the glue still uses the export ${name}`);
}
// wasm-bindgen's warnings, in fewer words: they are bytes every page loads for a message
// almost none will print. Each must be found, so a new wasm-bindgen cannot slip past.
const shorter = [
  [/console\.warn\("`WebAssembly\.instantiateStreaming` failed because[^"]*", e\)/, 'console.warn("wasm: not served as application/wasm; instantiating it the slow way:", e)'],
  [/console\.warn\('using deprecated parameters for `initSync\(\)`; pass a single object instead'\)/, "console.warn('initSync: pass { module }')"],
  [/console\.warn\('using deprecated parameters for the initialization function; pass a single object instead'\)/, "console.warn('init: pass { module_or_path }')"],
];
// A TextEncoder without encodeInto predates wasm reference types, which this wasm needs:
// the polyfill for it can never run.
shorter.push([/if \(!\('encodeInto' in cachedTextEncoder\)\) \{[\s\S]*?\n\}\n/, '']);
for (const [pattern, replacement] of shorter) {
  if (!pattern.test(glue)) throw new Error(`the glue has no ${pattern}`);
  glue = glue.replace(pattern, replacement);
}
writeFileSync(gluePath, glue);
