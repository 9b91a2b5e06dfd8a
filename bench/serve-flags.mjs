// The Node.js flags modelgate serve runs with everywhere it is started (bin/modelgate's shebang,
// `npm start`, the image's entrypoint): the benchmarks start the server the same way.
export const SERVE_NODE_FLAGS = ["--max-semi-space-size=4"];
