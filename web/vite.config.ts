// Build: npx vite build --config web/vite.config.ts  (npm run build:web) → web/dist, static files only.
// Dev:   npx vite --config web/vite.config.ts → proxies /api to the local host on 127.0.0.1:7071.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const webRoot = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: webRoot,
  // Relative asset URLs: the same build works at / (local host) and under any static-site path.
  base: './',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
  },
  server: {
    host: '127.0.0.1',
    // changeOrigin: the local host answers only its own loopback Host (DNS-rebinding guard).
    proxy: { '/api': { target: 'http://127.0.0.1:7071', changeOrigin: true } },
  },
  preview: { host: '127.0.0.1' },
});
