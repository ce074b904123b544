// Build: npx vite build --config web/vite.config.ts  (npm run build:web) → web/dist, static files only.
// Dev:   npx vite --config web/vite.config.ts → proxies /api to the local host on 127.0.0.1:$PORT (default 7071, as
//        `npm start`: run both with the same PORT).
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const webRoot = fileURLToPath(new URL('.', import.meta.url));
/** The local host's port (`npm start` listens on PORT, default 7071). */
const apiPort = process.env.PORT?.trim() || '7071';
if (!/^\d{1,5}$/.test(apiPort)) throw new Error(`PORT must be a port number, not "${apiPort}"`);

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
    proxy: { '/api': { target: `http://127.0.0.1:${apiPort}`, changeOrigin: true } },
  },
  preview: { host: '127.0.0.1' },
});
