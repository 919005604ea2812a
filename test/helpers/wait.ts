/**
 * Resolves once `check` holds, checking it every `intervalMs`; rejects naming
 * `what` after `timeoutMs`. For state no event announces (a file's content, a
 * status field). Waits on the state itself, never on a fixed delay.
 */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs: number,
  intervalMs = 20,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
}
