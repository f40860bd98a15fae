// Bundle the co-editor into one file served by Flask: npm run build
// (`npm run build -- --analyze` also prints what the bundle is made of).
//
// Beside editor.js the build writes editor.js.br and editor.js.gz, compressed once at
// the highest quality: coelab.assets (platform/coelab/assets.py) serves the one the
// browser accepts, and nginx's brotli_static/gzip_static can too (README, "Operations").
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'
import * as esbuild from 'esbuild'

const here = (path) => fileURLToPath(new URL(path, import.meta.url))
const outdir = here('../platform/coelab/static/dist/')
const outfile = outdir + 'editor.js'
const analyze = process.argv.includes('--analyze')

// written under a temporary name, then renamed: a server running meanwhile never
// serves half a file
const writeAtomically = (path, data) => {
  writeFileSync(path + '.tmp', data)
  renameSync(path + '.tmp', path)
}

const compress = (path) => {
  const data = readFileSync(path)
  const brotli = brotliCompressSync(data, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      [constants.BROTLI_PARAM_SIZE_HINT]: data.length
    }
  })
  const gzip = gzipSync(data, { level: constants.Z_BEST_COMPRESSION })
  writeAtomically(path + '.br', brotli)
  writeAtomically(path + '.gz', gzip)
  const kb = (n) => (n / 1024).toFixed(1) + ' KB'
  console.log(`  ${path.slice(outdir.length)}  ${kb(data.length)}, brotli ${kb(brotli.length)}, gzip ${kb(gzip.length)}`)
}

// @codemirror/lang-markdown imports @codemirror/lang-html, for the HTML inside Markdown:
// to highlight it, and to complete its tags (with the autocompletion extension, which
// the editor does not use). lang-html brings the CSS and JavaScript parsers with it:
// 176 KB of the 697 KB bundle (55 KB of 200 once compressed, measured with
// `npm run build -- --analyze`). Coélab's texts are written by people, not in HTML,
// and the server renders none of it (platform/coelab/documents/render.py): lang-markdown
// gets a stand-in without an HTML parser, and an HTML tag stays one Markdown node, not
// parsed within. Only lang-markdown's import is replaced.
const noHtmlInMarkdown = {
  name: 'no-html-in-markdown',
  setup (build) {
    build.onResolve({ filter: /^@codemirror\/lang-html$/ }, (args) =>
      /[\\/]@codemirror[\\/]lang-markdown[\\/]/.test(args.importer)
        ? { path: 'lang-html', namespace: 'no-html-in-markdown' }
        : undefined)
    build.onLoad({ filter: /.*/, namespace: 'no-html-in-markdown' }, () => ({
      loader: 'js',
      // what markdown() reads of html(): its language's parser (none: parseCode leaves
      // HTML alone) and its support extensions; the object is a valid (empty) extension
      contents: `export const html = () => ({ language: { parser: null }, support: [], extension: [] })
export const htmlCompletionSource = () => null`
    }))
  }
}

try {
  mkdirSync(outdir, { recursive: true })
  // no stale compressed copy may outlive a failed build
  for (const suffix of ['.br', '.gz']) rmSync(outfile + suffix, { force: true })
  const result = await esbuild.build({
    entryPoints: [here('src/main.js')],
    outfile,
    bundle: true,
    minify: true,
    format: 'iife',
    platform: 'browser',
    target: ['es2020'],
    sourcemap: false,
    legalComments: 'none',
    metafile: analyze,
    plugins: [noHtmlInMarkdown],
    logLevel: 'info'
  })
  compress(outfile)
  if (analyze) console.log(await esbuild.analyzeMetafile(result.metafile))
} catch (error) {
  // esbuild has already printed the details
  console.error('build failed:', error.message)
  process.exit(1)
}
