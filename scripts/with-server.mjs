// Runs a command with upload-servers running beside it:
//   node scripts/with-server.mjs -- cargo test --target wasm32-unknown-unknown
// The command sees UPLOAD_SERVER_URL, UPLOAD_SERVER_API_KEY and UPLOAD_TOKEN (ttl 0) for a
// plain server; UPLOAD_SERVER_CHAOS_URL and UPLOAD_CHAOS_TOKEN for a second one with seeded
// fault injection (the same API key), to exercise retries, and UPLOAD_SERVER_CHAOS2_URL and
// UPLOAD_CHAOS2_TOKEN for a third with its own seed, so that each chaos test meets faults no
// other test draws from; UPLOAD_SERVER_LIMITED_URL
// and UPLOAD_LIMITED_TOKEN for a third that answers every upload 429 with Retry-After: 2;
// UPLOAD_SERVER_STALLED_URL and UPLOAD_STALLED_TOKEN for a fourth that never reads a body.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { startServer, projectDir } from '../tests/support/server.mjs';

// Failures before and after commit, resets mid-body, 429s with Retry-After: 1.
export const CHAOS = 'seed=11,fail=0.25,reset=0.25,429=0.2,after=0.5,retry-after=1';
export const CHAOS2 = 'seed=23,fail=0.25,reset=0.25,429=0.2,after=0.5,retry-after=1';

const separator = process.argv.indexOf('--');
const [command, ...args] = process.argv.slice(separator + 1);
if (separator < 0 || !command) {
  console.error('usage: node scripts/with-server.mjs -- COMMAND [ARGS...]');
  process.exit(2);
}
const apiKey = randomBytes(20).toString('hex');
const server = await startServer({ apiKey });
const chaos = await startServer({ apiKey, extraArgs: ['--chaos', CHAOS] });
const chaos2 = await startServer({ apiKey, extraArgs: ['--chaos', CHAOS2] });
const limited = await startServer({ apiKey, extraArgs: ['--chaos', 'seed=1,429=1,retry-after=2'] });
const stalled = await startServer({ apiKey, extraArgs: ['--chaos', 'seed=1,stall=1,stall-for=600s'] });
let code = 1;
try {
  const env = {
    ...process.env,
    UPLOAD_SERVER_URL: server.url,
    UPLOAD_SERVER_API_KEY: apiKey,
    UPLOAD_TOKEN: await server.createToken(0),
    UPLOAD_SERVER_CHAOS_URL: chaos.url,
    UPLOAD_CHAOS_TOKEN: await chaos.createToken(0),
    UPLOAD_SERVER_CHAOS2_URL: chaos2.url,
    UPLOAD_CHAOS2_TOKEN: await chaos2.createToken(0),
    UPLOAD_SERVER_LIMITED_URL: limited.url,
    UPLOAD_LIMITED_TOKEN: await limited.createToken(0),
    UPLOAD_SERVER_STALLED_URL: stalled.url,
    UPLOAD_STALLED_TOKEN: await stalled.createToken(0),
  };
  const child = spawn(command, args, { stdio: 'inherit', env, cwd: projectDir });
  code = await new Promise((resolve) => child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
} finally {
  await server.stop();
  await chaos.stop();
  await chaos2.stop();
  await limited.stop();
  await stalled.stop();
}
process.exit(code);
