// Starts upload-server on 127.0.0.1:8787 (or $UPLOAD_SERVER_LISTEN) with the project's data
// dir, mints an upload token and prints the drop-in page's URL with the token in it.
import path from 'node:path';
import { startServer, projectDir } from '../tests/support/server.mjs';

const dataDir = process.env.UPLOAD_SERVER_DATA_DIR ?? path.join(projectDir, '.upload-server-data');
const server = await startServer({
  listen: process.env.UPLOAD_SERVER_LISTEN ?? '127.0.0.1:8787',
  dataDir,
  // The server takes UPLOAD_SERVER_API_KEY from the environment, or keeps its own key in
  // the data dir: the same key across restarts.
  apiKey: null,
  profile: 'release',
  inheritLogs: true,
});
// A day is long enough to play with and short enough not to leave a live token around.
const token = await server.createToken(86400);
console.log(`
upload-server is running at ${server.url} (data in ${dataDir})
API key: ${server.apiKey}

Open the uploader page (its token is valid for 24 hours):

    ${server.url}/?token=${token}

Or with the server's panel (tokens, video details; the key stays in your browser):

    ${server.url}/?token=${token}#key=${server.apiKey}

The Leptos example app (examples/leptos: the Rust API in a Rust front end):

    ${server.url}/examples/leptos/?token=${token}

Press Ctrl-C to stop.`);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, async () => {
    await server.stop();
    process.exit(0);
  });
}
server.child.on('exit', (code) => process.exit(code ?? 1));
