// Recordings of simulated calls, so a recording URL from the simulator plays something: a short
// synthesized WAV (a tone for each "turn" of the conversation). The URL's provider call id is 144
// random bits (sim_call_ + 24 base62 characters), a capability like a carrier's recording link;
// the audio is synthetic and says nothing about the call. Only completed simulator calls have one.
import Router from '@koa/router';
import type { CallStatus } from '../../domain/calls/calls.types.js';

/** The status of a simulator call by its provider call id (the call service answers it). */
export type CallStatusLookup = (providerCallId: string) => Promise<CallStatus | undefined>;

const SAMPLE_RATE = 8000;
const PATH = /^sim_call_[0-9A-Za-z]{24}\.wav$/;

export function simulatorRecordingsRouter(statusOf: CallStatusLookup): Router {
  const router = new Router();
  router.get('/simulator/recordings/:file', async (ctx) => {
    const file = ctx.params.file ?? '';
    const status = PATH.test(file) ? await statusOf(file.slice(0, -'.wav'.length)) : undefined;
    if (status !== 'completed') {
      ctx.status = 404;
      ctx.body = { error: 'not_found', message: 'Recording not found' };
      return;
    }
    ctx.set('Cache-Control', 'private, max-age=3600');
    ctx.type = 'audio/wav';
    ctx.body = synthesizeRecording(file);
  });
  return router;
}

/** A few seconds of alternating tones, 8 kHz mono 16-bit PCM, deterministic per file name. */
export function synthesizeRecording(seed: string): Buffer {
  const turns = 4;
  const turnSamples = SAMPLE_RATE * 0.6;
  const gapSamples = SAMPLE_RATE * 0.2;
  const samples = turns * (turnSamples + gapSamples);
  const data = Buffer.alloc(samples * 2);
  let offset = 0;
  const base = 300 + (seed.charCodeAt(seed.length - 5) % 100);
  for (let turn = 0; turn < turns; turn++) {
    const frequency = turn % 2 === 0 ? base : base * 1.5;
    for (let i = 0; i < turnSamples; i++, offset += 2) {
      const fade = Math.min(1, i / 200, (turnSamples - i) / 200);
      data.writeInt16LE(Math.round(Math.sin((2 * Math.PI * frequency * i) / SAMPLE_RATE) * 8000 * fade), offset);
    }
    offset += gapSamples * 2;
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8);
  header.write('fmt ', 12);
  header.writeUInt32LE(16, 16); // PCM chunk size
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(SAMPLE_RATE, 24);
  header.writeUInt32LE(SAMPLE_RATE * 2, 28); // byte rate
  header.writeUInt16LE(2, 32); // block align
  header.writeUInt16LE(16, 34); // bits per sample
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}
