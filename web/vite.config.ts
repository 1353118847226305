/**
 * The web UI's build: Vite with its root here (web/), output in dist/web, which
 * `sundial serve` serves at `/` (src/api/web.routes.ts). `npm run dev:web` proxies the API
 * to a server on port 8080, so the UI reloads as it is edited.
 */
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const api = process.env.SUNDIAL_URL ?? "http://127.0.0.1:8080";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL("../dist/web", import.meta.url)),
    emptyOutDir: true,
    // One vendor chunk for the libraries, cached across releases of the app's own code.
    rollupOptions: {
      output: {
        manualChunks: (id) => (id.includes("node_modules") ? "vendor" : undefined),
      },
    },
    chunkSizeWarningLimit: 1500,
  },
  server: {
    proxy: { "/api": api, "/healthz": api, "/readyz": api, "/metrics": api },
  },
});
