import { build } from 'esbuild'

/**
 * `npm run build:widget`: bundles the reference widget (src/main.ts, browser TypeScript) into one IIFE,
 * dist/widget.js (gitignored), which the server answers at GET /widget.js. No CDN, no runtime dependency.
 */
const result = await build({
  entryPoints: [new URL('./src/main.ts', import.meta.url).pathname],
  outfile: new URL('./dist/widget.js', import.meta.url).pathname,
  bundle: true,
  format: 'iife',
  target: 'es2020',
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
})
const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0)
console.log(`widget: engine/widget/dist/widget.js (${(bytes / 1024).toFixed(1)} KiB)`)
