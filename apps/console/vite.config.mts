import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

// The console is built into dist/console and served by the orchestrator at /console/; every asset is
// bundled (no CDN, no other origin), with hashed names so that they can be cached for long.
export default defineConfig(({ command }) => ({
  root,
  base: '/console/',
  // Preact's devtools hooks only in the dev server: the shipped bundle stays lean.
  plugins: [preact({ devToolsEnabled: command === 'serve' })],
  build: {
    outDir: fileURLToPath(new URL('../../dist/console', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: true,
    chunkSizeWarningLimit: 300,
  },
  server: { proxy: { '/api': 'http://127.0.0.1:3000' } },
}));
