/**
 * Runs hcl2json (Go compiled to WebAssembly, which blocks its thread for the
 * whole parse) and the scanning around it inside a worker thread, so the
 * main thread keeps serving gossip, timers and sockets while a large file is
 * read. One request at a time; the parser on the main thread queues the rest.
 */
import { parentPort } from 'node:worker_threads'
import { parse } from '@cdktf/hcl2json'
import type { WorkerCall, WorkerCalls, WorkerReply, WorkerRequest } from './parse-protocol.ts'
import { analyzeSource, locatePaths } from './source-analysis.ts'
import type { ConfigTree } from './types.ts'

const port = parentPort
if (port === null) throw new Error('parse-worker.ts must run in a worker thread')

const parseHcl = (fileName: string, text: string): Promise<ConfigTree> => parse(fileName, text)

async function answer(request: WorkerRequest): Promise<WorkerCalls[WorkerCall]['result']> {
  switch (request.call) {
    case 'parse':
      return parseHcl(request.args.fileName, request.args.text)
    case 'analyze':
      return analyzeSource(request.args.fileName, request.args.text, parseHcl)
    case 'locate':
      return locatePaths(request.args.text, request.args.paths)
  }
}

port.on('message', async (request: WorkerRequest) => {
  let reply: WorkerReply
  try {
    reply = { id: request.id, ok: true, result: await answer(request) }
  } catch (error) {
    reply = { id: request.id, ok: false, message: String((error as Error)?.message ?? error) }
  }
  port.postMessage(reply)
})
