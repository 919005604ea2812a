import type { SourceLocation } from './hcl-outline.ts'
import type { Analysis } from './source-analysis.ts'
import type { ConfigTree } from './types.ts'

/** What the parse worker can be asked, and what each answer holds. */
export interface WorkerCalls {
  /** hcl2json alone. */
  parse: { args: { fileName: string; text: string }; result: ConfigTree }
  /** The full source pipeline: rewrite, parse, checks. */
  analyze: { args: { fileName: string; text: string }; result: Analysis }
  /** Positions of dotted paths in a text. */
  locate: { args: { text: string; paths: string[] }; result: (SourceLocation | null)[] }
}

export type WorkerCall = keyof WorkerCalls

export type WorkerRequest = {
  [K in WorkerCall]: { id: number; call: K; args: WorkerCalls[K]['args'] }
}[WorkerCall]

export type WorkerReply =
  | { id: number; ok: true; result: WorkerCalls[WorkerCall]['result'] }
  | { id: number; ok: false; message: string }
