import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

/** The admin panel: built into dist/ and served by the Comerix process at /admin (dashboards/admin-ui.routes.ts). */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/admin/',
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 1500,
  },
})
