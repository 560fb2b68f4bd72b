// The child process that hosts onnxruntime-node for cli/runner-node.ts's isolated runner.
// onnxruntime-node's run() blocks the thread that calls it, and neither a worker thread nor the
// process can be stopped while it is inside one (process.exit waits for threads). In a child
// process it can: the CLI keeps time (a run budget) and kills this process when a run takes too long.
// Plain JavaScript, no TypeScript loader needed here.
import * as ort from 'onnxruntime-node';

const parentPort = {
  on: (event, handler) => process.on(event, handler),
  postMessage: (message) => process.send(message),
};
// The CLI going away (exit, crash) ends this process too.
process.on('disconnect', () => process.exit(0));

const sessions = new Map();
let nextSession = 1;

function toOrt(t) {
  return new ort.Tensor(t.type, t.data, t.dims);
}

parentPort.on('message', async (message) => {
  const { id, op } = message;
  try {
    if (op === 'init') {
      ort.env.logLevel = message.logLevel;
      parentPort.postMessage({ id });
    } else if (op === 'create') {
      const o = message.options;
      const session = await ort.InferenceSession.create(message.model, o);
      const sid = nextSession++;
      sessions.set(sid, session);
      parentPort.postMessage({ id, sid, inputNames: session.inputNames, outputNames: session.outputNames });
    } else if (op === 'run') {
      const session = sessions.get(message.sid);
      const feeds = {};
      for (const [k, v] of Object.entries(message.feeds)) feeds[k] = toOrt(v);
      const result = message.outputNames ? await session.run(feeds, message.outputNames) : await session.run(feeds);
      const outputs = {};
      for (const [k, v] of Object.entries(result)) outputs[k] = { type: v.type, dims: [...v.dims], data: v.data };
      parentPort.postMessage({ id, outputs });
    } else if (op === 'release') {
      const session = sessions.get(message.sid);
      sessions.delete(message.sid);
      await session?.release();
      parentPort.postMessage({ id });
    }
  } catch (e) {
    parentPort.postMessage({ id, error: e instanceof Error ? e.message : String(e) });
  }
});
