// Runs a command with upload-servers running beside it:
//   node scripts/with-server.mjs -- cargo test --target wasm32-unknown-unknown
// The command sees UPLOAD_SERVER_URL, UPLOAD_SERVER_API_KEY and UPLOAD_TOKEN (ttl 0) for a
// plain server, and UPLOAD_SERVER_CHAOS_URL and UPLOAD_CHAOS_TOKEN for a second one with
// seeded fault injection (the same API key), to exercise retries.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { startServer, projectDir } from '../tests/support/server.mjs';

// Failures before and after commit, resets mid-body, 429s with Retry-After: 1.
export const CHAOS = 'seed=11,fail=0.2,reset=0.1,429=0.1,after=0.5,retry-after=1';

const separator = process.argv.indexOf('--');
const [command, ...args] = process.argv.slice(separator + 1);
if (separator < 0 || !command) {
  console.error('usage: node scripts/with-server.mjs -- COMMAND [ARGS...]');
  process.exit(2);
}
const apiKey = randomBytes(20).toString('hex');
const server = await startServer({ apiKey });
const chaos = await startServer({ apiKey, extraArgs: ['--chaos', CHAOS] });
let code = 1;
try {
  const env = {
    ...process.env,
    UPLOAD_SERVER_URL: server.url,
    UPLOAD_SERVER_API_KEY: apiKey,
    UPLOAD_TOKEN: await server.createToken(0),
    UPLOAD_SERVER_CHAOS_URL: chaos.url,
    UPLOAD_CHAOS_TOKEN: await chaos.createToken(0),
  };
  const child = spawn(command, args, { stdio: 'inherit', env, cwd: projectDir });
  code = await new Promise((resolve) => child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
} finally {
  await server.stop();
  await chaos.stop();
}
process.exit(code);
