/**
 * Builds the dashboard (ui/) into dist/ui: one ES module bundle and one stylesheet, with Preact
 * bundled in, so `gaffer serve` serves everything itself (no CDN; works offline).
 *
 *   node scripts/build-ui.mjs [outDir]      (npm run build calls it)
 *
 * Tests import buildUi() to build into a temporary directory.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Builds the dashboard into outDir (default dist/ui); resolves to outDir. */
export async function buildUi({ outDir = path.join(root, 'dist', 'ui'), minify = true } = {}) {
  await mkdir(outDir, { recursive: true });
  await esbuild.build({
    entryPoints: { app: path.join(root, 'ui', 'src', 'main.tsx') },
    outdir: outDir,
    bundle: true,
    format: 'esm',
    target: ['es2022'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify,
    sourcemap: true,
    legalComments: 'linked',
    logLevel: 'warning',
  });
  await copyFile(path.join(root, 'ui', 'index.html'), path.join(outDir, 'index.html'));
  return outDir;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outDir = await buildUi(process.argv[2] ? { outDir: path.resolve(process.argv[2]) } : {});
  console.log(`dashboard built into ${path.relative(process.cwd(), outDir) || '.'}`);
}
