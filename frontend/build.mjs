// `make assets` (npm run build): bundles the browser code in frontend/ with its npm dependencies
// into src/innograph/web/static/build/, which the server serves from its own origin and the wheel
// ships. Nothing here or in the bundles fetches anything from elsewhere at run time.
import { build } from "esbuild";
import { copyFile, mkdir, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "src", "innograph", "web", "static", "build");
const modules = join(root, "node_modules");

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
await build({
  entryPoints: {
    query: join(root, "frontend", "query-page.js"),
    maps: join(root, "frontend", "maps.js"),
  },
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2019"],
  outdir: out,
  legalComments: "linked",       // the bundled packages' licence notices, in query.js.LEGAL.txt
  loader: { ".svg": "text", ".woff": "empty", ".woff2": "empty", ".ttf": "empty", ".eot": "empty" },
  logLevel: "warning",
});
// Served as they are: vis-network once for every graph page (cached), and the Natural Earth
// outlines (public domain) that the maps draw.
await copyFile(join(modules, "vis-network", "standalone", "umd", "vis-network.min.js"), join(out, "vis-network.min.js"));
await copyFile(join(modules, "world-atlas", "countries-50m.json"), join(out, "countries-50m.json"));
await copyFile(join(modules, "world-atlas", "LICENSE"), join(out, "world-atlas.LICENSE.txt"));
console.log(`assets built in ${out}`);
