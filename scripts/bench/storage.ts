import { spawn } from 'node:child_process';
import path from 'node:path';
import { ROOT } from '../bundle';
import { onCore } from './cores';

/** The storage process (storageChild.ts): its endpoint, a key it accepts, and how to stop it. */
interface StorageProcess {
  endpoint: string;
  key: string;
  stop(): void;
}

/** The in-memory server accepts any key; a key-authenticated loopback endpoint is what the service treats as an emulator. */
const ANY_KEY = Buffer.from('benchmark-storage-key').toString('base64');
const START_DEADLINE_MS = 30_000;

export function startStorageProcess(): Promise<StorageProcess> {
  return new Promise((resolve, reject) => {
    const [command, args] = onCore('helper', process.execPath, [
      '--import',
      'tsx',
      path.join(__dirname, 'storageChild.ts'),
    ]);
    const child = spawn(command, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`the storage process did not listen within ${START_DEADLINE_MS / 1000} s`));
    }, START_DEADLINE_MS);
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n')[0];
      if (!out.includes('\n') || !line) return;
      clearTimeout(timer);
      const { port } = JSON.parse(line) as { port: number };
      resolve({ endpoint: `https://127.0.0.1:${port}`, key: ANY_KEY, stop: () => child.stdin.end() });
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the storage process exited (${code}) before listening`));
    });
  });
}
