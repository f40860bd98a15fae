// Bundle the co-editor into one file served by Flask: npm run build
import { mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import * as esbuild from 'esbuild'

const here = (path) => fileURLToPath(new URL(path, import.meta.url))
const outdir = here('../platform/coelab/static/dist/')

try {
  mkdirSync(outdir, { recursive: true })
  await esbuild.build({
    entryPoints: [here('src/main.js')],
    outfile: outdir + 'editor.js',
    bundle: true,
    minify: true,
    format: 'iife',
    platform: 'browser',
    target: ['es2020'],
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'info'
  })
} catch (error) {
  // esbuild has already printed the details
  console.error('build failed:', error.message)
  process.exit(1)
}
