// Runs a command with an upload-server running beside it:
//   node scripts/with-server.mjs -- cargo test --target wasm32-unknown-unknown
// The command sees UPLOAD_SERVER_URL, UPLOAD_SERVER_API_KEY and UPLOAD_TOKEN (ttl 0).
import { spawn } from 'node:child_process';
import { startServer, projectDir } from '../tests/support/server.mjs';

const separator = process.argv.indexOf('--');
const [command, ...args] = process.argv.slice(separator + 1);
if (separator < 0 || !command) {
  console.error('usage: node scripts/with-server.mjs -- COMMAND [ARGS...]');
  process.exit(2);
}
const server = await startServer();
let code = 1;
try {
  const token = await server.createToken(0);
  const env = { ...process.env, UPLOAD_SERVER_URL: server.url, UPLOAD_SERVER_API_KEY: server.apiKey, UPLOAD_TOKEN: token };
  const child = spawn(command, args, { stdio: 'inherit', env, cwd: projectDir });
  code = await new Promise((resolve) => child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
} finally {
  await server.stop();
}
process.exit(code);
