// A local SMTP server for benchmarks, in a process of its own (as a mail server would be, so it takes no
// CPU time from the app being measured): it accepts every message and counts it, without parsing.
import { fork } from 'node:child_process';
import { SMTPServer } from 'smtp-server';

function serve(): void {
  let accepted = 0;
  const server = new SMTPServer({
    authOptional: true, disabledCommands: ['STARTTLS'], logger: false, size: 20 * 1024 * 1024,
    onData(stream, _session, callback) {
      stream.on('data', () => undefined);
      stream.on('end', () => { accepted++; callback(); });
    },
  });
  server.listen(0, '127.0.0.1', () => {
    process.send!({ port: (server.server.address() as { port: number }).port });
    setInterval(() => process.send!({ accepted }), 20);
  });
  process.on('disconnect', () => process.exit(0));
}

export interface SmtpSink { url: string; accepted(): number; close(): void }

export async function startSmtpSink(): Promise<SmtpSink> {
  const child = fork(__filename, ['--serve'], { stdio: 'inherit' });
  let accepted = 0;
  const port = await new Promise<number>((resolve, reject) => {
    child.on('message', (m: { port?: number; accepted?: number }) => {
      if (m.port) resolve(m.port);
      if (m.accepted !== undefined) accepted = m.accepted;
    });
    child.once('exit', (code) => reject(new Error(`the SMTP server process exited (${code})`)));
  });
  return { url: `smtp://127.0.0.1:${port}`, accepted: () => accepted, close: () => child.kill() };
}

if (require.main === module && process.argv.includes('--serve')) serve();
