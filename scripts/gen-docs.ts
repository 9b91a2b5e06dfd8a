// Writes the generated documentation files; `npm test` fails when they are stale.
import { writeFileSync } from "node:fs";
import { renderErrorDocs } from "../src/server/error-docs.js";

writeFileSync(new URL("../docs/errors.md", import.meta.url), renderErrorDocs());
process.stdout.write("wrote docs/errors.md\n");
