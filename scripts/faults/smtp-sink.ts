// A local SMTP server that accepts every message and records its Message-ID and envelope recipients:
// the mail sink of the notification fault script and benchmark (smtp-server, as in the unit tests).
import { SMTPServer } from "smtp-server";

export type SinkMessage = { messageId: string; to: string[]; at: number };

export async function startSink(): Promise<{ port: number; received: SinkMessage[]; close: () => Promise<void> }> {
  const received: SinkMessage[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    // A killed client leaves its connection half-open; do not keep it for long.
    socketTimeout: 10_000,
    onData(stream, session, cb) {
      let head = "";
      stream.on("data", (c: Buffer) => {
        if (head.length < 16_384) head += c.toString("latin1");
      });
      stream.on("end", () => {
        const headers = head.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, " ");
        const messageId = /^Message-ID:\s*(\S+)/im.exec(headers)?.[1] ?? "";
        received.push({ messageId, to: session.envelope.rcptTo.map((r) => r.address), at: performance.now() });
        cb();
      });
    },
  });
  server.on("error", () => {}); // a client killed mid-conversation is not the sink's problem
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.server.address() as { port: number }).port;
  return { port, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
