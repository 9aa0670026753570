/**
 * portkeeper's own lint rules: `layers` keeps each part of src/ to the imports eslint/layers.js
 * allows it, `no-import-cycle` keeps the import graph of src/ free of circles. Both look at the
 * non-test files under src/ only (tests may reach anything).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { LAYERS, PURE } from './layers.js';

const options = [
  {
    type: 'object',
    properties: { srcDir: { type: 'string', description: 'absolute path of src/ (default: <cwd>/src)' } },
    additionalProperties: false,
  },
];

/** The rules' view of the linted file: src-relative path, or null when it is not a non-test source file. */
function sourceFileOf(context) {
  const srcDir = context.options[0]?.srcDir ?? join(context.cwd, 'src');
  const rel = srcRelative(srcDir, context.filename);
  return rel === null || isTest(rel) ? null : { srcDir, rel };
}

/** `a/b.ts` for a file under srcDir (always `/`), or null outside it. */
function srcRelative(srcDir, file) {
  const rel = relative(srcDir, file);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return null;
  return rel.split(sep).join('/');
}

const isTest = (rel) => rel.endsWith('.test.ts');

/** The part a src-relative path belongs to: its top folder, or a root file without `.ts`. */
function partOf(rel) {
  const slash = rel.indexOf('/');
  if (slash === -1) return { key: rel.replace(/\.ts$/, ''), label: `src/${rel}` };
  const folder = rel.slice(0, slash);
  return { key: folder, label: `src/${folder}` };
}

/** The src-relative `.ts` file a relative specifier names (`./x.js` → `x.ts`); null for packages and files outside src/. */
function resolveSpecifier(srcDir, fromRel, specifier) {
  if (!specifier.startsWith('.')) return null;
  const target = resolve(dirname(join(srcDir, fromRel)), specifier);
  return srcRelative(srcDir, target.endsWith('.js') ? `${target.slice(0, -3)}.ts` : target);
}

/** `node:fs/promises`, `fs` → `fs`; `@scope/pkg/sub` → `@scope/pkg`. */
function moduleName(specifier) {
  const parts = specifier.replace(/^node:/, '').split('/');
  return (parts[0].startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/');
}

const forbiddenInPure = new Set(PURE.forbidden.map(moduleName));
const isPure = (rel) => PURE.files.some((entry) => (entry.endsWith('/') ? rel.startsWith(entry) : rel === entry));

/** A visitor calling `check(node, specifier)` for every module specifier: import, export … from, import(), import('…') types. */
function forEachSpecifier(check) {
  const literal = (node) => {
    if (node?.type === 'Literal' && typeof node.value === 'string') check(node, node.value);
    else if (node?.type === 'TemplateLiteral' && node.expressions.length === 0) check(node, node.quasis[0].value.cooked);
  };
  return {
    ImportDeclaration: (node) => literal(node.source),
    ExportNamedDeclaration: (node) => literal(node.source),
    ExportAllDeclaration: (node) => literal(node.source),
    ImportExpression: (node) => literal(node.source),
    TSImportType: (node) => literal(node.source),
    TSExternalModuleReference: (node) => literal(node.expression),
  };
}

const layers = {
  meta: {
    type: 'problem',
    docs: { description: 'Each part of src/ imports only the parts eslint/layers.js allows it, and pure files import no I/O modules' },
    schema: options,
    messages: {
      layer: '{{from}} may not import {{to}} (layers: {{key}} → {{allowed}}); see docs/architecture.md',
      unlisted: '{{from}} is not in the layer table, so it may not import {{to}}; add it to eslint/layers.js and docs/architecture.md',
      pure: '{{file}} is pure and may not import {{module}} (pure files import none of {{forbidden}}); see docs/architecture.md',
    },
  },
  create(context) {
    const file = sourceFileOf(context);
    if (file === null) return {};
    const own = partOf(file.rel);
    const allowed = Object.hasOwn(LAYERS, own.key) ? LAYERS[own.key] : null;
    const pure = isPure(file.rel);
    return forEachSpecifier((node, specifier) => {
      if (pure && forbiddenInPure.has(moduleName(specifier))) {
        context.report({ node, messageId: 'pure', data: { file: `src/${file.rel}`, module: specifier, forbidden: PURE.forbidden.join(', ') } });
        return;
      }
      const target = resolveSpecifier(file.srcDir, file.rel, specifier);
      if (target === null) return;
      const other = partOf(target);
      if (other.key === own.key) return;
      if (allowed === null) context.report({ node, messageId: 'unlisted', data: { from: own.label, to: other.label } });
      else if (!allowed.includes(other.key)) {
        context.report({ node, messageId: 'layer', data: { from: own.label, to: other.label, key: own.key, allowed: allowed.join(', ') || 'nothing' } });
      }
    });
  },
};

/**
 * The import graph of src/'s non-test files, read from disk once per srcDir and process (one lint
 * run; an editor's long-lived ESLint sees files as they were when it first ran this rule). A
 * depth-first walk in file-name order finds the back edges: every circle has one, and each is
 * reported on the import it stands for, naming the circle it closes.
 */
const graphs = new Map();

function cyclesOf(srcDir) {
  let backEdges = graphs.get(srcDir);
  if (backEdges === undefined) {
    backEdges = findBackEdges(readGraph(srcDir));
    graphs.set(srcDir, backEdges);
  }
  return backEdges;
}

function listSources(srcDir) {
  return readdirSync(srcDir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts'))
    .map((entry) => srcRelative(srcDir, join(entry.parentPath, entry.name)))
    .filter((rel) => rel !== null && !isTest(rel))
    .sort();
}

/** rel → the src files it imports. ts.preProcessFile finds static, type-only and dynamic imports and skips comments and strings. */
function readGraph(srcDir) {
  const files = listSources(srcDir);
  const known = new Set(files);
  const graph = new Map();
  for (const rel of files) {
    const { importedFiles } = ts.preProcessFile(readFileSync(join(srcDir, rel), 'utf8'), true, true);
    const targets = importedFiles.map(({ fileName }) => resolveSpecifier(srcDir, rel, fileName)).filter((target) => target !== null && known.has(target));
    graph.set(rel, [...new Set(targets)]);
  }
  return graph;
}

/** from → (to → the circle `to … from to`) for every back edge of the walk. */
function findBackEdges(graph) {
  const backEdges = new Map();
  const done = new Set();
  const path = [];
  const onPath = new Set();
  const visit = (rel) => {
    path.push(rel);
    onPath.add(rel);
    for (const to of graph.get(rel) ?? []) {
      if (onPath.has(to)) {
        const circle = [...path.slice(path.indexOf(to)), to];
        if (!backEdges.has(rel)) backEdges.set(rel, new Map());
        backEdges.get(rel).set(to, circle);
      } else if (!done.has(to)) visit(to);
    }
    path.pop();
    onPath.delete(rel);
    done.add(rel);
  };
  for (const rel of graph.keys()) if (!done.has(rel)) visit(rel);
  return backEdges;
}

const noImportCycle = {
  meta: {
    type: 'problem',
    docs: { description: 'No import circle among the non-test files of src/ (static, type-only and dynamic imports)' },
    schema: options,
    messages: {
      cycle: 'This import closes an import circle: {{circle}}; see docs/architecture.md',
    },
  },
  create(context) {
    const file = sourceFileOf(context);
    if (file === null) return {};
    const closing = cyclesOf(file.srcDir).get(file.rel);
    if (closing === undefined) return {};
    const reported = new Set();
    return forEachSpecifier((node, specifier) => {
      const target = resolveSpecifier(file.srcDir, file.rel, specifier);
      const circle = target === null ? undefined : closing.get(target);
      if (circle === undefined || reported.has(target)) return;
      reported.add(target);
      context.report({ node, messageId: 'cycle', data: { circle: circle.map((rel) => `src/${rel}`).join(' → ') } });
    });
  },
};

export const plugin = {
  meta: { name: 'portkeeper' },
  rules: { layers, 'no-import-cycle': noImportCycle },
};
