// dashboard/vite.config.ts — builds dist/ (served by shopsync-gateway --static-dir).
// @shopsync/client is compiled from its sources in bindings/js; React is
// deduplicated so the SDK's hooks and the page share one copy.
import { defineConfig } from "vite";
import { fileURLToPath } from "node:url";

const sdk = fileURLToPath(new URL("../bindings/js/src", import.meta.url));

export default defineConfig({
  base: "./",
  esbuild: { jsx: "automatic" },
  resolve: {
    alias: [
      { find: /^@shopsync\/client\/react$/, replacement: `${sdk}/react.tsx` },
      { find: /^@shopsync\/client$/, replacement: `${sdk}/index.ts` },
    ],
    dedupe: ["react", "react-dom"],
  },
  build: { outDir: "dist", emptyOutDir: true, target: "es2020", sourcemap: false },
  server: { fs: { allow: [".."] } },
});
