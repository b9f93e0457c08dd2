// `make assets` (npm run build): bundles the browser code in frontend/ with its npm dependencies
// into src/innograph/web/static/build/, which the server serves from its own origin and the wheel
// ships. Nothing here or in the bundles fetches anything from elsewhere at run time.
import { build } from "esbuild";
import { copyFile, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "src", "innograph", "web", "static", "build");
const modules = join(root, "node_modules");

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
const result = await build({
  metafile: true,
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

// Every npm package that ended up in the bundles, with its version and licence.
const packages = new Set(["vis-network", "world-atlas"]);
for (const input of Object.keys(result.metafile.inputs)) {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
  if (match) packages.add(match[1]);
}
const lines = ["Third-party packages in innograph's browser bundles (built by `make assets` from npm):", ""];
for (const name of [...packages].sort()) {
  const manifest = JSON.parse(await readFile(join(modules, name, "package.json"), "utf8"));
  const licence = typeof manifest.license === "string" ? manifest.license : JSON.stringify(manifest.license || manifest.licenses);
  lines.push(`${name} ${manifest.version}: ${licence}${manifest.homepage ? " (" + manifest.homepage + ")" : ""}`);
}
lines.push("", "@zazuko/yasgui ships its own bundle of Yasqe, Yasr, CodeMirror and DataTables (MIT).",
  "world-atlas draws Natural Earth's 1:50m outlines, which are in the public domain.");
await writeFile(join(out, "THIRD-PARTY-NOTICES.txt"), lines.join("\n") + "\n");
console.log(`assets built in ${out} (${packages.size} npm packages)`);
