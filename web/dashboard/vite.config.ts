/// <reference types="vitest/config" />
import { defineConfig } from 'vite';

// The page is served by Prometheus itself (--web.user-assets, under /user/),
// so every asset path is relative and the API is same-origin. `npm run dev`
// proxies the API to a running Prometheus (PROMETHEUS_URL, default the local
// topology's port).
const target = process.env.PROMETHEUS_URL ?? 'http://127.0.0.1:9090';

export default defineConfig({
  base: './',
  server: { proxy: { '/api/v1/': { target, changeOrigin: false } } },
  build: { outDir: 'dist', sourcemap: false, chunkSizeWarningLimit: 200 },
  test: { environment: 'node', include: ['src/**/*.test.ts'] },
});
