// A benchmark client's start: wait for its websocket to open, join a channel
// and wait until the gateway confirms (the client's own join event).
import type WebSocket from 'ws';

export async function joinWhenOpen(ws: WebSocket, channel: string, joined: Promise<void>): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  ws.send(JSON.stringify({ type: 'join', channel }));
  await joined;
}
