// The process entry of the CLI (bin/modelgate imports the compiled copy of this file).
import { main } from "./main.js";

await main();
